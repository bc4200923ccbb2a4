/**
 * SCOPE_TABLE: which opcodes a ctl context may send, and at which scope.
 *
 * The rows follow the upstream mlx5 fwctl driver (drivers/fwctl/mlx5/main.c,
 * `mlx5ctl_validate_rpc`): a handful of queries and ACCESS_REG writes at
 * CONFIGURATION, the long list of QUERY_* commands and ACCESS_REG reads at
 * DEBUG_READ_ONLY, SET_DIAGNOSTIC_PARAMS at DEBUG_WRITE. Opcodes the
 * simulated firmware does not implement are kept: with a real device
 * behind the backend they reach firmware, and the simulator answers BAD_OP.
 *
 * Unlike upstream, four object commands are allowed for the context's own
 * uid (`tracks`): ALLOC_PD / DEALLOC_PD and CREATE_MKEY / DESTROY_MKEY,
 * because the umem dump paths need a PD and an mkey. The uid is stamped by
 * the driver, the firmware checks ownership on every use, the driver
 * records what was created so `close()` destroys it, and DESTROY_UCTX frees
 * anything left. User memory itself is registered only through the
 * context's umem registration (see REJECTED_OPCODES).
 *
 * Every opcode core knows (OPCODES) is either a row here or listed in
 * REJECTED_OPCODES with the reason; an opcode in neither is refused like a
 * rejected one (EPERM: no scope allows it).
 *
 * Owns: the table, as data. Never: the checks that use it (rpc-request.ts).
 */
import { FwctlScope, type FwctlScopeValue, Op } from '@auxctl/prm';

/** TrackedObject: a firmware object type a context creates for itself through rpc(). */
export type TrackedObject = 'PD' | 'MKEY';

/** ScopeRule: one allowed opcode. */
export interface ScopeRule {
  readonly opcode: number;
  readonly name: string;
  /** The lowest scope that allows the command. */
  readonly scope: FwctlScopeValue;
  /** Scopes for particular op_mods, where they differ (ACCESS_REG writes). */
  readonly byOpMod?: Readonly<Record<number, FwctlScopeValue>>;
  /** Set for own-uid object commands: what the driver records or forgets. */
  readonly tracks?: { readonly type: TrackedObject; readonly action: 'create' | 'destroy' };
  /** Where the rule comes from: `upstream` (mlx5 fwctl) or `auxctl` (documented above). */
  readonly source: 'upstream' | 'auxctl';
}

/** RejectedOpcode: an opcode core knows that rpc() refuses at every scope, and why. */
export interface RejectedOpcode {
  readonly opcode: number;
  readonly name: string;
  readonly reason: string;
  /** Set for CREATE_UMEM / DESTROY_UMEM: the refusal names the embedder's umem calls. */
  readonly umem?: true;
}

/**
 * LOCAL_UMEM_CALLS: what a raw CREATE_UMEM / DESTROY_UMEM refusal tells a
 * caller of ctl-aux itself to use; an embedder that serves contexts to
 * others names its own calls instead (`CtlDriverOptions.umemCalls`).
 */
export const LOCAL_UMEM_CALLS = "the context's umemReg / umemUnreg";

const { CONFIGURATION, DEBUG_READ_ONLY, DEBUG_WRITE } = FwctlScope;

/** Upstream CONFIGURATION rows (opcode numbers from mlx5_ifc.h and the fwctl driver). */
const configuration: ReadonlyArray<readonly [string, number]> = [
  ['QUERY_HCA_CAP', Op.QUERY_HCA_CAP],
  ['QUERY_ADAPTER', Op.QUERY_ADAPTER],
  // Firmware limits SET_HCA_CAP from a tools uid to other-function pre-configuration.
  ['SET_HCA_CAP', Op.SET_HCA_CAP],
  ['QUERY_OTHER_HCA_CAP', Op.QUERY_OTHER_HCA_CAP],
  ['DELEGATE_VHCA_MANAGEMENT', 0x731],
  ['QUERY_ESW_FUNCTIONS', Op.QUERY_ESW_FUNCTIONS],
  ['QUERY_ROCE_ADDRESS', 0x760],
  ['QUERY_HCA_VPORT_CONTEXT', Op.QUERY_HCA_VPORT_CONTEXT],
  ['MODIFY_CONG_STATUS', 0x823],
  ['QUERY_VUID', 0xb22],
  ['POSTPONE_CONNECTED_QP_TIMEOUT', 0xb2e],
];

/** Upstream DEBUG_READ_ONLY rows. */
const debugReadOnly: ReadonlyArray<readonly [string, number]> = [
  ['QUERY_PAGES', Op.QUERY_PAGES],
  ['QUERY_ISSI', Op.QUERY_ISSI],
  ['QUERY_DRIVER_VERSION', 0x10c],
  ['QUERY_SF_PARTITION', 0x111],
  ['QUERY_VHCA_MIGRATION_STATE', Op.QUERY_VHCA_MIGRATION_STATE],
  ['QUERY_MKEY', Op.QUERY_MKEY],
  ['QUERY_SPECIAL_CONTEXTS', 0x203],
  ['QUERY_EQ', Op.QUERY_EQ],
  ['QUERY_CQ', Op.QUERY_CQ],
  ['QUERY_QP', Op.QUERY_QP],
  ['QUERY_RDB', 0x512],
  ['QUERY_PSV', 0x602],
  ['QUERY_SRQ', 0x702],
  ['QUERY_XRC_SRQ', 0x707],
  ['QUERY_DCT', 0x713],
  ['QUERY_DC_CNAK_TRACE', 0x716],
  ['QUERY_XRQ', 0x719],
  ['QUERY_NVMF_BACKEND_CONTROLLER', 0x722],
  ['QUERY_XRQ_DC_PARAMS_ENTRY', 0x725],
  ['QUERY_XRQ_ERROR_PARAMS', 0x727],
  ['QUERY_NVMF_NAMESPACE_CONTEXT', 0x728],
  ['QUERY_ADJACENT_FUNCTIONS_ID', 0x730],
  ['QUERY_DELEGATED_VHCA', 0x732],
  ['QUERY_VPORT_STATE', Op.QUERY_VPORT_STATE],
  ['QUERY_ESW_VPORT_CONTEXT', 0x752],
  ['QUERY_NIC_VPORT_CONTEXT', Op.QUERY_NIC_VPORT_CONTEXT],
  ['QUERY_HCA_VPORT_GID', 0x764],
  ['QUERY_HCA_VPORT_PKEY', 0x765],
  ['QUERY_VNIC_ENV', 0x76f],
  ['QUERY_VPORT_COUNTER', Op.QUERY_VPORT_COUNTER],
  ['QUERY_Q_COUNTER', 0x773],
  ['QUERY_RATE_LIMIT', 0x781],
  ['QUERY_SCHEDULING_ELEMENT', 0x784],
  ['QUERY_MAD_DEMUX', 0x80b],
  ['NOP', Op.NOP],
  ['QUERY_BURST_SIZE', 0x813],
  ['QUERY_DIAGNOSTIC_PARAMS', Op.QUERY_DIAGNOSTIC_PARAMS],
  ['QUERY_DIAGNOSTIC_COUNTERS', Op.QUERY_DIAGNOSTIC_COUNTERS],
  ['QUERY_CONG_STATUS', 0x822],
  ['QUERY_CONG_PARAMS', 0x824],
  ['QUERY_CONG_STATISTICS', 0x826],
  ['QUERY_L2_TABLE_ENTRY', 0x82a],
  ['QUERY_WOL_ROL', 0x831],
  ['QUERY_LAG', 0x842],
  ['QUERY_TIR', 0x903],
  ['QUERY_SQ', Op.QUERY_SQ],
  ['QUERY_RQ', Op.QUERY_RQ],
  ['QUERY_RMP', 0x90f],
  ['QUERY_DELAY_DROP_PARAMS', 0x911],
  ['QUERY_TIS', 0x915],
  ['QUERY_RQT', 0x919],
  ['QUERY_FLOW_TABLE', 0x932],
  ['QUERY_FLOW_GROUP', 0x935],
  ['QUERY_FLOW_TABLE_ENTRY', 0x937],
  ['QUERY_FLOW_COUNTER', 0x93b],
  ['QUERY_PACKET_REFORMAT_CONTEXT', 0x93f],
  ['QUERY_MODIFY_HEADER_CONTEXT', 0x942],
  ['FPGA_QUERY_QP', 0x962],
  ['FPGA_QUERY_QP_COUNTERS', 0x964],
  ['QUERY_AFU', 0x971],
  ['QUERY_CAPI_PEC', 0x981],
  ['QUERY_GENERAL_OBJECT', Op.QUERY_GENERAL_OBJECT],
  ['QUERY_UCTX', Op.QUERY_UCTX],
  ['QUERY_UMEM', Op.QUERY_UMEM],
  ['QUERY_NVMF_CC_RESPONSE', 0xb02],
  ['QUERY_EMULATED_FUNCTIONS_INFO', 0xb03],
  ['QUERY_REGEXP_PARAMS', 0xb05],
  ['QUERY_REGEXP_REGISTER', 0xb07],
  ['USER_QUERY_XRQ_DC_PARAMS_ENTRY', 0xb08],
  ['USER_QUERY_XRQ_ERROR_PARAMS', 0xb0a],
  ['QUERY_VHCA_STATE', 0xb0d],
  ['QUERY_EMULATION_DEVICE_EQ_MSIX_MAPPING', 0xb0f],
  ['QUERY_MATCH_SAMPLE_INFO', 0xb13],
  ['QUERY_CRYPTO_STATE', 0xb14],
  ['QUERY_DPA_PARTITION', 0xb28],
  ['QUERY_DPA_PARTITIONS', 0xb2a],
  ['QUERY_EMULATED_RESOURCES_INFO', 0xb2f],
  ['QUERY_RSV_RESOURCES', 0x8000],
  ['QUERY_MTT', 0x8001],
  ['QUERY_SCHED_QUEUE', 0x8006],
];

/** Registers: a write (op_mod 0) is configuration, a read is debug (upstream). */
const accessRegister = { scope: DEBUG_READ_ONLY, byOpMod: { 0: CONFIGURATION } } as const;

const upstream =
  (scope: FwctlScopeValue) =>
  ([name, opcode]: readonly [string, number]): ScopeRule => ({
    name,
    opcode,
    scope,
    source: 'upstream',
  });

const rows: ScopeRule[] = [
  ...configuration.map(upstream(CONFIGURATION)),
  ...debugReadOnly.map(upstream(DEBUG_READ_ONLY)),
  upstream(DEBUG_WRITE)(['SET_DIAGNOSTIC_PARAMS', Op.SET_DIAGNOSTIC_PARAMS]),
  { name: 'ACCESS_REG', opcode: Op.ACCESS_REG, ...accessRegister, source: 'upstream' },
  { name: 'ACCESS_REGISTER_USER', opcode: 0xb0c, ...accessRegister, source: 'upstream' },
  {
    name: 'ALLOC_PD',
    opcode: Op.ALLOC_PD,
    scope: DEBUG_READ_ONLY,
    tracks: { type: 'PD', action: 'create' },
    source: 'auxctl',
  },
  {
    name: 'DEALLOC_PD',
    opcode: Op.DEALLOC_PD,
    scope: DEBUG_READ_ONLY,
    tracks: { type: 'PD', action: 'destroy' },
    source: 'auxctl',
  },
  {
    name: 'CREATE_MKEY',
    opcode: Op.CREATE_MKEY,
    scope: DEBUG_READ_ONLY,
    tracks: { type: 'MKEY', action: 'create' },
    source: 'auxctl',
  },
  {
    name: 'DESTROY_MKEY',
    opcode: Op.DESTROY_MKEY,
    scope: DEBUG_READ_ONLY,
    tracks: { type: 'MKEY', action: 'destroy' },
    source: 'auxctl',
  },
];

/** SCOPE_TABLE: every allowed opcode, in opcode order. */
export const SCOPE_TABLE: readonly ScopeRule[] = rows.sort((a, b) => a.opcode - b.opcode);

const lifecycle = 'the core driver owns the function lifecycle (boot, pages, ISSI)';
const queues = 'queues belong to the net and rdma drivers; a context could not free them at close';
const vport =
  'the vport (MAC, MTU, admin state) is configured by the core and net drivers; read it with QUERY_*';
const uctx = 'the driver creates the context uctx at open and destroys it at close';
const migration =
  "a VF's live state moves through the PF's vfio variant driver (mlx5_vfio_pci), never a user's RPC";
const umem =
  'the driver must own the DMA mapping an MTT list names, and a raw CREATE_UMEM could name pages mapped for someone else';

/** REJECTED_OPCODES: opcodes core knows that no scope allows, with the reason. */
export const REJECTED_OPCODES: readonly RejectedOpcode[] = [
  { name: 'INIT_HCA', opcode: Op.INIT_HCA, reason: lifecycle },
  { name: 'TEARDOWN_HCA', opcode: Op.TEARDOWN_HCA, reason: lifecycle },
  { name: 'ENABLE_HCA', opcode: Op.ENABLE_HCA, reason: lifecycle },
  { name: 'DISABLE_HCA', opcode: Op.DISABLE_HCA, reason: lifecycle },
  { name: 'MANAGE_PAGES', opcode: Op.MANAGE_PAGES, reason: lifecycle },
  { name: 'SET_ISSI', opcode: Op.SET_ISSI, reason: lifecycle },
  { name: 'CREATE_EQ', opcode: Op.CREATE_EQ, reason: queues },
  { name: 'DESTROY_EQ', opcode: Op.DESTROY_EQ, reason: queues },
  { name: 'CREATE_CQ', opcode: Op.CREATE_CQ, reason: queues },
  { name: 'DESTROY_CQ', opcode: Op.DESTROY_CQ, reason: queues },
  { name: 'CREATE_QP', opcode: Op.CREATE_QP, reason: queues },
  { name: 'DESTROY_QP', opcode: Op.DESTROY_QP, reason: queues },
  { name: 'RST2INIT_QP', opcode: Op.RST2INIT_QP, reason: queues },
  { name: 'INIT2RTR_QP', opcode: Op.INIT2RTR_QP, reason: queues },
  { name: 'RTR2RTS_QP', opcode: Op.RTR2RTS_QP, reason: queues },
  { name: 'RTS2RTS_QP', opcode: Op.RTS2RTS_QP, reason: queues },
  { name: '2ERR_QP', opcode: Op['2ERR_QP'], reason: queues },
  { name: '2RST_QP', opcode: Op['2RST_QP'], reason: queues },
  { name: 'INIT2INIT_QP', opcode: Op.INIT2INIT_QP, reason: queues },
  { name: 'MODIFY_VPORT_STATE', opcode: Op.MODIFY_VPORT_STATE, reason: vport },
  { name: 'MODIFY_NIC_VPORT_CONTEXT', opcode: Op.MODIFY_NIC_VPORT_CONTEXT, reason: vport },
  { name: 'CREATE_TIR', opcode: Op.CREATE_TIR, reason: queues },
  { name: 'DESTROY_TIR', opcode: Op.DESTROY_TIR, reason: queues },
  { name: 'CREATE_SQ', opcode: Op.CREATE_SQ, reason: queues },
  { name: 'MODIFY_SQ', opcode: Op.MODIFY_SQ, reason: queues },
  { name: 'DESTROY_SQ', opcode: Op.DESTROY_SQ, reason: queues },
  { name: 'CREATE_RQ', opcode: Op.CREATE_RQ, reason: queues },
  { name: 'MODIFY_RQ', opcode: Op.MODIFY_RQ, reason: queues },
  { name: 'DESTROY_RQ', opcode: Op.DESTROY_RQ, reason: queues },
  { name: 'CREATE_TIS', opcode: Op.CREATE_TIS, reason: queues },
  { name: 'DESTROY_TIS', opcode: Op.DESTROY_TIS, reason: queues },
  { name: 'CREATE_GENERAL_OBJECT', opcode: Op.CREATE_GENERAL_OBJECT, reason: queues },
  { name: 'MODIFY_GENERAL_OBJECT', opcode: Op.MODIFY_GENERAL_OBJECT, reason: queues },
  { name: 'DESTROY_GENERAL_OBJECT', opcode: Op.DESTROY_GENERAL_OBJECT, reason: queues },
  { name: 'CREATE_UCTX', opcode: Op.CREATE_UCTX, reason: uctx },
  { name: 'DESTROY_UCTX', opcode: Op.DESTROY_UCTX, reason: uctx },
  { name: 'CREATE_UMEM', opcode: Op.CREATE_UMEM, reason: umem, umem: true },
  { name: 'DESTROY_UMEM', opcode: Op.DESTROY_UMEM, reason: umem, umem: true },
  { name: 'SUSPEND_VHCA', opcode: Op.SUSPEND_VHCA, reason: migration },
  { name: 'RESUME_VHCA', opcode: Op.RESUME_VHCA, reason: migration },
  { name: 'SAVE_VHCA_STATE', opcode: Op.SAVE_VHCA_STATE, reason: migration },
  { name: 'LOAD_VHCA_STATE', opcode: Op.LOAD_VHCA_STATE, reason: migration },
];

const rules = new Map(SCOPE_TABLE.map((r) => [r.opcode, r]));
const rejected = new Map(REJECTED_OPCODES.map((r) => [r.opcode, r]));

/** scopeRule: the rule of `opcode`, or undefined when rpc() refuses it. */
export function scopeRule(opcode: number): ScopeRule | undefined {
  return rules.get(opcode);
}

/** rejection: why `opcode` is refused, when it is a deliberately rejected one. */
export function rejection(opcode: number): RejectedOpcode | undefined {
  return rejected.get(opcode);
}

/** requiredScope: the scope `opcode` with `opMod` needs; undefined when no scope allows it. */
export function requiredScope(opcode: number, opMod: number): FwctlScopeValue | undefined {
  const r = rules.get(opcode);
  if (!r) return undefined;
  return r.byOpMod?.[opMod] ?? r.scope;
}

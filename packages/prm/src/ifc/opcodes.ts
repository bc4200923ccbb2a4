/**
 * Firmware command opcodes (PRM "Command Reference"), as data.
 *
 * `destroy` marks commands that release a resource: when the device is in
 * the internal-error state the driver completes them successfully without
 * reaching firmware, because firmware state is gone anyway and teardown
 * must be able to finish (mlx5_internal_err_ret_value in Linux).
 */

/** OpcodeInfo: one firmware command. */
export interface OpcodeInfo {
  readonly name: string;
  readonly opcode: number;
  readonly destroy?: boolean;
}

const table = [
  { name: 'QUERY_HCA_CAP', opcode: 0x100 },
  { name: 'QUERY_ADAPTER', opcode: 0x101 },
  { name: 'INIT_HCA', opcode: 0x102 },
  { name: 'TEARDOWN_HCA', opcode: 0x103, destroy: true },
  { name: 'ENABLE_HCA', opcode: 0x104 },
  { name: 'DISABLE_HCA', opcode: 0x105, destroy: true },
  { name: 'QUERY_PAGES', opcode: 0x107 },
  { name: 'MANAGE_PAGES', opcode: 0x108, destroy: true },
  { name: 'SET_HCA_CAP', opcode: 0x109 },
  { name: 'QUERY_ISSI', opcode: 0x10a },
  { name: 'SET_ISSI', opcode: 0x10b },
  { name: 'QUERY_OTHER_HCA_CAP', opcode: 0x10e },
  { name: 'SUSPEND_VHCA', opcode: 0x115 },
  { name: 'RESUME_VHCA', opcode: 0x116 },
  { name: 'QUERY_VHCA_MIGRATION_STATE', opcode: 0x117 },
  { name: 'SAVE_VHCA_STATE', opcode: 0x118 },
  { name: 'LOAD_VHCA_STATE', opcode: 0x119 },
  { name: 'CREATE_MKEY', opcode: 0x200 },
  { name: 'QUERY_MKEY', opcode: 0x201 },
  { name: 'DESTROY_MKEY', opcode: 0x202, destroy: true },
  { name: 'CREATE_EQ', opcode: 0x301 },
  { name: 'DESTROY_EQ', opcode: 0x302, destroy: true },
  { name: 'QUERY_EQ', opcode: 0x303 },
  { name: 'CREATE_CQ', opcode: 0x400 },
  { name: 'DESTROY_CQ', opcode: 0x401, destroy: true },
  { name: 'QUERY_CQ', opcode: 0x402 },
  { name: 'CREATE_QP', opcode: 0x500 },
  { name: 'DESTROY_QP', opcode: 0x501, destroy: true },
  { name: 'RST2INIT_QP', opcode: 0x502 },
  { name: 'INIT2RTR_QP', opcode: 0x503 },
  { name: 'RTR2RTS_QP', opcode: 0x504 },
  { name: 'RTS2RTS_QP', opcode: 0x505 },
  { name: '2ERR_QP', opcode: 0x507 },
  { name: '2RST_QP', opcode: 0x50a },
  { name: 'QUERY_QP', opcode: 0x50b },
  { name: 'INIT2INIT_QP', opcode: 0x50e },
  { name: 'QUERY_ESW_FUNCTIONS', opcode: 0x740 },
  { name: 'QUERY_VPORT_STATE', opcode: 0x750 },
  { name: 'MODIFY_VPORT_STATE', opcode: 0x751 },
  { name: 'QUERY_NIC_VPORT_CONTEXT', opcode: 0x754 },
  { name: 'MODIFY_NIC_VPORT_CONTEXT', opcode: 0x755 },
  { name: 'QUERY_HCA_VPORT_CONTEXT', opcode: 0x762 },
  { name: 'QUERY_VPORT_COUNTER', opcode: 0x770 },
  { name: 'ALLOC_PD', opcode: 0x800 },
  { name: 'DEALLOC_PD', opcode: 0x801, destroy: true },
  { name: 'ACCESS_REG', opcode: 0x805 },
  { name: 'NOP', opcode: 0x80d },
  { name: 'QUERY_DIAGNOSTIC_PARAMS', opcode: 0x819 },
  { name: 'SET_DIAGNOSTIC_PARAMS', opcode: 0x820 },
  { name: 'QUERY_DIAGNOSTIC_COUNTERS', opcode: 0x821 },
  { name: 'CREATE_TIR', opcode: 0x900 },
  { name: 'DESTROY_TIR', opcode: 0x902, destroy: true },
  { name: 'CREATE_SQ', opcode: 0x904 },
  { name: 'MODIFY_SQ', opcode: 0x905 },
  { name: 'DESTROY_SQ', opcode: 0x906, destroy: true },
  { name: 'QUERY_SQ', opcode: 0x907 },
  { name: 'CREATE_RQ', opcode: 0x908 },
  { name: 'MODIFY_RQ', opcode: 0x909 },
  { name: 'DESTROY_RQ', opcode: 0x90a, destroy: true },
  { name: 'QUERY_RQ', opcode: 0x90b },
  { name: 'CREATE_TIS', opcode: 0x912 },
  { name: 'DESTROY_TIS', opcode: 0x914, destroy: true },
  { name: 'CREATE_GENERAL_OBJECT', opcode: 0xa00 },
  { name: 'MODIFY_GENERAL_OBJECT', opcode: 0xa01 },
  { name: 'QUERY_GENERAL_OBJECT', opcode: 0xa02 },
  { name: 'DESTROY_GENERAL_OBJECT', opcode: 0xa03, destroy: true },
  { name: 'CREATE_UCTX', opcode: 0xa04 },
  { name: 'QUERY_UCTX', opcode: 0xa05 },
  { name: 'DESTROY_UCTX', opcode: 0xa06, destroy: true },
  { name: 'CREATE_UMEM', opcode: 0xa08 },
  { name: 'QUERY_UMEM', opcode: 0xa09 },
  { name: 'DESTROY_UMEM', opcode: 0xa0a, destroy: true },
] as const satisfies readonly OpcodeInfo[];

/** OpcodeName: the name of a known opcode. */
export type OpcodeName = (typeof table)[number]['name'];

/** Op: opcode numbers by name, e.g. `Op.QUERY_HCA_CAP === 0x100`. */
export const Op = Object.fromEntries(table.map((o) => [o.name, o.opcode])) as {
  readonly [K in OpcodeName]: number;
};

const byNumber = new Map<number, OpcodeInfo>(table.map((o) => [o.opcode, o]));

/** OPCODES: every known opcode, in table order. */
export const OPCODES: readonly OpcodeInfo[] = table;

/** opcodeInfo: the table entry of `opcode`, or undefined for an unknown one. */
export function opcodeInfo(opcode: number): OpcodeInfo | undefined {
  return byNumber.get(opcode);
}

/** opcodeName: `NAME` for a known opcode, else `UNKNOWN_0x...`. */
export function opcodeName(opcode: number): string {
  return byNumber.get(opcode)?.name ?? `UNKNOWN_0x${opcode.toString(16)}`;
}

/**
 * HcaCaps: the capabilities the simulated device reports through
 * QUERY_HCA_CAP and lets the driver lower through SET_HCA_CAP.
 *
 * General capabilities (cap_type 0) have two sets, as in the PRM: *max*
 * (what the hardware can do) and *current* (what this function is set up
 * for). They start equal except `log_max_qp` (current one below max, as a
 * driver profile then raises it). SET_HCA_CAP may change the fields in
 * `SETTABLE_GENERAL_CAPS` to any value up to max (feature bits and
 * `uctx_cap` only to a subset of max); every other field of the block the
 * driver sends is read-only and ignored, as firmware does. Function reset and
 * DISABLE_HCA restore the initial current values. The debug (0xd) and RoCE
 * (4, only when RoCE is on) capabilities are fixed, and so is the second
 * general block (GENERAL_2 0x20: the migration bits; `migratable` is the
 * function's own, from the options).
 *
 * Owns: capability values and their validation. Never: the command
 * envelope (see commands/caps.ts).
 */
import {
  AuxError,
  CapType,
  CmdHcaCap,
  CmdHcaCap2,
  CmdStatus,
  DebugCap,
  DiagnosticCntrLayout,
  GeneralObjTypesCap,
  RoceCap,
  Syndrome,
  UCTX_CAP_ALL,
} from '@auxctl/prm';
import { FwError } from './fw-error.js';
import { buildQosCap } from './qos-cap.js';
import type { FwObjectType } from './register-host.js';
import { encodeVirtioEmulationCap, type VirtioEmulationValues } from './virtio-emulation-cap.js';

/** GENERAL_CAP_DEFAULTS: max values of the general capabilities (a ConnectX-6 Dx-like PF). */
const GENERAL_CAP_DEFAULTS = {
  vhca_id: 0,
  log_max_srq_sz: 15,
  log_max_qp_sz: 15,
  log_max_qp: 18,
  log_max_srq: 23,
  log_max_cq_sz: 22,
  log_max_cq: 24,
  log_max_eq_sz: 22,
  log_max_mkey: 24,
  fast_teardown: 0,
  log_max_eq: 7,
  force_teardown: 1,
  debug: 1,
  pkey_table_size: 0,
  port_type: 1,
  num_ports: 1,
  log_max_msg: 30,
  eth_net_offloads: 1,
  roce: 1,
  xrc: 0,
  ud: 1,
  uc: 1,
  rc: 1,
  umem_uid_0: 1,
  log_pg_sz: 12,
  num_of_diagnostic_counters: 0,
  max_wqe_sz_sq: 1024,
  log_max_pd: 23,
  log_max_rq: 23,
  log_max_sq: 23,
  log_max_tir: 16,
  log_max_tis: 16,
  log_max_uctx: 10,
  log_max_umem: 20,
  max_num_eqs: 1024,
  device_frequency_mhz: 156,
  device_frequency_khz: 156_250,
  uctx_cap: UCTX_CAP_ALL,
  // Sub-functions (see sub-functions.ts): Firmware always sets these
  // from its `maxSfs` option (sfCaps in firmware.ts); 0 = none.
  sf: 0,
  max_num_sf: 0,
  log_max_sf: 0,
  sf_base_id: 0,
  // Live migration of VFs (see commands/vhca-migration.ts): a PF hosting
  // VFs manages their resources and migrates them (Firmware sets both).
  vhca_resource_manager: 0,
  migration: 0,
  adv_virtualization: 0,
  hca_cap_2: 1,
};

/**
 * GENERAL_2_DEFAULTS: `cmd_hca_cap_2` values (cap_type GENERAL_2). The
 * migration protocol bits are the device's (every function reports them);
 * `migratable` is the function's own: a VF's follows its port function.
 */
const GENERAL_2_DEFAULTS = {
  migratable: 0,
  migration_multi_load: 1,
  migration_tracking_state: 1,
  migration_in_chunks: 1,
};

/** General2CapField: a `cmd_hca_cap_2` capability the device gives a value. */
export type General2CapField = keyof typeof GENERAL_2_DEFAULTS;

/** GeneralCapField: a general capability the device gives a value. */
export type GeneralCapField = keyof typeof GENERAL_CAP_DEFAULTS;

/** GENERAL_CAP_FIELDS: every general capability the device gives a value. */
export const GENERAL_CAP_FIELDS = Object.keys(GENERAL_CAP_DEFAULTS) as GeneralCapField[];

/** SETTABLE_GENERAL_CAPS: fields SET_HCA_CAP applies; bit-mask fields may only shrink to a subset. */
export const SETTABLE_GENERAL_CAPS: readonly GeneralCapField[] = [
  'log_max_qp',
  'log_max_cq',
  'log_max_eq',
  'log_max_mkey',
  'log_max_pd',
  'log_max_rq',
  'log_max_sq',
  'log_max_uctx',
  'log_max_umem',
  'log_max_msg',
  'roce',
  'uctx_cap',
];
const MASK_FIELDS = new Set<GeneralCapField>(['uctx_cap']);

/** LIMIT_FIELD: the capability bounding the number of live objects of each type (virtio: see `limit`). */
const LIMIT_FIELD: Partial<Record<FwObjectType, GeneralCapField>> = {
  UCTX: 'log_max_uctx',
  UMEM: 'log_max_umem',
  PD: 'log_max_pd',
  MKEY: 'log_max_mkey',
  EQ: 'log_max_eq',
  CQ: 'log_max_cq',
  SQ: 'log_max_sq',
  RQ: 'log_max_rq',
  QP: 'log_max_qp',
  TIR: 'log_max_tir',
  TIS: 'log_max_tis',
};

/** HcaCapsOptions: what the device's options decide about its capabilities. */
export interface HcaCapsOptions {
  readonly portType: 'eth' | 'ib';
  readonly roce: boolean;
  readonly uctxCap: number;
  readonly ports: number;
  /** Values for any general capability, applied to max and current alike. */
  readonly overrides?: Partial<Record<GeneralCapField, number>>;
  /** `cmd_hca_cap_2` values over GENERAL_2_DEFAULTS (fixed: SET_HCA_CAP does not change them). */
  readonly general2?: Partial<Record<General2CapField, number>>;
  /** Virtio emulation (cap_type 0x13, general object VIRTIO_NET_Q); undefined = not offered. */
  readonly virtio?: VirtioEmulationValues;
  /** The diagnostic counters the debug capability lists, and its sampling limits. */
  readonly diag: {
    readonly counterIds: readonly number[];
    readonly logMaxSamples: number;
    readonly logMinSamplePeriod: number;
  };
}

type CapValues = Record<GeneralCapField, number>;

/** HcaCaps: see the module header. */
export class HcaCaps {
  private readonly max: Readonly<CapValues>;
  private readonly initial: Readonly<CapValues>;
  private cur: CapValues;
  private readonly debug: Buffer;
  private readonly roceCap: Buffer | undefined;
  private readonly virtioCap: Buffer | undefined;
  private readonly general2: Readonly<Record<General2CapField, number>>;
  /** virtio: the virtio emulation values, when the device offers it. */
  readonly virtio: VirtioEmulationValues | undefined;

  /** Throws AuxError(EINVAL) when an option or override does not fit its field. */
  constructor(opts: HcaCapsOptions) {
    const eth = opts.portType === 'eth';
    const max: CapValues = {
      ...GENERAL_CAP_DEFAULTS,
      port_type: eth ? 1 : 0,
      eth_net_offloads: eth ? 1 : 0,
      roce: eth && opts.roce ? 1 : 0,
      num_ports: opts.ports,
      uctx_cap: opts.uctxCap >>> 0,
      num_of_diagnostic_counters: opts.diag.counterIds.length,
    };
    for (const [f, v] of Object.entries(opts.overrides ?? {})) {
      if (!(f in GENERAL_CAP_DEFAULTS)) {
        throw new AuxError(
          'EINVAL',
          `unknown capability ${f}; use one of ${GENERAL_CAP_FIELDS.join(', ')}`,
        );
      }
      max[f as GeneralCapField] = v;
    }
    for (const f of GENERAL_CAP_FIELDS) encodeOne(f, max[f]);
    this.max = max;
    const overridden = opts.overrides ?? {};
    this.initial = {
      ...max,
      log_max_qp: overridden.log_max_qp ?? Math.max(0, max.log_max_qp - 1),
    };
    this.cur = { ...this.initial };
    this.general2 = { ...GENERAL_2_DEFAULTS, ...opts.general2 };
    this.debug = buildDebugCap(opts.diag);
    this.roceCap = max.roce ? buildRoceCap() : undefined;
    this.virtio = eth ? opts.virtio : undefined;
    this.virtioCap = this.virtio && encodeVirtioEmulationCap(this.virtio);
  }

  /** get: a general capability, current (default) or max. */
  get(field: GeneralCapField, which: 'cur' | 'max' = 'cur'): number {
    return which === 'cur' ? this.cur[field] : this.max[field];
  }

  /** get2: a `cmd_hca_cap_2` capability (max and current are the same). */
  get2(field: General2CapField): number {
    return this.general2[field];
  }

  /** limit: how many live objects of `type` the current capabilities allow. */
  limit(type: FwObjectType): number {
    const field = LIMIT_FIELD[type];
    if (field) return 2 ** this.cur[field];
    // VIRTIO_NET_Q and its counter sets: max_num_virtio_queues each.
    return this.virtio?.maxQueues ?? 0;
  }

  /** hasCapType: whether the device reports capability type `capType`. */
  hasCapType(capType: number): boolean {
    return (
      capType === CapType.GENERAL ||
      capType === CapType.GENERAL_2 ||
      capType === CapType.DEBUG ||
      capType === CapType.QOS ||
      (capType === CapType.ROCE && this.roceCap !== undefined) ||
      (capType === CapType.VDPA_EMULATION && this.virtioCap !== undefined)
    );
  }

  /** query: the capability structure of `capType` (undefined when not reported). */
  query(capType: number, current: boolean): Buffer | undefined {
    if (capType === CapType.GENERAL) {
      const b = encodeGeneral(current ? this.cur : this.max);
      if (this.virtio) CmdHcaCap.set64(b, 'general_obj_types', GeneralObjTypesCap.VIRTIO_NET_Q);
      return b;
    }
    if (capType === CapType.GENERAL_2) return CmdHcaCap2.encode(this.general2);
    if (capType === CapType.VDPA_EMULATION && this.virtioCap) return Buffer.from(this.virtioCap);
    if (capType === CapType.DEBUG) return Buffer.from(this.debug);
    if (capType === CapType.QOS) return buildQosCap();
    if (capType === CapType.ROCE && this.roceCap) return Buffer.from(this.roceCap);
    return undefined;
  }

  /**
   * setGeneral: apply the settable fields of a `cmd_hca_cap` block. Throws
   * BAD_PARAM / BAD_FIELD, applying nothing, when one exceeds max.
   */
  setGeneral(block: Buffer): void {
    const next = { ...this.cur };
    for (const f of SETTABLE_GENERAL_CAPS) {
      const v = CmdHcaCap.get(block, f);
      const max = this.max[f];
      const ok = MASK_FIELDS.has(f) ? (v & ~max) >>> 0 === 0 : v <= max;
      if (!ok) {
        throw new FwError(
          CmdStatus.BAD_PARAM,
          Syndrome.BAD_FIELD,
          `${f} 0x${v.toString(16)} exceeds the maximum 0x${max.toString(16)}`,
        );
      }
      next[f] = v;
    }
    this.cur = next;
  }

  /** currentValues: every current general capability (a state image carries them). */
  currentValues(): Record<GeneralCapField, number> {
    return { ...this.cur };
  }

  /**
   * restoreCurrent: current values from a state image; fields not given
   * keep theirs. Throws BAD_PARAM / BAD_FIELD, applying nothing, for an
   * unknown field or a settable one above max (as SET_HCA_CAP would).
   */
  restoreCurrent(values: Readonly<Record<string, number>>): void {
    const next = { ...this.cur };
    for (const [f, v] of Object.entries(values)) {
      const field = f as GeneralCapField;
      const ok =
        f in GENERAL_CAP_DEFAULTS &&
        Number.isInteger(v) &&
        v >= 0 &&
        (!SETTABLE_GENERAL_CAPS.includes(field) || v <= this.max[field]) &&
        (SETTABLE_GENERAL_CAPS.includes(field) || v === this.cur[field]);
      if (!ok) {
        throw new FwError(
          CmdStatus.BAD_PARAM,
          Syndrome.BAD_FIELD,
          `capability ${f}=${v} cannot be restored`,
        );
      }
      next[field] = v;
    }
    this.cur = next;
  }

  /** reset: current values back to what the device started with. */
  reset(): void {
    this.cur = { ...this.initial };
  }
}

function encodeOne(field: GeneralCapField, value: number): void {
  try {
    CmdHcaCap.set(CmdHcaCap.alloc(), field, value);
  } catch {
    throw new AuxError('EINVAL', `capability ${field}=${value} does not fit its field`);
  }
}

function encodeGeneral(values: Readonly<CapValues>): Buffer {
  const b = CmdHcaCap.alloc();
  for (const f of GENERAL_CAP_FIELDS) CmdHcaCap.set(b, f, values[f]);
  return b;
}

function buildDebugCap(diag: HcaCapsOptions['diag']): Buffer {
  const b = Buffer.alloc(DebugCap.bytes + diag.counterIds.length * DiagnosticCntrLayout.bytes);
  DebugCap.write(b, {
    core_dump_general: 1,
    core_dump_qp: 1,
    resource_dump: 1,
    log_max_samples: diag.logMaxSamples,
    single: 1,
    repetitive: 1,
    log_min_sample_period: diag.logMinSamplePeriod,
  });
  diag.counterIds.forEach((id, i) => {
    const at = DebugCap.bytes + i * DiagnosticCntrLayout.bytes;
    DiagnosticCntrLayout.write(b, { sync: 1, counter_id: id }, at);
  });
  return b;
}

/** RoCE v1 and v2 (version bits 0 and 2), IPv4 and IPv6 (l3 bits 1 and 2), UDP port 4791. */
function buildRoceCap(): Buffer {
  return RoceCap.encode({
    l3_type: 0x6,
    roce_version: 0x5,
    r_roce_dest_udp_port: 4791,
    r_roce_max_src_udp_port: 0xffff,
    r_roce_min_src_udp_port: 0xc000,
    roce_address_table_size: 256,
  });
}

/**
 * HCA capabilities: QUERY_HCA_CAP (0x100) / SET_HCA_CAP (0x109) and the
 * capability structures the simulated device reports.
 *
 * Every structure keeps the bit offsets of `mlx5_ifc.h` for the fields it
 * names; the fields the device does not model are folded into
 * `reserved_at_<hex>` gaps, which the layout helper checks against their
 * offsets. `num_of_diagnostic_counters` (0x280) and the sampling fields of the
 * debug capability are the PRM fields the upstream header leaves reserved.
 *
 * Owns: layouts and cap-type numbers only. Never: capability values (the
 * simulator's are in @auxctl/sim `hca-caps.ts`).
 */
import { defineLayout } from '../layout/layout.js';

/** CapType: the `cap_type` half of the QUERY_HCA_CAP op_mod (mlx5 `enum mlx5_cap_type`). */
export const CapType = {
  GENERAL: 0x0,
  ROCE: 0x4,
  QOS: 0xc,
  DEBUG: 0xd,
  VDPA_EMULATION: 0x13,
  GENERAL_2: 0x20,
  ADV_VIRTUALIZATION: 0x26,
} as const;

/** CapMode: the low bit of the QUERY_HCA_CAP op_mod. */
export const CapMode = { MAX: 0, CUR: 1 } as const;

/** hcaCapOpMod: the op_mod of QUERY_HCA_CAP for `capType` (current or maximum values). */
export function hcaCapOpMod(capType: number, current: boolean): number {
  return (capType << 1) | (current ? CapMode.CUR : CapMode.MAX);
}

/** HCA_CAP_UNION_BYTES: size of `hca_cap_union` (0x8000 bits), the payload of both commands. */
export const HCA_CAP_UNION_BYTES = 0x8000 / 8;

/** CmdHcaCap: `cmd_hca_cap` (general device capabilities, cap_type 0), 256 bytes. */
export const CmdHcaCap = defineLayout('cmd_hca_cap', {
  reserved_at_0: 31,
  vhca_resource_manager: 1,
  hca_cap_2: 1,
  reserved_at_21: 15,
  vhca_id: 16,
  reserved_at_40: 64,
  log_max_srq_sz: 8,
  log_max_qp_sz: 8,
  reserved_at_90: 11,
  log_max_qp: 5,
  reserved_at_a0: 11,
  log_max_srq: 5,
  reserved_at_b0: 16,
  reserved_at_c0: 8,
  log_max_cq_sz: 8,
  reserved_at_d0: 11,
  log_max_cq: 5,
  log_max_eq_sz: 8,
  reserved_at_e8: 2,
  log_max_mkey: 6,
  reserved_at_f0: 11,
  fast_teardown: 1,
  log_max_eq: 4,
  reserved_at_100: 16,
  force_teardown: 1,
  reserved_at_111: 15,
  reserved_at_120: 0x60,
  reserved_at_180: 3,
  debug: 1,
  reserved_at_184: 12,
  pkey_table_size: 16,
  reserved_at_1a0: 22,
  port_type: 2,
  num_ports: 8,
  reserved_at_1c0: 3,
  log_max_msg: 5,
  reserved_at_1c8: 24,
  reserved_at_1e0: 32,
  reserved_at_200: 28,
  eth_net_offloads: 1,
  roce: 1,
  reserved_at_21e: 2,
  reserved_at_220: 28,
  xrc: 1,
  ud: 1,
  uc: 1,
  rc: 1,
  reserved_at_240: 18,
  umem_uid_0: 1,
  reserved_at_253: 5,
  log_pg_sz: 8,
  reserved_at_260: 32,
  num_of_diagnostic_counters: 16,
  max_wqe_sz_sq: 16,
  reserved_at_2a0: 0x80,
  reserved_at_320: 11,
  log_max_pd: 5,
  reserved_at_330: 16,
  reserved_at_340: 32,
  reserved_at_360: 3,
  log_max_rq: 5,
  reserved_at_368: 3,
  log_max_sq: 5,
  reserved_at_370: 3,
  log_max_tir: 5,
  reserved_at_378: 3,
  log_max_tis: 5,
  reserved_at_380: 0x80,
  general_obj_types: 64,
  reserved_at_440: 32,
  reserved_at_460: 3,
  log_max_uctx: 5,
  reserved_at_468: 3,
  log_max_umem: 5,
  max_num_eqs: 16,
  reserved_at_480: 32,
  reserved_at_4a0: 32,
  device_frequency_mhz: 32,
  device_frequency_khz: 32,
  reserved_at_500: 0x60,
  reserved_at_560: 16,
  reserved_at_570: 9,
  adv_virtualization: 1,
  reserved_at_57a: 6,
  reserved_at_580: 0xc0,
  max_num_sf: 16,
  reserved_at_650: 16,
  reserved_at_660: 32,
  sf: 1,
  reserved_at_681: 2,
  log_max_sf: 5,
  reserved_at_688: 5,
  migration: 1,
  reserved_at_68e: 18,
  uctx_cap: 32,
  reserved_at_6c0: 0x30,
  sf_base_id: 16,
  reserved_at_700: 0x100,
});

/**
 * DebugCap: the debug capability (cap_type 0xd) as the PRM has it: dump
 * support bits and the diagnostic-counter sampling limits. The device's
 * `diagnostic_counter[]` list (`DiagnosticCntrLayout` entries, one per
 * counter in `num_of_diagnostic_counters`) follows at `DebugCap.bytes`.
 */
export const DebugCap = defineLayout('debug_cap', {
  core_dump_general: 1,
  core_dump_qp: 1,
  reserved_at_2: 7,
  resource_dump: 1,
  reserved_at_a: 14,
  log_max_samples: 8,
  single: 1,
  repetitive: 1,
  stall_detect: 1,
  reserved_at_23: 21,
  log_min_sample_period: 8,
  reserved_at_40: 0x1c0,
});

/** RoceCap: `roce_cap` (cap_type 4), reported when the device has RoCE. */
export const RoceCap = defineLayout('roce_cap', {
  reserved_at_0: 32,
  reserved_at_20: 0x60,
  reserved_at_80: 12,
  l3_type: 4,
  reserved_at_90: 8,
  roce_version: 8,
  reserved_at_a0: 16,
  r_roce_dest_udp_port: 16,
  r_roce_max_src_udp_port: 16,
  r_roce_min_src_udp_port: 16,
  reserved_at_e0: 16,
  roce_address_table_size: 16,
  reserved_at_100: 0x700,
});

/**
 * QosCap: `qos_cap` (cap_type 0xc), packet pacing and scheduling limits.
 * Field order and widths as mlx5ctl's public sample decodes them
 * (`cap --id=QOS | parseadb qos_caps`); a test decodes the sample's bytes.
 */
export const QosCap = defineLayout('qos_cap', {
  packet_pacing: 1,
  esw_scheduling: 1,
  esw_bw_share: 1,
  esw_rate_limit: 1,
  hll: 1,
  packet_pacing_burst_bound: 1,
  packet_pacing_typical_size: 1,
  flow_meter_old: 1,
  nic_sq_scheduling: 1,
  nic_bw_share: 1,
  nic_rate_limit: 1,
  packet_pacing_uid: 1,
  log_esw_max_sched_depth: 4,
  log_max_flow_meter: 8,
  flow_meter_reg_id: 8,
  wqe_rate_pp: 1,
  nic_qp_scheduling: 1,
  reserved_at_22: 2,
  log_nic_max_sched_depth: 4,
  flow_meter: 1,
  reserved_at_29: 1,
  qos_remap_pp: 1,
  log_max_qos_nic_queue_group: 5,
  reserved_at_30: 8,
  max_flow_meter_bs_exponent: 8,
  packet_pacing_max_rate: 32,
  packet_pacing_min_rate: 32,
  reserved_at_80: 11,
  log_esw_max_rate_limit: 5,
  packet_pacing_rate_table_size: 16,
  esw_element_type: 16,
  esw_tsar_type: 16,
  reserved_at_c0: 16,
  max_qos_para_vport_old: 16,
  max_tsar_bw_share: 32,
  nic_element_type: 16,
  nic_tsar_type: 16,
  reserved_at_120: 3,
  log_meter_aso_granularity: 5,
  reserved_at_128: 3,
  log_meter_aso_max_alloc: 5,
  reserved_at_130: 3,
  log_max_num_meter_aso: 5,
  reserved_at_138: 8,
  reserved_at_140: 3,
  log_max_qos_nic_scheduling_element: 5,
  reserved_at_148: 3,
  log_max_qos_esw_scheduling_element: 5,
  max_qos_para_vport: 16,
  reserved_at_160: 0x6a0,
});

/** QueryHcaCapIn: `query_hca_cap_in`. */
export const QueryHcaCapIn = defineLayout('query_hca_cap_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  other_function: 1,
  ec_vf_function: 1,
  reserved_at_42: 14,
  function_id: 16,
  reserved_at_60: 32,
});

/** QueryHcaCapOut: `query_hca_cap_out` (header + the 4 KiB capability union). */
export const QueryHcaCapOut = defineLayout('query_hca_cap_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  capability: { bytes: HCA_CAP_UNION_BYTES },
});

/** SetHcaCapIn: `set_hca_cap_in`. */
export const SetHcaCapIn = defineLayout('set_hca_cap_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  other_function: 1,
  ec_vf_function: 1,
  reserved_at_42: 14,
  function_id: 16,
  reserved_at_60: 32,
  capability: { bytes: HCA_CAP_UNION_BYTES },
});

/** SetHcaCapOut: `set_hca_cap_out`. */
export const SetHcaCapOut = defineLayout('set_hca_cap_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
});

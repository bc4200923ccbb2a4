/**
 * Commands through which a function sees *other* functions it hosts (its
 * sub-functions): QUERY_OTHER_HCA_CAP (0x10e), QUERY_ESW_FUNCTIONS (0x740)
 * and QUERY_HCA_VPORT_CONTEXT (0x762), with `mlx5_ifc.h` names and offsets.
 *
 * Simulator extensions, each placed where upstream leaves bits reserved
 * or past the end upstream defines:
 * - `other_hca_cap`: upstream names only `roce` (bit 0); the simulator
 *   reports the other function's `vhca_id`, main `log_max_*` limits, uctx
 *   limit and `uctx_cap` in the reserved bits after it.
 * - `query_esw_functions_out`: the `host_sf_enable` bitmap (one bit per SF
 *   index, 64-bit big-endian words, bit i%64 counted from the word's least
 *   significant bit) is followed by one `EswSfEntry` per SF index with the
 *   function's id, sfnum and state.
 *
 * Owns: layouts only.
 */
import { defineLayout } from '../layout/layout.js';

/** QueryOtherHcaCapIn: `query_other_hca_cap_in`. */
export const QueryOtherHcaCapIn = defineLayout('query_other_hca_cap_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 16,
  function_id: 16,
  reserved_at_60: 32,
});

/** OtherHcaCap: `other_hca_cap` (0x280 bits) with the simulator's fields (module header). */
export const OtherHcaCap = defineLayout('other_hca_cap', {
  roce: 1,
  reserved_at_1: 15,
  vhca_id: 16,
  reserved_at_20: 3,
  log_max_qp: 5,
  reserved_at_28: 3,
  log_max_cq: 5,
  reserved_at_30: 2,
  log_max_mkey: 6,
  reserved_at_38: 3,
  log_max_pd: 5,
  reserved_at_40: 3,
  log_max_uctx: 5,
  reserved_at_48: 8,
  max_uctx: 16,
  uctx_cap: 32,
  reserved_at_80: 0x200,
});

/** QueryOtherHcaCapOut: `query_other_hca_cap_out`. */
export const QueryOtherHcaCapOut = defineLayout('query_other_hca_cap_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  other_capability: { bytes: OtherHcaCap.bytes },
});

/** QueryEswFunctionsIn: `query_esw_functions_in`. */
export const QueryEswFunctionsIn = defineLayout('query_esw_functions_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
});

/**
 * QueryEswFunctionsOut: `query_esw_functions_out` with `host_params_context`
 * flattened in place; the SF bitmap and entries follow at `.bytes`.
 */
export const QueryEswFunctionsOut = defineLayout('query_esw_functions_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  host_number: 8,
  reserved_at_88: 7,
  host_pf_disabled: 1,
  host_num_of_vfs: 16,
  host_total_vfs: 16,
  host_pci_bus: 16,
  reserved_at_c0: 16,
  host_pci_device: 16,
  reserved_at_e0: 16,
  host_pci_function: 16,
  reserved_at_100: 0x180,
  reserved_at_280: 0x180,
});

/** EswSfState: `state` of an EswSfEntry. */
export const EswSfState = { ALLOCATED: 1, ENABLED: 2 } as const;

/** EswSfEntry: one SF index as QUERY_ESW_FUNCTIONS lists it (simulator extension). */
export const EswSfEntry = defineLayout('esw_sf_entry', {
  state: 4,
  reserved_at_4: 12,
  function_id: 16,
  sfnum: 32,
});

/** eswFunctionsOutBytes: the outbox QUERY_ESW_FUNCTIONS needs for `maxSfs` SF indexes. */
export function eswFunctionsOutBytes(maxSfs: number): number {
  return QueryEswFunctionsOut.bytes + Math.ceil(maxSfs / 64) * 8 + maxSfs * EswSfEntry.bytes;
}

/** QueryHcaVportContextIn: `query_hca_vport_context_in`. */
export const QueryHcaVportContextIn = defineLayout('query_hca_vport_context_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  other_vport: 1,
  reserved_at_41: 11,
  port_num: 4,
  vport_number: 16,
  reserved_at_60: 32,
});

/** HcaVportContext: `hca_vport_context` up to `node_guid`; the rest is not modelled. */
export const HcaVportContext = defineLayout('hca_vport_context', {
  field_select: 32,
  reserved_at_20: 0xe0,
  sm_virt_aware: 1,
  has_smi: 1,
  has_raw: 1,
  grh_required: 1,
  reserved_at_104: 12,
  port_physical_state: 4,
  vport_state_policy: 4,
  port_state: 4,
  vport_state: 4,
  reserved_at_120: 32,
  system_image_guid: 64,
  port_guid: 64,
  node_guid: 64,
  reserved_at_200: 0x600,
});

/** QueryHcaVportContextOut: `query_hca_vport_context_out`. */
export const QueryHcaVportContextOut = defineLayout('query_hca_vport_context_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  hca_vport_context: { bytes: HcaVportContext.bytes },
});

/** macToEui64: the EUI-64 port GUID of a MAC (ff:fe inserted, U/L bit flipped). */
export function macToEui64(mac: Buffer): bigint {
  const g = Buffer.from([mac[0]! ^ 0x02, mac[1]!, mac[2]!, 0xff, 0xfe, mac[3]!, mac[4]!, mac[5]!]);
  return g.readBigUInt64BE(0);
}

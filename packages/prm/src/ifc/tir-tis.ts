/**
 * Transport objects of the Ethernet data path: TIS (transport interface
 * send, CREATE_TIS 0x912 / DESTROY_TIS 0x914) and TIR (transport interface
 * receive, CREATE_TIR 0x900 / DESTROY_TIR 0x902), mlx5_ifc.h names and
 * offsets. An SQ names the TIS it sends through; a TIR names where received
 * traffic is dispatched (a direct TIR: one RQ, `inline_rqn`).
 *
 * Owns: layouts only.
 */
import { defineLayout } from '../layout/layout.js';

/** Tisc: `tisc_bits`. */
export const Tisc = defineLayout('tisc', {
  strict_lag_tx_port_affinity: 1,
  tls_en: 1,
  reserved_at_2: 2,
  lag_tx_port_affinity: 4,
  reserved_at_8: 4,
  prio: 4,
  reserved_at_10: 16,
  reserved_at_20: 0x100,
  reserved_at_120: 8,
  transport_domain: 24,
  reserved_at_140: 8,
  underlay_qpn: 24,
  reserved_at_160: 8,
  pd: 24,
  reserved_at_180: 0x380,
});

/** TirDispType: `disp_type` (MLX5_TIRC_DISP_TYPE_*); the device dispatches DIRECT only. */
export const TirDispType = { DIRECT: 0x0, INDIRECT: 0x1 } as const;

/** Tirc: `tirc_bits`; the toeplitz key and hash selectors are kept opaque. */
export const Tirc = defineLayout('tirc', {
  reserved_at_0: 32,
  disp_type: 4,
  tls_en: 1,
  reserved_at_25: 0x1b,
  reserved_at_40: 64,
  reserved_at_80: 4,
  lro_timeout_period_usecs: 16,
  lro_enable_mask: 4,
  lro_max_ip_payload_size: 8,
  reserved_at_a0: 64,
  reserved_at_e0: 8,
  inline_rqn: 24,
  rx_hash_symmetric: 1,
  reserved_at_101: 1,
  tunneled_offload_en: 1,
  reserved_at_103: 5,
  indirect_table: 24,
  rx_hash_fn: 4,
  reserved_at_124: 2,
  self_lb_block: 2,
  transport_domain: 24,
  rx_hash_toeplitz_key: { bytes: 40 },
  rx_hash_field_selector_outer: 32,
  rx_hash_field_selector_inner: 32,
  reserved_at_2c0: 0x4c0,
});

const objIn = (name: string, ctx: typeof Tisc | typeof Tirc) =>
  defineLayout(name, {
    opcode: 16,
    uid: 16,
    reserved_at_20: 16,
    op_mod: 16,
    reserved_at_40: 0xc0,
    ctx: { struct: ctx },
  });

/** CreateTisIn / CreateTirIn: `create_tis_in` / `create_tir_in`. */
export const CreateTisIn = objIn('create_tis_in', Tisc);
export const CreateTirIn = objIn('create_tir_in', Tirc);

/** CreateTisOut: `create_tis_out`. */
export const CreateTisOut = defineLayout('create_tis_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 8,
  tisn: 24,
  reserved_at_60: 32,
});

/** CreateTirOut: `create_tir_out`. */
export const CreateTirOut = defineLayout('create_tir_out', {
  status: 8,
  icm_address_63_40: 24,
  syndrome: 32,
  icm_address_39_32: 8,
  tirn: 24,
  icm_address_31_0: 32,
});

/** DestroyTisIn: `destroy_tis_in`. */
export const DestroyTisIn = defineLayout('destroy_tis_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  tisn: 24,
  reserved_at_60: 32,
});

/** DestroyTirIn: `destroy_tir_in`. */
export const DestroyTirIn = defineLayout('destroy_tir_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  tirn: 24,
  reserved_at_60: 32,
});

/**
 * QUERY_ADAPTER (0x101) and NOP (0x80d), with `mlx5_ifc.h` names and offsets.
 *
 * `query_adapter_param_block` carries the board's identity: the IEEE vendor
 * id (OUI), the PCI vendor id, a vendor-specific text and the PSID, which
 * Linux reports as the board id.
 *
 * Owns: layouts only.
 */
import { defineLayout } from '../layout/layout.js';

/** MELLANOX_OUI: the IEEE vendor id in `ieee_vendor_id`. */
export const MELLANOX_OUI = 0x0002c9;

/** QueryAdapterParamBlock: `query_adapter_param_block`, 256 bytes. */
export const QueryAdapterParamBlock = defineLayout('query_adapter_param_block', {
  reserved_at_0: 0xc0,
  reserved_at_c0: 8,
  ieee_vendor_id: 24,
  reserved_at_e0: 16,
  vsd_vendor_id: 16,
  vsd: { bytes: 208 },
  vsd_contd_psid: { bytes: 16 },
});

/** QueryAdapterIn: `query_adapter_in`. */
export const QueryAdapterIn = defineLayout('query_adapter_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
});

/** QueryAdapterOut: `query_adapter_out`. */
export const QueryAdapterOut = defineLayout('query_adapter_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  query_adapter_struct: { bytes: QueryAdapterParamBlock.bytes },
});

/** NopIn: `nop_in`. */
export const NopIn = defineLayout('nop_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
});

/** NopOut: `nop_out`. */
export const NopOut = defineLayout('nop_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
});

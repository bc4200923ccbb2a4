/**
 * Interface step sequence id (ISSI): QUERY_ISSI (0x10a) and SET_ISSI (0x10b).
 *
 * The driver reads the supported ISSI bitmask and selects one; layouts keep
 * the `mlx5_ifc.h` names and offsets.
 *
 * Owns: layouts only.
 */
import { defineLayout } from '../layout/layout.js';

/** QueryIssiIn: `query_issi_in`. */
export const QueryIssiIn = defineLayout('query_issi_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
});

/** QueryIssiOut: `query_issi_out` (112 bytes); bit n of `supported_issi_dw0` = ISSI n. */
export const QueryIssiOut = defineLayout('query_issi_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 16,
  current_issi: 16,
  reserved_at_60: 0xa0,
  reserved_at_100: { bytes: 76 },
  supported_issi_dw0: 32,
});

/** SetIssiIn: `set_issi_in`. */
export const SetIssiIn = defineLayout('set_issi_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 16,
  current_issi: 16,
  reserved_at_60: 32,
});

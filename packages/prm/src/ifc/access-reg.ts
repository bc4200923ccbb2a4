/**
 * ACCESS_REG (opcode 0x805): read or write one device register.
 *
 * The inbox is `access_register_in` followed by the register's own bytes
 * (`register_data`, a PRM register layout from `ifc/registers/`); the
 * outbox is `access_register_out` followed by the register as firmware
 * left it. Both headers are 16 bytes, so register data always starts at
 * byte {@link REGISTER_DATA_OFFSET} of inbox and outbox. Linux builds the
 * command in `mlx5_core_access_reg()` with `op_mod = !write`.
 *
 * Sizes: the caller sends as many register bytes as the register's layout
 * declares (shorter -> BAD_INP_LEN) and asks for an outbox with room for the
 * register's reply (shorter -> BAD_OUTP_LEN). Registers that carry a
 * variable tail (MTRC_STDB string data, CORE_DUMP inline pieces) document
 * how the tail is sized.
 */
import { defineLayout } from '../layout/layout.js';

/** AccessRegisterIn: the fixed head of the ACCESS_REG inbox (mlx5_ifc `access_register_in`). */
export const AccessRegisterIn = defineLayout('access_register_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 16,
  register_id: 16,
  argument: 32,
});

/** AccessRegisterOut: the fixed head of the ACCESS_REG outbox (mlx5_ifc `access_register_out`). */
export const AccessRegisterOut = defineLayout('access_register_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
});

/** REGISTER_DATA_OFFSET: byte offset of `register_data` in both inbox and outbox. */
export const REGISTER_DATA_OFFSET = AccessRegisterIn.bytes;

/** AccessRegOpMod: `op_mod` of ACCESS_REG (MLX5_ACCESS_REGISTER_IN_OP_MOD_*). */
export const AccessRegOpMod = {
  WRITE: 0x0,
  READ: 0x1,
} as const;

/** RegisterId: ids of the registers the simulated firmware implements (MLX5_REG_*). */
export const RegisterId = {
  CORE_DUMP: 0x402e,
  PMTU: 0x5003,
  PAOS: 0x5006,
  PPCNT: 0x5008,
  NODE_DESC: 0x6001,
  MTRC_CAP: 0x9040,
  MTRC_CONF: 0x9041,
  MTRC_STDB: 0x9042,
  MTRC_CTRL: 0x9043,
  RESOURCE_DUMP: 0xc000,
  DTOR: 0xc00e,
} as const;

const registerNames = new Map<number, string>(Object.entries(RegisterId).map(([k, v]) => [v, k]));

/** registerName: `NAME` of a known register id, else `REG_0x....`. */
export function registerName(id: number): string {
  return registerNames.get(id) ?? `REG_0x${id.toString(16).padStart(4, '0')}`;
}

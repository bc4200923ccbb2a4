/**
 * User contexts: CREATE_UCTX (0xa04), QUERY_UCTX (0xa05), DESTROY_UCTX (0xa06).
 *
 * A uctx gives a user (a ctl context, an RDMA ucontext) its own uid; every
 * later command it sends carries that uid in the header, and the firmware
 * checks the uid's capability bits (`cap`) and object ownership. Create and
 * destroy follow `mlx5_ifc.h`; QUERY_UCTX has no upstream declaration and
 * mirrors DESTROY_UCTX's inbox (uid to query at 0x50) with the uctx context
 * in the outbox.
 *
 * Owns: layouts and the capability bits only.
 */
import { defineLayout } from '../layout/layout.js';

/** UctxCap: capability bits of a uctx (`uctx_cap` in HCA caps, `cap` in the uctx). */
export const UctxCap = {
  RAW_TX: 0x1,
  INTERNAL_DEVICE_RESOURCES: 0x2,
  TOOLS_RESOURCES: 0x4,
} as const;

/** UCTX_CAP_ALL: every capability bit the device knows. */
export const UCTX_CAP_ALL =
  UctxCap.RAW_TX | UctxCap.INTERNAL_DEVICE_RESOURCES | UctxCap.TOOLS_RESOURCES;

/** Uctx: `uctx_bits`, the context of a user context (48 bytes). */
export const Uctx = defineLayout('uctx', {
  cap: 32,
  reserved_at_20: 0x160,
});

/** CreateUctxIn: `create_uctx_in`. */
export const CreateUctxIn = defineLayout('create_uctx_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
  uctx: { bytes: Uctx.bytes },
});

/** CreateUctxOut: `create_uctx_out`; `uid` is the new context's uid. */
export const CreateUctxOut = defineLayout('create_uctx_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 16,
  uid: 16,
  reserved_at_60: 32,
});

/**
 * DestroyUctxIn: `destroy_uctx_in`. The header's uid half-word is reserved in
 * `mlx5_ifc.h` (only the kernel destroys uctxs); the uid to destroy is at 0x50.
 */
export const DestroyUctxIn = defineLayout('destroy_uctx_in', {
  opcode: 16,
  reserved_at_10: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 16,
  uid: 16,
  reserved_at_60: 32,
});

/** QueryUctxIn: the caller's uid in the header, the uid to query (`uctx_uid`) at 0x50. */
export const QueryUctxIn = defineLayout('query_uctx_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 16,
  uctx_uid: 16,
  reserved_at_60: 32,
});

/** QueryUctxOut: header, then the uctx context. */
export const QueryUctxOut = defineLayout('query_uctx_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  uctx: { bytes: Uctx.bytes },
});

/**
 * PrmField: the few PRM fields the CLI reads or writes itself — the
 * command header of an inbox and an outbox — as (name, bit offset, width)
 * rows, and a big-endian bit-field reader/writer for such rows.
 *
 * The client depends on @auxctl/proto only, so it cannot use the core's
 * layouts; these rows repeat the offsets of `mlx5_ifc.h` (struct
 * mlx5_ifc_query_hca_cap_in_bits / _out_bits head: opcode at 0x0,
 * uid 0x10, op_mod 0x30; status 0x0, syndrome 0x20). Offsets count bits
 * from the most significant bit of byte 0, as the PRM does. It must never
 * hold more than the CLI prints or sends; full decoding belongs to core.
 */

/** PrmField: one field; it must not cross a 32-bit boundary (no PRM scalar <= 32 bits does). */
export interface PrmField {
  readonly name: string;
  readonly bitOffset: number;
  readonly bits: number;
}

function place(field: PrmField): { byte: number; shift: number; mask: number } {
  const within = field.bitOffset % 32;
  if (field.bits < 1 || field.bits > 32 || within + field.bits > 32) {
    throw new RangeError(`${field.name}: ${field.bits} bits at 0x${field.bitOffset.toString(16)}`);
  }
  const mask = field.bits === 32 ? 0xffffffff : (1 << field.bits) - 1;
  return { byte: (field.bitOffset >>> 5) * 4, shift: 32 - within - field.bits, mask };
}

/** readField: the unsigned value of `field` in `buf`; throws RangeError when `buf` is too short. */
export function readField(buf: Buffer, field: PrmField): number {
  const { byte, shift, mask } = place(field);
  return ((buf.readUInt32BE(byte) >>> shift) & mask) >>> 0;
}

/** writeField: store `value` (masked to the width) into `field` of `buf`, other bits untouched. */
export function writeField(buf: Buffer, field: PrmField, value: number): void {
  const { byte, shift, mask } = place(field);
  const dword = buf.readUInt32BE(byte);
  const cleared = dword & ~(mask << shift);
  buf.writeUInt32BE((cleared | ((value & mask) << shift)) >>> 0, byte);
}

/** prmField: the row of one field (`bitOffset` from the MSB of byte 0, as the PRM counts). */
export function prmField(name: string, bitOffset: number, bits: number): PrmField {
  return { name, bitOffset, bits };
}

/** CMD_HDR_BYTES: inbox and outbox headers are 16 bytes. */
export const CMD_HDR_BYTES = 16;

/** CmdIn / CmdOut: the header fields of every inbox and outbox. */
export const CmdIn = {
  opcode: prmField('opcode', 0x0, 16),
  uid: prmField('uid', 0x10, 16),
  op_mod: prmField('op_mod', 0x30, 16),
} as const;
export const CmdOut = {
  status: prmField('status', 0x0, 8),
  syndrome: prmField('syndrome', 0x20, 32),
} as const;

/** Opcode: the opcodes the CLI builds itself (mlx5_ifc.h MLX5_CMD_OP_*). */
export const Opcode = {
  QUERY_HCA_CAP: 0x100,
  NOP: 0x80d,
  QUERY_DIAGNOSTIC_PARAMS: 0x819,
  SET_DIAGNOSTIC_PARAMS: 0x820,
  QUERY_DIAGNOSTIC_COUNTERS: 0x821,
} as const;

/** buildInbox: a zeroed inbox of `bytes` (>= 16) with opcode and op_mod set; the server stamps uid. */
export function buildInbox(opcode: number, opMod: number, bytes = CMD_HDR_BYTES): Buffer {
  const inbox = Buffer.alloc(Math.max(bytes, CMD_HDR_BYTES));
  writeField(inbox, CmdIn.opcode, opcode);
  writeField(inbox, CmdIn.op_mod, opMod);
  return inbox;
}

/** CMD_STATUS_NAMES: firmware command statuses (MLX5_CMD_STAT_* in device.h / cmd.c). */
const CMD_STATUS_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0, 'OK'],
  [0x1, 'INT_ERR'],
  [0x2, 'BAD_OP'],
  [0x3, 'BAD_PARAM'],
  [0x4, 'BAD_SYS_STATE'],
  [0x5, 'BAD_RES'],
  [0x6, 'RES_BUSY'],
  [0x7, 'NOT_READY'],
  [0x8, 'LIM'],
  [0x9, 'BAD_RES_STATE'],
  [0xa, 'IX'],
  [0xf, 'NO_RES'],
  [0x10, 'BAD_QP_STATE'],
  [0x30, 'BAD_PKT'],
  [0x40, 'BAD_SIZE_OUTS_CQES'],
  [0x50, 'BAD_INP_LEN'],
  [0x51, 'BAD_OUTP_LEN'],
  [0xfe, 'ABORTED'],
]);

/** OutboxStatus: the firmware's verdict from an outbox header. */
export interface OutboxStatus {
  status: number;
  statusName: string;
  syndrome: number;
}

/** outboxStatus: status (with its name, `UNKNOWN_0x..` when not in the table) and syndrome. */
export function outboxStatus(outbox: Buffer): OutboxStatus {
  const status = readField(outbox, CmdOut.status);
  return {
    status,
    statusName: CMD_STATUS_NAMES.get(status) ?? `UNKNOWN_0x${status.toString(16)}`,
    syndrome: readField(outbox, CmdOut.syndrome),
  };
}

/** hex16: `0x` and 4 hex digits (a 16-bit id or type). */
export function hex16(n: number): string {
  return `0x${n.toString(16).padStart(4, '0')}`;
}

/** hex32: `0x` and 8 hex digits. */
export function hex32(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}

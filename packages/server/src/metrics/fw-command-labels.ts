/**
 * FwCommandLabels: the bounded label values of the firmware command
 * metrics — the opcode name from the core's opcode table and how the
 * command ended.
 *
 * Owns the mapping from raw bytes and errors to label values. It must never
 * return a value outside a fixed set: opcodes missing from the table are
 * "other", unknown firmware statuses "UNKNOWN", unknown errors "EIO", so a
 * caller sending arbitrary inboxes cannot grow the metric's series.
 */
import {
  CMD_HDR_BYTES,
  CmdHdrIn,
  CmdHdrOut,
  isAuxError,
  opcodeInfo,
  statusName,
} from '@auxctl/prm';

/** OTHER_OPCODE: the opcode label of commands the table does not name (or no header at all). */
export const OTHER_OPCODE = 'other';

/** headerOf: `box` as a Buffer for the header layouts (itself when it is one: no view to make per RPC). */
function headerOf(box: Uint8Array): Buffer {
  return Buffer.isBuffer(box) ? box : Buffer.from(box.buffer, box.byteOffset, CMD_HDR_BYTES);
}

/** opcodeLabel: the table name of the inbox's opcode, else "other". */
export function opcodeLabel(inbox: Uint8Array): string {
  if (inbox.length < CMD_HDR_BYTES) return OTHER_OPCODE;
  return opcodeInfo(CmdHdrIn.get(headerOf(inbox), 'opcode'))?.name ?? OTHER_OPCODE;
}

/**
 * outboxStatusLabel: the firmware status name in an outbox header (OK,
 * BAD_PARAM, ...; "UNKNOWN" for values the table lacks or a short outbox).
 */
export function outboxStatusLabel(outbox: Uint8Array): string {
  if (outbox.length < CMD_HDR_BYTES) return 'UNKNOWN';
  return statusName(CmdHdrOut.get(headerOf(outbox), 'status'));
}

/**
 * errorStatusLabel: the errno an RPC failed with before firmware answered
 * (EPERM, ENODEV, ETIMEDOUT, ...); anything that is not an AuxError is EIO.
 */
export function errorStatusLabel(err: unknown): string {
  return isAuxError(err) ? err.code : 'EIO';
}

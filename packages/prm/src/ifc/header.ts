/**
 * Command headers shared by every firmware command (PRM "Command Interface").
 *
 * Each inbox starts with `opcode | uid | op_mod` and each outbox with
 * `status | syndrome`; the rest of a command is its own layout, which embeds
 * these fields at the same offsets.
 */
import { defineLayout } from '../layout/layout.js';

/** CmdHdrIn: the 16-byte inbox header. */
export const CmdHdrIn = defineLayout('cmd_hdr_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
});

/** CmdHdrOut: the 16-byte outbox header. */
export const CmdHdrOut = defineLayout('cmd_hdr_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
});

/** CMD_HDR_BYTES: header size of inbox and outbox; also the inline part of a queue entry. */
export const CMD_HDR_BYTES = 16;

/** MAILBOX_DATA_BYTES / MAX_MAILBOXES: a command's payload beyond the header travels in these. */
export const MAILBOX_DATA_BYTES = 512;
export const MAX_MAILBOXES = 512;

/** MAX_CMD_BYTES: the largest inbox or outbox the queue carries (16 + 512 * 512). */
export const MAX_CMD_BYTES = CMD_HDR_BYTES + MAILBOX_DATA_BYTES * MAX_MAILBOXES;

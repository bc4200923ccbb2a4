/**
 * PrmText: how the CLI shows PRM values: an outbox's firmware status (with
 * its name) and syndrome, and ids in fixed-width hex.
 *
 * Field positions and status names come from @auxctl/prm, the layout
 * declarations the drivers and the device use; the CLI keeps no offset
 * table of its own. It must never decide what a status means for an exit
 * code (fw-exec.ts does).
 */
import { CmdHdrOut, statusName } from '@auxctl/prm';

/** OutboxStatus: the firmware's verdict from an outbox header. */
export interface OutboxStatus {
  status: number;
  statusName: string;
  syndrome: number;
}

/** outboxStatus: status (with its name, `UNKNOWN_0x..` when not in the table) and syndrome. */
export function outboxStatus(outbox: Buffer): OutboxStatus {
  const status = CmdHdrOut.get(outbox, 'status');
  const name = statusName(status);
  return {
    status,
    statusName: name === 'UNKNOWN' ? `UNKNOWN_0x${status.toString(16)}` : name,
    syndrome: CmdHdrOut.get(outbox, 'syndrome'),
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

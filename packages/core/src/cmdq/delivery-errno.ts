/**
 * deliveryErrno: the errno of a command that never reached firmware intact.
 *
 * Mirrors Linux `deliv_status_to_err` (mlx5 cmd.c): a signature or token
 * error is EBADR, a bad block number or pointer EFAULT, a malformed
 * descriptor or length ENOMSG, a firmware transport error EIO, anything
 * unknown EINVAL. Kept apart from the command status -> errno map
 * (ifc/status.ts) because the two answer different questions: did the
 * command arrive, and what did firmware make of it.
 *
 * Owns: that one table. Never: command status.
 */
import { DeliveryStatus, type ErrnoName } from '@auxctl/prm';

const table: Record<number, ErrnoName> = {
  [DeliveryStatus.SIGNAT_ERR]: 'EBADR',
  [DeliveryStatus.TOK_ERR]: 'EBADR',
  [DeliveryStatus.BAD_BLK_NUM]: 'EFAULT',
  [DeliveryStatus.OUT_PTR_ALIGN]: 'EFAULT',
  [DeliveryStatus.IN_PTR_ALIGN]: 'EFAULT',
  [DeliveryStatus.FW_ERR]: 'EIO',
  [DeliveryStatus.IN_LENGTH]: 'ENOMSG',
  [DeliveryStatus.OUT_LENGTH]: 'ENOMSG',
  [DeliveryStatus.RES_FLD_NOT_CLR]: 'ENOMSG',
  [DeliveryStatus.CMD_DESCR]: 'ENOMSG',
};

/** deliveryErrno: the errno for a non-OK delivery status. */
export function deliveryErrno(status: number): ErrnoName {
  return table[status] ?? 'EINVAL';
}

/**
 * Command status (outbox `status`) and delivery status (entry `status_own`).
 *
 * The two are kept apart as in mlx5: delivery status says whether the
 * command reached firmware intact (transport); command status says what
 * firmware made of it. Only the command status has an errno mapping that
 * callers see through `cmdExec`; a delivery failure is an error of its own.
 */
import type { ErrnoName } from '../errors.js';

/** CmdStatus: firmware command status values, with the driver-synthesised ABORTED. */
export const CmdStatus = {
  OK: 0x0,
  INT_ERR: 0x1,
  BAD_OP: 0x2,
  BAD_PARAM: 0x3,
  BAD_SYS_STATE: 0x4,
  BAD_RES: 0x5,
  RES_BUSY: 0x6,
  NOT_READY: 0x7,
  LIM: 0x8,
  BAD_RES_STATE: 0x9,
  IX: 0xa,
  NO_RES: 0xf,
  BAD_QP_STATE: 0x10,
  BAD_PKT: 0x30,
  BAD_SIZE_OUTS_CQES: 0x40,
  BAD_INP_LEN: 0x50,
  BAD_OUTP_LEN: 0x51,
  /** Not from firmware: the driver's answer while the device is in internal error. */
  ABORTED: 0xfe,
} as const;

/** DRIVER_SYNDROME: the syndrome the driver reports with ABORTED. */
export const DRIVER_SYNDROME = 0xbadd00de;

const statusErrno: Record<number, ErrnoName> = {
  [CmdStatus.INT_ERR]: 'EIO',
  [CmdStatus.BAD_OP]: 'EINVAL',
  [CmdStatus.BAD_PARAM]: 'EINVAL',
  [CmdStatus.BAD_SYS_STATE]: 'EIO',
  [CmdStatus.BAD_RES]: 'EINVAL',
  [CmdStatus.RES_BUSY]: 'EBUSY',
  [CmdStatus.NOT_READY]: 'EAGAIN',
  [CmdStatus.LIM]: 'ENOMEM',
  [CmdStatus.BAD_RES_STATE]: 'EINVAL',
  [CmdStatus.IX]: 'EINVAL',
  [CmdStatus.NO_RES]: 'EAGAIN',
  [CmdStatus.BAD_QP_STATE]: 'EINVAL',
  [CmdStatus.BAD_PKT]: 'EINVAL',
  [CmdStatus.BAD_SIZE_OUTS_CQES]: 'EINVAL',
  [CmdStatus.BAD_INP_LEN]: 'EIO',
  [CmdStatus.BAD_OUTP_LEN]: 'EIO',
  [CmdStatus.ABORTED]: 'EIO',
};

const statusNames = new Map<number, string>(Object.entries(CmdStatus).map(([k, v]) => [v, k]));

/** statusName: the name of a command status, or `UNKNOWN`. */
export function statusName(status: number): string {
  return statusNames.get(status) ?? 'UNKNOWN';
}

/** statusToErrno: the errno of a non-OK command status (unknown values -> EIO). */
export function statusToErrno(status: number): ErrnoName {
  return statusErrno[status] ?? 'EIO';
}

/** DeliveryStatus: transport results written by firmware into the entry's status_own[7:1]. */
export const DeliveryStatus = {
  OK: 0x0,
  SIGNAT_ERR: 0x1,
  TOK_ERR: 0x2,
  BAD_BLK_NUM: 0x3,
  OUT_PTR_ALIGN: 0x4,
  IN_PTR_ALIGN: 0x5,
  FW_ERR: 0x6,
  IN_LENGTH: 0x7,
  OUT_LENGTH: 0x8,
  RES_FLD_NOT_CLR: 0x9,
  CMD_DESCR: 0x10,
} as const;

const deliveryNames = new Map<number, string>(
  Object.entries(DeliveryStatus).map(([k, v]) => [v, k]),
);

/** deliveryStatusName: the name of a delivery status, or `UNKNOWN`. */
export function deliveryStatusName(status: number): string {
  return deliveryNames.get(status) ?? 'UNKNOWN';
}

/**
 * The errors a command can end with, and their messages.
 *
 * A command ends in one of three ways that must never be confused:
 * - it reached firmware and firmware failed it: the outbox is valid and
 *   travels in `detail` (EREMOTEIO from cmdDo, the status's errno from
 *   cmdExec);
 * - it never reached firmware intact (delivery status, see
 *   delivery-errno.ts), or the driver gave up (ETIMEDOUT, EBUSY, ENODEV):
 *   there is no outbox;
 * - the device is in internal error: the driver answers for firmware with
 *   a synthesized outbox (see internal-error.ts).
 *
 * Owns: messages and detail shapes. Never: decides which case applies.
 */
import { AuxError, deliveryStatusName, type ErrnoName, opcodeName, statusName } from '@auxctl/prm';
import { deliveryErrno } from './delivery-errno.js';

/** CmdStatusDetail: detail of an error from a command firmware answered. */
export interface CmdStatusDetail {
  readonly outbox: Buffer;
  readonly status: number;
  readonly syndrome: number;
  readonly opcode: number;
  readonly opMod: number;
}

/** CmdTransportDetail: detail of an error from a command that got no valid answer. */
export interface CmdTransportDetail {
  readonly opcode: number;
  readonly opMod: number;
  /** The delivery status firmware wrote, when it wrote one. */
  readonly deliveryStatus?: number;
  readonly deliveryStatusName?: string;
  /** The slot the command used, when it had one. */
  readonly slot?: number;
}

const hex = (n: number): string => `0x${n.toString(16)}`;

/** cmdLabel: `NAME(0xOP)`. */
export function cmdLabel(opcode: number): string {
  return `${opcodeName(opcode)}(${hex(opcode)})`;
}

/** failureLine: `OPNAME(0xOP) op_mod(0x..) failed, status NAME(0x..), syndrome (0x..)`. */
export function failureLine(
  opcode: number,
  opMod: number,
  status: number,
  syndrome: number,
): string {
  return `${cmdLabel(opcode)} op_mod(${hex(opMod)}) failed, status ${statusName(status)}(${hex(status)}), syndrome (${hex(syndrome)})`;
}

/** statusError: firmware failed the command; `code` is EREMOTEIO (cmdDo) or the status's errno. */
export function statusError(code: ErrnoName, detail: CmdStatusDetail): AuxError<CmdStatusDetail> {
  const line = failureLine(detail.opcode, detail.opMod, detail.status, detail.syndrome);
  return new AuxError(
    code,
    `${line}; the firmware outbox is in detail.outbox (the syndrome names the rule the command broke)`,
    detail,
  );
}

/** deliveryError: firmware refused the command in transit. */
export function deliveryError(
  opcode: number,
  opMod: number,
  slot: number,
  status: number,
): AuxError<CmdTransportDetail> {
  const name = deliveryStatusName(status);
  return new AuxError(
    deliveryErrno(status),
    `${cmdLabel(opcode)} was not delivered to firmware: delivery status ${name}(${hex(status)}); the command never ran — check device health, reset the device if it repeats`,
    { opcode, opMod, slot, deliveryStatus: status, deliveryStatusName: name },
  );
}

/** corruptCompletionError: the completion failed the driver's own signature check. */
export function corruptCompletionError(
  opcode: number,
  opMod: number,
  slot: number,
  what: string,
): AuxError<CmdTransportDetail> {
  return new AuxError(
    'EHWPOISON',
    `${cmdLabel(opcode)} completed with a corrupt ${what}; its result cannot be trusted — check device health, reset the device if it repeats`,
    { opcode, opMod, slot },
  );
}

/** timeoutError: firmware did not complete the command in time; the slot was reclaimed. */
export function timeoutError(
  opcode: number,
  opMod: number,
  slot: number,
  ms: number,
): AuxError<CmdTransportDetail> {
  return new AuxError(
    'ETIMEDOUT',
    `${cmdLabel(opcode)} timed out after ${ms} ms in firmware (slot ${slot} reclaimed); check device health, or raise the timeout for slow commands`,
    { opcode, opMod, slot },
  );
}

/** slotWaitError: no slot became free in time. */
export function slotWaitError(
  opcode: number,
  opMod: number,
  ms: number,
): AuxError<CmdTransportDetail> {
  return new AuxError(
    'EBUSY',
    `${cmdLabel(opcode)} timed out after ${ms} ms waiting for a free command slot; firmware is slow or stuck — check device health`,
    { opcode, opMod },
  );
}

/** closedError: the queue was closed (device removed or shut down). */
export function closedError(opcode?: number): AuxError {
  const what = opcode === undefined ? 'command' : cmdLabel(opcode);
  return new AuxError(
    'ENODEV',
    `${what} failed: the command queue is closed because the device went away; open the device again`,
  );
}

/** abortedError: a command the driver answered for a device in internal error. */
export function abortedError(code: ErrnoName, detail: CmdStatusDetail): AuxError<CmdStatusDetail> {
  return new AuxError(
    code,
    `${failureLine(detail.opcode, detail.opMod, detail.status, detail.syndrome)}: the device is in internal error and the command did not reach firmware; recover the device (reload) to continue`,
    detail,
  );
}

/**
 * RegisterHandler: what one register of the simulated firmware looks like
 * to the register file's dispatcher.
 *
 * The dispatcher (`RegisterFile`) owns the checks every register shares:
 * unknown id, access kind, uctx capability, inbox and outbox sizes. A
 * handler only sees requests that passed them, and fails the rest with
 * FwError. A handler validates a request completely before it changes any
 * state, so a rejected access never leaves a half-applied change behind.
 * `badField` is the failure most of those checks share.
 */
import { CmdStatus, Syndrome } from '@auxctl/prm';
import { FwError } from '../fw-error.js';

/** badField: BAD_PARAM / REG_BAD_FIELD: a register field the handler refuses, and why. */
export const badField = (what: string): FwError =>
  new FwError(CmdStatus.BAD_PARAM, Syndrome.REG_BAD_FIELD, what);

/** RegisterAccess: the direction of an ACCESS_REG (op_mod WRITE 0 / READ 1). */
export type RegisterAccess = 'read' | 'write';

/** RegisterRequest: one ACCESS_REG, as the handler sees it. */
export interface RegisterRequest {
  readonly uid: number;
  readonly access: RegisterAccess;
  /** ACCESS_REG `argument` (unused by the registers modelled so far). */
  readonly argument: number;
  /** The register bytes of the inbox (at least the handler's `inBytes`). */
  readonly data: Buffer;
  /** The outbox from `register_data` on, zeroed (at least the handler's `outBytes`). */
  readonly out: Buffer;
}

/** RegisterHandler: one register: its id, rules and behaviour. */
export interface RegisterHandler {
  readonly id: number;
  readonly name: string;
  readonly read: boolean;
  readonly write: boolean;
  /** uctx capability bits a uid other than 0 must hold (0 = none). */
  readonly cap: number;
  /** Register bytes the inbox must carry. */
  readonly inBytes: number;
  /** Room the outbox must have for the reply (a handler with a variable tail checks the rest). */
  readonly outBytes: number;
  /** handle: act on a request that passed the shared checks; throws FwError on failure. */
  handle(req: RegisterRequest): void;
  /** reset: forget per-device state after a device reset. */
  reset(): void;
}

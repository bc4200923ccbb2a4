/**
 * Command: one firmware command from submission to settlement, and the
 * checks its arguments pass before anything is queued.
 *
 * Owns: the per-command record (slot, token, deadline, mailboxes, the
 * promise's settle functions). Never: settles itself (the queue does).
 */

import { AuxError, CMD_HDR_BYTES, MAX_CMD_BYTES, type MailboxBlock } from '@auxctl/prm';

/** DEFAULT_CMD_TIMEOUT_MS: a command's default timeout (Linux CMD timeout, 60 s). */
export const DEFAULT_CMD_TIMEOUT_MS = 60_000;
const MAX_TIMEOUT_MS = 0x7fff_ffff; // what setTimeout accepts

/** CmdOptions: per-call options of cmdDo / cmdExec. */
export interface CmdOptions {
  /** Timeout for this command in ms (overrides the queue's). */
  readonly timeoutMs?: number;
}

/** Command: see the module header. */
export class Command {
  /** Waiting in a slot FIFO (managed by CommandFifo). */
  queued = false;
  slot = -1;
  token = 0;
  startedAt = 0;
  /** When the command (in a slot) or its wait for a slot times out. */
  deadline = 0;
  inChain: MailboxBlock | undefined = undefined;
  outChain: MailboxBlock | undefined = undefined;
  resolve!: (outbox: Buffer) => void;
  reject!: (err: AuxError<object>) => void;

  constructor(
    /** Read when the command takes a slot; a waiting command holds a copy (see CommandQueue.submit). */
    public inbox: Buffer,
    readonly outLen: number,
    readonly opcode: number,
    readonly opMod: number,
    /** cmdExec semantics: a failed status rejects with its errno and is logged. */
    readonly exec: boolean,
    readonly timeoutMs: number,
  ) {}
}

/** checkTimeout: `ms` when it is a usable timeout, else throws EINVAL. */
export function checkTimeout(ms: number): number {
  if (typeof ms !== 'number' || !(ms > 0) || ms > MAX_TIMEOUT_MS) {
    throw new AuxError('EINVAL', `timeoutMs must be a number in (0, ${MAX_TIMEOUT_MS}] ms`);
  }
  return ms;
}

/**
 * checkArgs: why cmdDo / cmdExec must refuse these arguments, or undefined.
 * Too short is EINVAL; longer than a command can carry (16 + 512 * 512
 * bytes) is EMSGSIZE, so callers can tell "malformed" from "too big".
 */
export function checkArgs(
  inbox: Buffer,
  outLen: number,
  opts: CmdOptions | undefined,
): AuxError | undefined {
  if (!Buffer.isBuffer(inbox) || inbox.length < CMD_HDR_BYTES) {
    return new AuxError(
      'EINVAL',
      `inbox must be a Buffer of at least ${CMD_HDR_BYTES} bytes (the command header)`,
    );
  }
  if (inbox.length > MAX_CMD_BYTES) {
    return new AuxError(
      'EMSGSIZE',
      `inbox of ${inbox.length} bytes exceeds the ${MAX_CMD_BYTES} bytes a command can carry; split the request`,
    );
  }
  if (!Number.isInteger(outLen) || outLen < CMD_HDR_BYTES) {
    return new AuxError(
      'EINVAL',
      `outLen must be an integer of at least ${CMD_HDR_BYTES} (the outbox header)`,
    );
  }
  if (outLen > MAX_CMD_BYTES) {
    return new AuxError(
      'EMSGSIZE',
      `outLen ${outLen} exceeds the ${MAX_CMD_BYTES} bytes a command can carry; ask for less`,
    );
  }
  if (opts?.timeoutMs !== undefined) {
    try {
      checkTimeout(opts.timeoutMs);
    } catch (err) {
      return err as AuxError;
    }
  }
  return undefined;
}

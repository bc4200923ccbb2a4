/**
 * CommandOutcome: how a finished command is settled, counted and logged.
 *
 * Every way a command can end funnels through here, so the promise, the
 * per-opcode counters and the log always agree:
 * - `outbox`: firmware answered. Status OK resolves; a failed status
 *   rejects EREMOTEIO (cmdDo) or with the status's errno plus a
 *   rate-limited warn line (cmdExec); the outbox travels in the detail.
 * - `internalError`: the driver answers for a dead device (destroy
 *   commands succeed, the rest are ABORTED; never logged as failures).
 * - `fail`: no answer at all (delivery error, timeout, closed, ...).
 *
 * Owns: settlement policy. Never: touches slots, mailboxes or the device.
 */
import { type AuxError, CmdHdrOut, CmdStatus, statusToErrno } from '@auxctl/prm';
import type { Logger, RateLimitedLog } from '../log.js';
import type { Command } from './command.js';
import { abortedError, failureLine, statusError } from './command-errors.js';
import type { CommandStats } from './command-stats.js';
import { abortedOutbox } from './internal-error.js';

const OUT_STATUS = CmdHdrOut.byteOffset('status');
const OUT_SYNDROME = CmdHdrOut.byteOffset('syndrome');

/** CommandOutcome: see the module header. */
export class CommandOutcome {
  /** Commands answered ABORTED by the driver. */
  aborted = 0;

  constructor(
    private readonly counters: CommandStats,
    private readonly log: Logger,
    private readonly failureLog: RateLimitedLog,
  ) {}

  /** outbox: settle `cmd` with the outbox firmware wrote. */
  outbox(cmd: Command, out: Buffer): void {
    const status = out[OUT_STATUS]!;
    if (status === CmdStatus.OK) {
      cmd.resolve(out);
      return;
    }
    const syndrome = out.readUInt32BE(OUT_SYNDROME);
    const detail = { outbox: out, status, syndrome, opcode: cmd.opcode, opMod: cmd.opMod };
    this.counters.failed(cmd.opcode, 'EREMOTEIO', status, syndrome);
    if (!cmd.exec) {
      cmd.reject(statusError('EREMOTEIO', detail));
      return;
    }
    const code = statusToErrno(status);
    const dropped = this.failureLog.allow();
    if (dropped !== undefined) {
      this.log.warn(
        {
          opcode: cmd.opcode,
          opMod: cmd.opMod,
          status,
          syndrome,
          errno: code,
          suppressed: dropped,
        },
        failureLine(cmd.opcode, cmd.opMod, status, syndrome),
      );
    }
    cmd.reject(statusError(code, detail));
  }

  /** internalError: settle `cmd` as a dead device's driver does (see internal-error.ts). */
  internalError(cmd: Command): void {
    const out = abortedOutbox(cmd.opcode, cmd.outLen);
    const status = out[OUT_STATUS]!;
    if (status === CmdStatus.OK) {
      cmd.resolve(out);
      return;
    }
    const syndrome = out.readUInt32BE(OUT_SYNDROME);
    this.aborted++;
    this.counters.failed(cmd.opcode, 'EREMOTEIO', status, syndrome);
    const detail = { outbox: out, status, syndrome, opcode: cmd.opcode, opMod: cmd.opMod };
    cmd.reject(abortedError(cmd.exec ? statusToErrno(status) : 'EREMOTEIO', detail));
  }

  /** fail: settle `cmd` with an error that carries no outbox. */
  fail(cmd: Command, err: AuxError<object>): void {
    this.counters.failed(cmd.opcode, err.code);
    cmd.reject(err);
  }
}

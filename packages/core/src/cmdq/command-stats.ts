/**
 * CommandStats: per-opcode counters of a command queue.
 *
 * The fields and their meaning follow Linux debugfs
 * `mlx5/<bdf>/commands/<OPCODE>/`: `n` and `average` (nanoseconds) over
 * commands that came back from firmware; `failed` over every command that
 * did not succeed; `failed_mbox_status` and the `last_failed_mbox_status` /
 * `last_failed_syndrome` pair over those that reached firmware and failed
 * there (EREMOTEIO); `last_failed_errno` is the errno of the latest
 * failure. `timeouts` is added here because a reclaimed slot is worth
 * seeing per opcode.
 *
 * Owns: the counters. Never: decides what counts as a failure (the queue
 * tells it).
 */
import { Errno, type ErrnoName, opcodeName } from '@auxctl/prm';

/** CmdOpStats: a snapshot of one opcode's counters. */
export interface CmdOpStats {
  readonly opcode: number;
  readonly name: string;
  readonly n: number;
  /** Average latency in nanoseconds, doorbell to completion. */
  readonly average: number;
  readonly failed: number;
  readonly failed_mbox_status: number;
  readonly last_failed_errno: number;
  readonly last_failed_mbox_status: number;
  readonly last_failed_syndrome: number;
  readonly timeouts: number;
}

interface Counters {
  n: number;
  sumNs: number;
  failed: number;
  failedMboxStatus: number;
  lastFailedErrno: number;
  lastFailedMboxStatus: number;
  lastFailedSyndrome: number;
  timeouts: number;
}

/** CommandStats: counters keyed by opcode, created on an opcode's first use. */
export class CommandStats {
  private readonly ops = new Map<number, Counters>();

  /** completed: a command came back from firmware after `latencyMs`. */
  completed(opcode: number, latencyMs: number): void {
    const c = this.of(opcode);
    c.n++;
    c.sumNs += latencyMs * 1e6;
  }

  /** failed: a command failed with `code`; `status`/`syndrome` when firmware failed it. */
  failed(opcode: number, code: ErrnoName, status?: number, syndrome?: number): void {
    const c = this.of(opcode);
    c.failed++;
    c.lastFailedErrno = Errno[code];
    if (code === 'EREMOTEIO' && status !== undefined) {
      c.failedMboxStatus++;
      c.lastFailedMboxStatus = status;
      c.lastFailedSyndrome = syndrome ?? 0;
    }
  }

  /** timedOut: a command's slot was reclaimed after its timeout. */
  timedOut(opcode: number): void {
    this.of(opcode).timeouts++;
  }

  /** snapshot: every opcode seen so far, by opcode. */
  snapshot(): CmdOpStats[] {
    return [...this.ops.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([opcode, c]) => ({
        opcode,
        name: opcodeName(opcode),
        n: c.n,
        average: c.n === 0 ? 0 : Math.round(c.sumNs / c.n),
        failed: c.failed,
        failed_mbox_status: c.failedMboxStatus,
        last_failed_errno: c.lastFailedErrno,
        last_failed_mbox_status: c.lastFailedMboxStatus,
        last_failed_syndrome: c.lastFailedSyndrome,
        timeouts: c.timeouts,
      }));
  }

  private of(opcode: number): Counters {
    let c = this.ops.get(opcode);
    if (!c) {
      c = {
        n: 0,
        sumNs: 0,
        failed: 0,
        failedMboxStatus: 0,
        lastFailedErrno: 0,
        lastFailedMboxStatus: 0,
        lastFailedSyndrome: 0,
        timeouts: 0,
      };
      this.ops.set(opcode, c);
    }
    return c;
  }
}

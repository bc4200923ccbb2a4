/**
 * HealthReporter: one devlink-style health reporter (`fw`, `fw_fatal`).
 *
 * A reporter is told of an error (`report`); it counts it, captures a dump
 * when none is stored yet (one stored dump per reporter, kept until
 * cleared, so the *first* failure's evidence survives a storm of later
 * ones), and runs its recovery unless the previous recovery was less than a
 * grace period ago (a device that keeps failing is left in error for an
 * operator instead of being reset in a loop). `diagnose` answers at any time.
 *
 * Owns: counters, state and the stored dump. Never: decides what a dump or a
 * recovery is; those come from its owner (the core device).
 */

/** ReporterOps: what the owner supplies. All are optional, as in devlink. */
export interface ReporterOps<Dump> {
  diagnose?(): Record<string, unknown>;
  dump?(): Promise<Dump>;
  recover?(): Promise<void>;
}

/** ReporterOptions: behaviour knobs (devlink health set). */
export interface ReporterOptions {
  /** Minimum time between two automatic recoveries (ms); default 60 s. */
  gracePeriodMs?: number;
  /** Recover automatically on report; default true when a recover op exists. */
  autoRecover?: boolean;
  /** Capture a dump automatically on report; default true when a dump op exists. */
  autoDump?: boolean;
  now?: () => number;
}

/** StoredDump: the one dump a reporter keeps. */
export interface StoredDump<Dump> {
  readonly data: Dump;
  readonly capturedAt: number;
  /** The report message that caused it. */
  readonly message: string;
}

/** ReporterState: healthy, or error until a recovery succeeds. */
export type ReporterState = 'healthy' | 'error';

/** ReportOutcome: what `report` did, for the owner's events and logs. */
export interface ReportOutcome {
  readonly dumped: boolean;
  readonly recovered: boolean;
  /** Set when recovery was skipped or failed. */
  readonly reason?: 'no-recover-op' | 'auto-recover-off' | 'grace-period' | 'recover-failed';
  readonly error?: unknown;
}

/** HealthReporter: see the module header. */
export class HealthReporter<Dump = unknown> {
  private st: ReporterState = 'healthy';
  private errors = 0;
  private recoveries = 0;
  private lastRecoverAt: number | undefined;
  private stored: StoredDump<Dump> | undefined;
  private readonly grace: number;
  private readonly auto: boolean;
  private readonly autoDump: boolean;
  private readonly now: () => number;

  constructor(
    readonly name: string,
    private readonly ops: ReporterOps<Dump>,
    opts: ReporterOptions = {},
  ) {
    this.grace = opts.gracePeriodMs ?? 60_000;
    this.auto = opts.autoRecover ?? ops.recover !== undefined;
    this.autoDump = opts.autoDump ?? ops.dump !== undefined;
    this.now = opts.now ?? Date.now;
  }

  /** state: 'error' from a report until a successful recovery. */
  get state(): ReporterState {
    return this.st;
  }

  /** errorCount / recoverCount: how many reports and successful recoveries so far. */
  get errorCount(): number {
    return this.errors;
  }

  get recoverCount(): number {
    return this.recoveries;
  }

  /** lastRecoverAt: when the last successful recovery finished (owner's clock). */
  get lastRecover(): number | undefined {
    return this.lastRecoverAt;
  }

  /**
   * report: record an error; dump when none is stored; recover unless within
   * the grace period. A failing dump op loses the dump, never the report.
   */
  async report(message: string): Promise<ReportOutcome> {
    this.errors++;
    this.st = 'error';
    let dumped = false;
    if (this.autoDump && this.ops.dump && !this.stored) {
      try {
        this.stored = { data: await this.ops.dump(), capturedAt: this.now(), message };
        dumped = true;
      } catch {
        // Evidence capture is best effort; recovery must still run.
      }
    }
    if (!this.ops.recover) return { dumped, recovered: false, reason: 'no-recover-op' };
    if (!this.auto) return { dumped, recovered: false, reason: 'auto-recover-off' };
    if (this.lastRecoverAt !== undefined && this.now() - this.lastRecoverAt < this.grace) {
      return { dumped, recovered: false, reason: 'grace-period' };
    }
    try {
      await this.recover();
      return { dumped, recovered: true };
    } catch (error) {
      return { dumped, recovered: false, reason: 'recover-failed', error };
    }
  }

  /** recover: run the recovery now (operator-initiated; ignores the grace period). Throws what it throws. */
  async recover(): Promise<void> {
    if (!this.ops.recover) return;
    await this.ops.recover();
    this.recoveries++;
    this.lastRecoverAt = this.now();
    this.st = 'healthy';
  }

  /** diagnose: the owner's current view of the reporter's subject. */
  diagnose(): Record<string, unknown> {
    return {
      state: this.st,
      errorCount: this.errors,
      recoverCount: this.recoveries,
      ...this.ops.diagnose?.(),
    };
  }

  /** dump: the stored dump, capturing one now if none is stored and a dump op exists. */
  async dump(): Promise<StoredDump<Dump> | undefined> {
    if (!this.stored && this.ops.dump) {
      this.stored = { data: await this.ops.dump(), capturedAt: this.now(), message: 'on request' };
    }
    return this.stored;
  }

  /** storedDump: the stored dump without capturing. */
  get storedDump(): StoredDump<Dump> | undefined {
    return this.stored;
  }

  /** dumpClear: drop the stored dump so the next report captures afresh. */
  dumpClear(): void {
    this.stored = undefined;
  }
}

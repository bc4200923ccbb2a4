/**
 * Daemon logs: the two pino loggers auxctld runs with — the operational
 * log and the audit stream — and where their lines go.
 *
 * | stream | destination                                              |
 * |--------|----------------------------------------------------------|
 * | main   | stdout: JSON lines, or readableLine on a terminal (`readable`); or a file (`mainFile`) |
 * | audit  | `auditFile` (appended, directories made), else the main log with `stream: "audit"` |
 *
 * JSON destinations are batched (BatchedFile): lines collect in memory and
 * go to the kernel in one write(2) once BATCH_BYTES have collected, or
 * FLUSH_MS after the first line of a batch — so under load one system call
 * carries dozens of lines, a lone line is in the file within FLUSH_MS, and
 * an idle daemon is not woken to write nothing. What is
 * left is written when the process exits (normal exit, a signal the daemon
 * handles, an uncaught exception), so lines are lost only if the process
 * is killed outright (SIGKILL, OOM): at most FLUSH_MS or BATCH_BYTES of
 * them. The readable form writes each line at once: it is for a person at
 * a terminal.
 *
 * Owns: the destinations and their write mode. Never: the line format of
 * either stream (the server's and ctl-aux's loggers).
 */
import { type Logger, pino } from 'pino';
import { BatchedFile } from './batched-file.js';
import { readableDestination } from './readable-log.js';

/** DaemonLogOptions: where the daemon's lines go. */
export interface DaemonLogOptions {
  /** Main log in readableLine form on stdout (a terminal); otherwise JSON lines. */
  readonly readable?: boolean;
  /** Main log as JSON lines to this file (appended) instead of stdout. */
  readonly mainFile?: string;
  /** Audit lines to this file (appended); default: the main log, with `stream: "audit"`. */
  readonly auditFile?: string;
}

/** DaemonLogs: the two loggers. */
export interface DaemonLogs {
  readonly logger: Logger;
  readonly auditLogger: Logger;
  /**
   * close: write what is batched and close the files this opened (stdout
   * stays open); lines logged afterwards are dropped. For a process that
   * keeps running without the loggers (an embedder, a bench).
   */
  close(): void;
}

/** daemonLogs: the two loggers (see the module header). */
export function daemonLogs(o: DaemonLogOptions = {}): DaemonLogs {
  const base = { service: 'auxctld' };
  const files: BatchedFile[] = [];
  const batching = { batchBytes: BATCH_BYTES, flushMs: FLUSH_MS };
  const batched = (dest: string | number): BatchedFile => {
    const f =
      typeof dest === 'number'
        ? BatchedFile.onDescriptor(dest, batching)
        : BatchedFile.open(dest, batching);
    files.push(f);
    return f;
  };
  const logger =
    o.readable && o.mainFile === undefined
      ? pino({ base }, readableDestination(process.stdout))
      : pino({ base }, batched(o.mainFile ?? 1));
  const auditLogger = o.auditFile
    ? pino({ base: { stream: 'audit' } }, batched(o.auditFile))
    : logger.child({ stream: 'audit' });
  return {
    logger,
    auditLogger,
    close: () => {
      for (const f of files) f.close();
    },
  };
}

/** BATCH_BYTES / FLUSH_MS: when a batch of lines is written (see the module header). */
export const BATCH_BYTES = 16 * 1024;
export const FLUSH_MS = 100;

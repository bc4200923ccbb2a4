/**
 * Daemon logs: the two pino loggers auxctld runs with — the operational
 * log and the audit stream — and where their lines go.
 *
 * | stream | destination                                              |
 * |--------|----------------------------------------------------------|
 * | main   | stdout: JSON lines, or readableLine on a terminal (`readable`); or a file (`mainFile`) |
 * | audit  | `auditFile` (appended, directories made), else the main log with `stream: "audit"` |
 *
 * JSON destinations write asynchronously: a line is handed to the kernel at
 * once when no write is in flight, and the lines that arrive meanwhile go
 * out together in the next write(2) — one system call per batch under load
 * instead of one per line, and none on a call's path. pino flushes what is
 * left synchronously when the process exits (normal exit, a signal the
 * daemon handles, an uncaught exception), so a line is lost only if the
 * process is killed outright (SIGKILL, OOM) while its batch is in flight.
 * The readable form writes synchronously: it is for a person at a terminal.
 *
 * Owns: the destinations and their write mode. Never: the line format of
 * either stream (the server's and ctl-aux's loggers).
 */
import { type Logger, pino } from 'pino';
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
}

/** daemonLogs: the loggers of see the module header. */
export function daemonLogs(o: DaemonLogOptions = {}): DaemonLogs {
  const base = { service: 'auxctld' };
  const logger =
    o.readable && o.mainFile === undefined
      ? pino({ base }, readableDestination(process.stdout))
      : pino({ base }, batched(o.mainFile ?? 1));
  const auditLogger = o.auditFile
    ? pino({ base: { stream: 'audit' } }, batched(o.auditFile))
    : logger.child({ stream: 'audit' });
  return { logger, auditLogger };
}

/** batched: an asynchronous destination (see the module header); a path is appended to. */
function batched(dest: string | number) {
  return typeof dest === 'number'
    ? pino.destination({ dest, sync: false })
    : pino.destination({ dest, append: true, mkdir: true, sync: false });
}

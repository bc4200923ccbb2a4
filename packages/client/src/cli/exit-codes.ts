/**
 * ExitCode: what an `auxctl` exit status says failed, and the mapping from
 * errors to it.
 *
 *   0 OK          the command did what was asked
 *   1 USAGE       bad arguments or flags (nothing was sent)
 *   2 CONNECTION  no connection settings, unreachable server, TLS or
 *                 authentication failure, deadline exceeded
 *   3 PERMISSION  the server's policy (or the device's scope rules) refused
 *   4 NOT_FOUND   no such device, dump or file on the server, or nothing
 *                 to resume (no FILE.part beside -o FILE)
 *   5 REMOTE      any other failure: a firmware status, a server error, a
 *                 dump that failed its SHA-256 check
 *   6 PARTIAL     fan-out: at least one host failed (see the summary)
 *
 * Owns the table and the classification. It must never classify by
 * message text: only by the error's code.
 */
import { isAuxctlError } from '../auxctl-error.js';

/** ExitCode: the exit statuses (see the module comment). */
export const ExitCode = {
  OK: 0,
  USAGE: 1,
  CONNECTION: 2,
  PERMISSION: 3,
  NOT_FOUND: 4,
  REMOTE: 5,
  PARTIAL: 6,
} as const;

/** ExitCodeValue: one of the ExitCode numbers. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** CliError: a failure the CLI itself classified (usage, connection setup, firmware status). */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: ExitCodeValue;
  /** code: a short machine name (`USAGE`, `CONNECT`, `FW_STATUS`, or the cause's code). */
  readonly code: string;

  constructor(exitCode: ExitCodeValue, code: string, message: string, cause?: unknown) {
    super(message, { cause });
    this.exitCode = exitCode;
    this.code = code;
  }
}

/** usageError: a CliError with exit code USAGE. */
export function usageError(message: string): CliError {
  return new CliError(ExitCode.USAGE, 'USAGE', message);
}

/** CODE_EXIT: AuxctlError codes (gRPC names and errno names) -> exit code; others are REMOTE. */
const CODE_EXIT: ReadonlyMap<string, ExitCodeValue> = new Map([
  ['UNAVAILABLE', ExitCode.CONNECTION],
  ['UNAUTHENTICATED', ExitCode.CONNECTION],
  ['DEADLINE_EXCEEDED', ExitCode.CONNECTION],
  ['PERMISSION_DENIED', ExitCode.PERMISSION],
  ['EPERM', ExitCode.PERMISSION],
  ['EACCES', ExitCode.PERMISSION],
  ['NOT_FOUND', ExitCode.NOT_FOUND],
  ['ENODEV', ExitCode.NOT_FOUND],
  ['ENOENT', ExitCode.NOT_FOUND],
]);

/** exitCodeOf: the exit code that describes `error` (REMOTE when nothing more specific fits). */
export function exitCodeOf(error: unknown): ExitCodeValue {
  if (error instanceof CliError) return error.exitCode;
  if (isAuxctlError(error)) return CODE_EXIT.get(error.code) ?? ExitCode.REMOTE;
  return ExitCode.REMOTE;
}

/** errorCodeOf: the short machine name of `error` for JSON output. */
export function errorCodeOf(error: unknown): string {
  if (error instanceof CliError || isAuxctlError(error)) return error.code;
  return 'UNKNOWN';
}

/**
 * errorMessageOf: one line for a person. A library error is its code and
 * details without the library's context (`Exec on HOST`): the CLI names the
 * user's command instead (reportError).
 */
export function errorMessageOf(error: unknown): string {
  if (isAuxctlError(error)) return `${error.code}: ${error.details}`;
  return error instanceof Error ? error.message : String(error);
}

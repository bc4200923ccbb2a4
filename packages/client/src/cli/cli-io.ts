/**
 * CliIo: everything the CLI touches outside its arguments, passed in so
 * that `main()` runs in-process in tests: output writers, the environment,
 * whether stdout is a terminal, an interrupt signal and a progress stream.
 *
 * Owns only the shape. It must never be filled from process globals except
 * in the bin (auxctl.ts).
 */
import type { Env } from '../client-config.js';

/** CliIo: see the module comment. */
export interface CliIo {
  /** stdout / stderr: write text as is (callers add newlines). */
  stdout(text: string): void;
  stderr(text: string): void;
  /** env: AUXCTL_* variables and the rest (default connection settings). */
  env: Env;
  /** isTTY: stdout is a terminal (progress bars are drawn only then). */
  isTTY: boolean;
  /** signal: aborts long-running commands (watch, coredump) on interrupt. */
  signal?: AbortSignal;
  /** progressStream: where a progress bar draws (stderr of a terminal); none disables bars. */
  progressStream?: NodeJS.WritableStream;
}

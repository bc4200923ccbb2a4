/**
 * CommandContext: what each command module gets from the program: the io,
 * the global flags of the invocation, and where to leave the exit code.
 * Owns only the shape; commands must never call process.exit.
 */
import type { Command } from 'commander';
import type { CliIo } from './cli-io.js';
import type { GlobalOptions, HostBody } from './host-runner.js';

/** CommandContext: see the module comment. */
export interface CommandContext {
  io: CliIo;
  /** globals: the program-level flags as seen from `cmd`. */
  globals(cmd: Command): GlobalOptions;
  /** runOnHosts: run `body` on the host(s) the flags name and record the exit code. */
  runOnHosts(cmd: Command, body: HostBody): Promise<void>;
  /** setExit: record the exit code of a command that does not use runOnHosts. */
  setExit(code: number): void;
}

#!/usr/bin/env node
/**
 * auxctl: the command-line client of auxctld. This file only wires the
 * process (argv, stdout/stderr, environment, SIGINT) to main(); see
 * cli-program.ts for the commands and exit codes.
 */
import { main } from './cli-program.js';

// grpc-js always sends the target host as the TLS server name, and Node warns
// (DEP0123) when that is an IP address — on every `auxctl --host 127.0.0.1:...`.
// The server certificate is still checked against the address (auxctld's
// carries its IPs as SANs); only the meaningless SNI is ignored. So this one
// warning is dropped, and every other warning is emitted as before.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const code =
    (typeof rest[0] === 'object' && rest[0] !== null && (rest[0] as { code?: string }).code) ||
    (typeof rest[1] === 'string' ? rest[1] : undefined);
  if (code === 'DEP0123') return;
  (emitWarning as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const controller = new AbortController();
let interrupted = false;
process.on('SIGINT', () => {
  // The first Ctrl-C ends streams cleanly (watch returns 0); a command that
  // does not stop on its own (a coredump, which leaves FILE.part for
  // --resume) is ended shortly after, and a second Ctrl-C exits at once.
  if (interrupted) process.exit(130);
  interrupted = true;
  controller.abort();
  setTimeout(() => process.exit(130), 2000).unref();
});

const code = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  signal: controller.signal,
  progressStream: process.stderr,
});
process.exitCode = code;

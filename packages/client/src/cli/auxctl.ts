#!/usr/bin/env node
/**
 * auxctl: the command-line client of auxctld. This file only wires the
 * process (argv, stdout/stderr, environment, SIGINT) to main(); see
 * cli-program.ts for the commands and exit codes.
 */
import { main } from './cli-program.js';

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

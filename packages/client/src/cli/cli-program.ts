/**
 * main: the `auxctl` command line as a function — `main(argv, io)` builds a
 * fresh commander program, runs one command and resolves with the exit
 * code (exit-codes.ts), so it runs in-process in tests and the bin only
 * wires process globals to it.
 *
 * Owns the global flags (connection, --json, fan-out) and the mapping of
 * commander's own failures to USAGE. It must never call process.exit or
 * touch process globals, and never reject: every failure is an exit code
 * and a message on stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { registerCap } from './cap-command.js';
import { parseConcurrency, parseHostList } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { CLIENT_VERSION } from './client-version.js';
import type { CommandContext } from './command-context.js';
import { registerCoredump } from './coredump-command.js';
import { registerDevices } from './devices-command.js';
import { registerDiagcnt } from './diagcnt-command.js';
import { ExitCode, usageError } from './exit-codes.js';
import { registerFault } from './fault-command.js';
import { registerHealth } from './health-command.js';
import { type GlobalOptions, reportError, runOnHosts } from './host-runner.js';
import { registerInfo } from './info-command.js';
import { registerReg } from './reg-command.js';
import { registerRpc } from './rpc-command.js';
import { registerRscdump } from './rscdump-command.js';
import { registerSf } from './sf-command.js';
import { registerWatch } from './watch-command.js';

const EXIT_HELP = `
Exit codes:
  0  ok
  1  usage error (bad arguments; nothing was sent)
  2  connection or authentication error (settings, TLS, unreachable, deadline)
  3  permission denied (policy or scope)
  4  not found (device, dump)
  5  other error (server, firmware status, SHA-256 mismatch)
  6  fan-out: at least one host failed (see the summary)

Connection settings: flags, else AUXCTL_HOST, AUXCTL_CA, AUXCTL_CERT, AUXCTL_KEY,
AUXCTL_TOKEN, else client.json (AUXCTL_CONFIG, else $AUXCTL_STATE_DIR/client.json,
else ~/.local/state/auxctl/client.json).
`;

/** buildProgram: a fresh program whose commands report through `ctx`. */
function buildProgram(io: CliIo, ctx: CommandContext): Command {
  const program = new Command('auxctl')
    .description('scoped, audited remote access to NIC firmware (auxctld client)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError('(run auxctl --help for usage)')
    .addHelpText('after', EXIT_HELP)
    .version(CLIENT_VERSION, '-V, --version', 'print the client version and exit')
    .option('--host <host>', 'auxctld address: host or host:port')
    .option('--ca <file>', 'CA certificate (PEM) to verify the server with')
    .option('--cert <file>', 'client certificate (PEM)')
    .option('--key <file>', 'client private key (PEM)')
    .option('--token <token>', 'bearer token')
    .option('--config <file>', 'client.json to read settings from')
    .option('--insecure', 'plaintext (loopback servers only; no token is sent)')
    .option('--json', 'machine-readable output (one JSON document, or one per line for watch)')
    .option('--hosts <list>', 'run on these hosts (comma-separated)', parseHostList)
    .option('--hosts-file <file>', 'run on the hosts in this file (one per line, # comments)')
    .addOption(
      new Option('--concurrency <n>', 'hosts at once with fan-out')
        .argParser(parseConcurrency)
        .default(8),
    );
  registerDevices(program, ctx);
  registerHealth(program, ctx);
  registerInfo(program, ctx);
  registerCap(program, ctx);
  registerReg(program, ctx);
  registerRpc(program, ctx);
  registerCoredump(program, ctx);
  registerRscdump(program, ctx);
  registerDiagcnt(program, ctx);
  registerFault(program, ctx);
  registerWatch(program, ctx);
  registerSf(program, ctx);
  markRequired(program);
  program.commands.forEach((c) => {
    c.exitOverride().configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
    });
  });
  return program;
}

/** markRequired: end the help text of every mandatory option of `cmd` and its subcommands with "(required)". */
function markRequired(cmd: Command): void {
  for (const o of cmd.options) {
    if (o.mandatory && !o.description.endsWith('(required)')) o.description += ' (required)';
  }
  cmd.commands.forEach(markRequired);
}

/** main: run `argv` (arguments after the program name) and resolve with the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.OK;
  const ctx: CommandContext = {
    io,
    globals: (cmd) => cmd.optsWithGlobals<GlobalOptions>(),
    runOnHosts: async (cmd, body) => {
      exitCode = await runOnHosts(io, cmd.optsWithGlobals<GlobalOptions>(), body, cmd);
    },
    setExit: (code) => {
      exitCode = code;
    },
  };
  const program = buildProgram(io, ctx);
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return ExitCode.USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (e) {
    // With --json a failure is also one JSON object on stdout (commander has
    // already written its message for a person to stderr).
    const json = argv
      .slice(0, argv.includes('--') ? argv.indexOf('--') : argv.length)
      .includes('--json');
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return ExitCode.OK;
      if (json) reportError(io, usageError(e.message.replace(/^error: /, '')), true);
      return ExitCode.USAGE;
    }
    return reportError(io, e, json);
  }
}

/**
 * main: the `auxctl` command line as a function — `main(argv, io)` builds a
 * fresh commander program, runs one command and resolves with the exit
 * code (exit-codes.ts), so it runs in-process in tests and the bin only
 * wires process globals to it.
 *
 * Owns the global flags (connection, --json, fan-out), which command
 * modules a run loads (only the named command's, see COMMANDS), and the
 * mapping of commander's own failures to USAGE. It must never call
 * process.exit or touch process globals, and never reject: every failure is
 * an exit code and a message on stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { parseConcurrency, parseHostList } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import { CLIENT_VERSION } from './client-version.js';
import type { CommandContext } from './command-context.js';
import { ExitCode, usageError } from './exit-codes.js';
import { type GlobalOptions, reportError, runOnHosts } from './host-runner.js';

/** Register: what each command module exports to add its command to the program. */
type Register = (program: Command, ctx: CommandContext) => void;

/**
 * COMMANDS: every command, in the order help lists them, and how to load
 * the module that registers it. A run loads only the module of the command
 * it names (the field tables and PRM layouts of the firmware commands cost
 * a coredump most of its start-up otherwise); help, a mistyped or missing
 * command load them all, so commander's help and suggestions see every one.
 */
const COMMANDS: Readonly<Record<string, () => Promise<Register>>> = {
  devices: async () => (await import('./devices-command.js')).registerDevices,
  health: async () => (await import('./health-command.js')).registerHealth,
  info: async () => (await import('./info-command.js')).registerInfo,
  cap: async () => (await import('./cap-command.js')).registerCap,
  reg: async () => (await import('./reg-command.js')).registerReg,
  obj: async () => (await import('./obj-command.js')).registerObj,
  rpc: async () => (await import('./rpc-command.js')).registerRpc,
  coredump: async () => (await import('./coredump-command.js')).registerCoredump,
  rscdump: async () => (await import('./rscdump-command.js')).registerRscdump,
  diagcnt: async () => (await import('./diagcnt-command.js')).registerDiagcnt,
  fault: async () => (await import('./fault-command.js')).registerFault,
  watch: async () => (await import('./watch-command.js')).registerWatch,
  sf: async () => (await import('./sf-command.js')).registerSf,
  vf: async () => (await import('./vf-command.js')).registerVf,
  guest: async () => (await import('./guest-command.js')).registerGuest,
  migrate: async () => (await import('./migrate-command.js')).registerMigrate,
  vdpa: async () => (await import('./vdpa-command.js')).registerVdpa,
};

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

/**
 * commandNameOf: the first operand of `argv` — the command's name — skipping
 * the program's options and the values of those that take one; undefined
 * when there is none before `--` ends the options.
 */
export function commandNameOf(program: Command, argv: readonly string[]): string | undefined {
  const valued = new Set<string>();
  for (const o of program.options) {
    if (!(o.required || o.optional)) continue;
    if (o.long) valued.add(o.long);
    if (o.short) valued.add(o.short);
  }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') return undefined;
    if (!arg.startsWith('-') || arg === '-') return arg;
    if (valued.has(arg)) i++;
  }
  return undefined;
}

/** buildProgram: a fresh program for `argv` whose commands report through `ctx`. */
async function buildProgram(
  io: CliIo,
  ctx: CommandContext,
  argv: readonly string[],
): Promise<Command> {
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
  const named = commandNameOf(program, argv);
  const load =
    named !== undefined && Object.hasOwn(COMMANDS, named)
      ? [COMMANDS[named] as () => Promise<Register>]
      : Object.values(COMMANDS);
  for (const register of await Promise.all(load.map((l) => l()))) register(program, ctx);
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
  try {
    const program = await buildProgram(io, ctx, argv);
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

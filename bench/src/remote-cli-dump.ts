/**
 * The CLI coredump figure of the remote suite: the wall time of the built
 * `auxctl coredump` run as a process, next to a bare grpc-js client process
 * (bare-dump-client.ts) downloading the same 64 MiB dump from the same
 * auxctld over the same certificates and channel options, into a file,
 * SHA-256 checked against the trailer. Each side's time is from spawn to
 * exit, so start-up (module loading, TLS handshake) is in the figure.
 *
 * Both sides continue one stored dump from offset 0 by its id, so capture
 * time is not in the figure (as in remote-dump.ts): the CLI as
 * `auxctl coredump DEV -o FILE --resume` over an empty FILE.part whose
 * sidecar names the dump (what an interrupted pull leaves behind), the
 * bare client with the same DumpResume in its request.
 *
 * The ratio is bare time / CLI time per round (1.0: the CLI costs nothing
 * over bare), the median of interleaved rounds, with the spread reported.
 * Every process started here is waited for; one that overruns its deadline
 * is killed by its pid.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuxctlClient } from '@auxctl/client';
import type { BareDumpClientConfig } from './bare-dump-client.js';
import { median, type Row, ratioSpread, round, roundList, timeInterleaved } from './harness.js';
import { DUMP_BYTES } from './remote-dump.js';
import type { ServerProcess } from './remote-process.js';
import type { BenchState } from './remote-state.js';

const here = dirname(fileURLToPath(import.meta.url));
const bareScript = join(here, 'bare-dump-client.js');
/** The installed `auxctl` command of @auxctl/client (its bin, which loads the built CLI). */
const cliScript = join(
  dirname(createRequire(import.meta.url).resolve('@auxctl/client')),
  '..',
  'bin',
  'auxctl.js',
);
/** Chunk size both sides ask for (0: the server's default, as the CLI asks). */
const CHUNK = 0;
/** Bound on one process; an overrun fails the run instead of hanging it. */
const PROCESS_DEADLINE_MS = 120_000;

/** CliDumpTarget: where the CLI figure runs. */
export interface CliDumpTarget {
  state: BenchState;
  auxctld: ServerProcess;
  client: AuxctlClient;
  device: string;
  ms: number;
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

/** runProcess: node `args` to its exit; killed (SIGKILL, by pid) past the deadline. */
async function runProcess(args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (s: string) => {
    stdout += s;
  });
  child.stderr?.setEncoding('utf8').on('data', (s: string) => {
    stderr += s;
  });
  child.on('error', (e) => {
    stderr += String(e);
  });
  const timer = setTimeout(() => {
    if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }, PROCESS_DEADLINE_MS);
  try {
    const code = await exitOf(child);
    return { code, stdout, stderr };
  } finally {
    clearTimeout(timer);
  }
}

/** Environment of the CLI: no AUXCTL_* settings of this shell; flags say everything. */
function cliEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AUXCTL_')));
}

/** captureOnce: a fresh coredump into the store; its id. */
async function captureOnce(t: CliDumpTarget): Promise<string> {
  let dumpId = '';
  const call = t.client.ctl.coredump({ device: t.device, mode: 0, chunkSize: CHUNK });
  for await (const f of call) if (f.frame?.$case === 'header') dumpId = f.frame.header.dumpId;
  if (dumpId === '') throw new Error('coredump stream without a header');
  return dumpId;
}

/** measureCliDump: the figure of the module header; returns rows and result keys. */
export async function measureCliDump(
  t: CliDumpTarget,
): Promise<{ rows: Row[]; out: Record<string, number | string> }> {
  const dumpId = await captureOnce(t);
  const dir = join(t.state.dir, 'cli-dump');
  await mkdir(dir, { recursive: true });
  const { paths, grpcOptions } = t.state;
  const address = t.auxctld.ready.address;
  const env = cliEnv();

  const cliFile = join(dir, 'cli.core');
  const cliArgs = [
    cliScript,
    '--host',
    address,
    '--ca',
    paths.caCert,
    '--cert',
    paths.adminCert,
    '--key',
    paths.adminKey,
    '--json',
    'coredump',
    t.device,
    '-o',
    cliFile,
    '--resume',
  ];
  const sidecar = { version: 1, kind: 'coredump', dumpId, device: t.device, size: DUMP_BYTES };
  const cli = async (): Promise<string> => {
    await rm(cliFile, { force: true });
    await writeFile(`${cliFile}.part`, '');
    await writeFile(`${cliFile}.part.json`, JSON.stringify(sidecar));
    const r = await runProcess(cliArgs, env);
    if (r.code !== 0) throw new Error(`auxctl coredump exited ${r.code}: ${r.stderr}`);
    if ((await stat(cliFile)).size !== DUMP_BYTES) throw new Error('auxctl coredump: wrong size');
    return (JSON.parse(r.stdout) as { sha256: string }).sha256;
  };

  const bareFile = join(dir, 'bare.core');
  const bareCfg: BareDumpClientConfig = {
    address,
    ca: paths.caCert,
    cert: paths.adminCert,
    key: paths.adminKey,
    options: grpcOptions,
    request: { device: t.device, chunkSize: CHUNK, resume: { dumpId, offset: 0 } },
    file: bareFile,
    deadlineMs: PROCESS_DEADLINE_MS,
  };
  const bareArgs = [bareScript, JSON.stringify(bareCfg)];
  const bare = async (): Promise<string> => {
    await rm(bareFile, { force: true });
    const r = await runProcess(bareArgs, env);
    if (r.code !== 0) throw new Error(`bare dump client exited ${r.code}: ${r.stderr}`);
    const got = JSON.parse(r.stdout) as { bytes: number; sha256: string };
    if (got.bytes !== DUMP_BYTES) throw new Error(`bare dump client got ${got.bytes} bytes`);
    return got.sha256;
  };

  try {
    // Warm once each (the same dump on both sides), then interleaved rounds (6..10).
    const [a, b] = [await cli(), await bare()];
    if (a !== b) throw new Error(`auxctl saved ${a}, the bare client ${b}`);
    const repeat = Math.max(6, Math.min(10, Math.round(t.ms / 200)));
    const times = await timeInterleaved([bare, cli], repeat);
    const ratios = times.map(([b, c]) => (b as number) / (c as number));
    const side = (k: number) => median(times.map((r) => r[k] as number));
    const out = {
      cli_coredump_ms: round(side(1)),
      bare_client_coredump_ms: round(side(0)),
      cli_coredump_vs_bare_client_ratio: round(median(ratios), 3),
      cli_coredump_round_ratios: roundList(ratios),
      cli_coredump_ratio_spread: ratioSpread(ratios),
      cli_coredump_rounds: repeat,
    };
    const rows: Row[] = [
      {
        what: `auxctl coredump -o FILE, 64 MiB, process (median of ${repeat} rounds, ${out.cli_coredump_ratio_spread})`,
        value: `${out.cli_coredump_ms} ms`,
        baseline: `${out.bare_client_coredump_ms} ms bare client`,
        ratio: out.cli_coredump_vs_bare_client_ratio,
        goal: '>= 0.8',
      },
    ];
    return { rows, out };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * CliFixtures: what the `auxctl` end-to-end tests share — a real
 * AuxctlServer (mutual TLS, 127.0.0.1:0, its own temp state directory and
 * optional policy), an in-memory CliIo, and `runCli`, which runs the CLI
 * in-process against such a server through its client.json, and the path
 * of the built `auxctl` for tests that run it as a process. Each fixture's
 * close() removes everything it created.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { auxctlMain, type CliIo } from '@auxctl/client';
import { AuxctlServer, type AuxctlServerOptions, type PolicyDocument } from '@auxctl/server';

/** CLI_BIN: the installed `auxctl` command (it loads the built CLI), for tests that run it as a process. */
export const CLI_BIN = fileURLToPath(
  new URL('../../packages/client/bin/auxctl.js', import.meta.url),
);

/** RunningServer: started auxctld instance(s) sharing one state directory, and how to stop them. */
export interface RunningServer {
  /** address: the first instance; addresses: all of them. */
  address: string;
  addresses: string[];
  /** servers: the instances, in the order of `addresses` (for checks against their state). */
  servers: AuxctlServer[];
  stateDir: string;
  close(): Promise<void>;
}

/**
 * startAuxctld: `count` real servers (default 1) with `policy` (default: the
 * admin-only policy of a first start). They share one state directory — one
 * CA, one admin certificate — so one client identity reaches all of them,
 * as a fleet provisioned from one CA would be. Started one after another so
 * only the first creates the state. `extra` adds server options (e.g. the
 * device sources), or gives each its own from its index and the servers
 * started before it (e.g. a cable the first listens on and the second dials).
 */
export async function startAuxctld(
  policy?: PolicyDocument,
  count = 1,
  extra:
    | Partial<AuxctlServerOptions>
    | ((i: number, started: readonly AuxctlServer[]) => Partial<AuxctlServerOptions>) = {},
): Promise<RunningServer> {
  const dir = await mkdtemp(join(tmpdir(), 'auxctl-cli-e2e-'));
  const stateDir = join(dir, 'state');
  let policyPath: string | undefined;
  if (policy) {
    policyPath = join(dir, 'policy.json');
    await writeFile(policyPath, JSON.stringify(policy));
  }
  const servers: AuxctlServer[] = [];
  const addresses: string[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(servers.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < count; i++) {
      const server = new AuxctlServer({
        stateDir,
        listen: '127.0.0.1:0',
        health: { poll: false },
        drainTimeoutMs: 1000,
        ...(typeof extra === 'function' ? extra(i, servers) : extra),
        ...(policyPath && { policyPath }),
      });
      servers.push(server);
      addresses.push(await server.start());
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { address: addresses[0] as string, addresses, servers, stateDir, close };
}

/** MemoryIo: a CliIo collecting output. */
export interface MemoryIo extends CliIo {
  out: string;
  err: string;
}

/** memoryIo: a non-terminal io; `onOut` sees each stdout write (e.g. to stop a watch). */
export function memoryIo(
  env: Record<string, string>,
  signal?: AbortSignal,
  onOut?: (text: string) => void,
): MemoryIo {
  const io: MemoryIo = {
    out: '',
    err: '',
    stdout: (s) => {
      io.out += s;
      onOut?.(io.out);
    },
    stderr: (s) => {
      io.err += s;
    },
    env,
    isTTY: false,
    ...(signal && { signal }),
  };
  return io;
}

/** CliRun: how one in-process `auxctl` invocation ended. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * runCli: `auxctl --host <s> ...argv` in-process, with the certificates
 * from the server's client.json; `io` defaults to a fresh memory io.
 */
export async function runCli(
  s: RunningServer,
  argv: string[],
  io: MemoryIo = memoryIo({ AUXCTL_STATE_DIR: s.stateDir }),
): Promise<CliRun> {
  const code = await auxctlMain(['--host', s.address, ...argv], io);
  return { code, out: io.out, err: io.err };
}

/** NOP_INBOX: a NOP command's inbox as `auxctl rpc --in` takes it. */
export const NOP_INBOX = '080d0000000000000000000000000000';

/** nopRpc: the argv of `auxctl rpc DEV --scope SCOPE` with a NOP (16-byte outbox), then `extra`. */
export function nopRpc(device: string, scope: string, ...extra: string[]): string[] {
  return ['rpc', device, '--scope', scope, '--in', NOP_INBOX, '--out-len', '16', ...extra];
}

/** until: poll `cond` every 10 ms until it holds; throws after `ms` (default 15 s). */
export async function until(
  cond: () => Promise<boolean> | boolean,
  what: string,
  ms = 15_000,
): Promise<void> {
  const end = Date.now() + ms;
  for (let i = 0; i < 100_000; i++) {
    if (await cond()) return;
    if (Date.now() > end) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

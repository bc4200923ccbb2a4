/**
 * HostRunner: run one command body against one auxctld or, with
 * `--hosts` / `--hosts-file`, against many with bounded concurrency, and
 * turn the outcome into output and an exit code.
 *
 * One host: the body's text (or JSON) goes to stdout, an error to stderr,
 * and the exit code says what failed (exit-codes.ts). Many hosts: each
 * host's text under a `== host ==` line, then a summary table (host, ok,
 * error); with --json one object `{ hosts: [{ host, ok, result | error }] }`.
 * Any failed host makes the exit code PARTIAL.
 *
 * Owns connecting (settings from flags > env > client.json; a failure to
 * connect is CONNECTION), closing each client, and the usage error of a
 * one-host command given --hosts (`requireOneHost`). It must never let one
 * host's failure stop the others, nor open more than `concurrency` clients.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { AuxctlClient } from '../auxctl-client.js';
import type { ConnectionOptions } from '../connection.js';
import { DEFAULT_FAN_OUT_CONCURRENCY, fanOut } from '../fan-out.js';
import { parseHostsFile } from './cli-args.js';
import type { CliIo } from './cli-io.js';
import {
  CliError,
  ExitCode,
  type ExitCodeValue,
  errorCodeOf,
  errorMessageOf,
  exitCodeOf,
  usageError,
} from './exit-codes.js';
import { formatTable } from './text-table.js';

/** GlobalOptions: the program-level flags every command sees (connection flags plus output and fan-out). */
export interface GlobalOptions extends Omit<ConnectionOptions, 'serverName'> {
  json?: boolean;
  hosts?: string[];
  hostsFile?: string;
  concurrency?: number;
}

/** HostTarget: where a body runs; `host` is undefined when the address comes from env/client.json. */
export interface HostTarget {
  host: string | undefined;
  /** fanOut: true when the command runs on several hosts (no progress bars, per-host paths). */
  fanOut: boolean;
}

/** HostOutput: what a body produced: a value for --json and the same for people. */
export interface HostOutput {
  json: unknown;
  text: string;
}

/** HostBody: the command's work on one connected client. */
export type HostBody = (client: AuxctlClient, target: HostTarget) => Promise<HostOutput>;

/** connectionOptionsOf: the connection flags of `g`, with `host` replaced for fan-out. */
export function connectionOptionsOf(g: GlobalOptions, host?: string): ConnectionOptions {
  const o: ConnectionOptions = {};
  const h = host ?? g.host;
  if (h !== undefined) o.host = h;
  if (g.ca !== undefined) o.ca = g.ca;
  if (g.cert !== undefined) o.cert = g.cert;
  if (g.key !== undefined) o.key = g.key;
  if (g.token !== undefined) o.token = g.token;
  if (g.config !== undefined) o.config = g.config;
  if (g.insecure) o.insecure = true;
  return o;
}

/** fanOutHosts: the hosts of --hosts and --hosts-file (in that order), or undefined for one host. */
export async function fanOutHosts(g: GlobalOptions): Promise<string[] | undefined> {
  if (g.hosts === undefined && g.hostsFile === undefined) return undefined;
  if (g.host !== undefined) throw usageError('--host cannot be combined with --hosts/--hosts-file');
  const hosts = [...(g.hosts ?? [])];
  if (g.hostsFile !== undefined) {
    let text: string;
    try {
      text = await readFile(g.hostsFile, 'utf8');
    } catch (e) {
      throw usageError(`cannot read the hosts file: ${errorMessageOf(e)}`);
    }
    try {
      hosts.push(...parseHostsFile(text));
    } catch (e) {
      throw usageError(errorMessageOf(e));
    }
  }
  const unique = [...new Set(hosts)];
  if (unique.length === 0) throw usageError('no hosts given: --hosts/--hosts-file list none');
  return unique;
}

/** requireOneHost: a usage error when `command`, which runs on one host, is given --hosts/--hosts-file. */
export function requireOneHost(g: GlobalOptions, command: string): void {
  if (g.hosts !== undefined || g.hostsFile !== undefined) {
    throw usageError(`${command} runs on one host; drop --hosts/--hosts-file`);
  }
}

/** connect: a client for `host` (or the default address); any failure is CONNECTION. */
export async function connect(io: CliIo, g: GlobalOptions, host?: string): Promise<AuxctlClient> {
  try {
    return await AuxctlClient.connect(connectionOptionsOf(g, host), {}, io.env);
  } catch (e) {
    throw new CliError(ExitCode.CONNECTION, errorCodeOf(e), errorMessageOf(e), e);
  }
}

async function runOn(io: CliIo, g: GlobalOptions, body: HostBody, target: HostTarget) {
  const client = await connect(io, g, target.host);
  try {
    return await body(client, target);
  } finally {
    client.close();
  }
}

/**
 * reportError: one stderr line for a person or, with --json (`json`), one
 * `{"error": {code, exitCode, message}}` line on stdout; returns the exit code.
 */
export function reportError(
  io: CliIo,
  error: unknown,
  json = false,
  command?: Command,
): ExitCodeValue {
  if (json) io.stdout(`${JSON.stringify({ error: errorJson(error) })}\n`);
  else io.stderr(`${commandLabel(command)}: ${errorMessageOf(error)}\n`);
  return exitCodeOf(error);
}

/** commandLabel: `auxctl` and the user's (sub)command path, e.g. `auxctl sf add`. */
export function commandLabel(command?: Command): string {
  const names: string[] = [];
  for (let c = command; c?.parent; c = c.parent) names.unshift(c.name());
  return ['auxctl', ...names].join(' ');
}

/** errorJson: the JSON shape of a failure. */
export function errorJson(error: unknown) {
  return { code: errorCodeOf(error), exitCode: exitCodeOf(error), message: errorMessageOf(error) };
}

/** runOnHosts: run `body` on the target host(s); resolves with the exit code (never rejects). */
export async function runOnHosts(
  io: CliIo,
  g: GlobalOptions,
  body: HostBody,
  command?: Command,
): Promise<number> {
  let hosts: string[] | undefined;
  try {
    hosts = await fanOutHosts(g);
    if (hosts === undefined) {
      const out = await runOn(io, g, body, { host: undefined, fanOut: false });
      io.stdout(g.json ? `${JSON.stringify(out.json)}\n` : out.text);
      return ExitCode.OK;
    }
  } catch (e) {
    return reportError(io, e, g.json === true, command);
  }
  const results = await fanOut(hosts, (host) => runOn(io, g, body, { host, fanOut: true }), {
    concurrency: g.concurrency ?? DEFAULT_FAN_OUT_CONCURRENCY,
  });
  if (g.json) {
    const entries = results.map((r) =>
      r.ok
        ? { host: r.host, ok: true, result: r.value.json }
        : { host: r.host, ok: false, error: errorJson(r.error) },
    );
    io.stdout(`${JSON.stringify({ hosts: entries })}\n`);
  } else {
    for (const r of results) {
      io.stdout(`== ${r.host} ==\n${r.ok ? r.value.text : `error: ${errorMessageOf(r.error)}\n`}`);
    }
    const rows = results.map((r) => [
      r.host,
      r.ok ? 'yes' : 'no',
      r.ok ? '-' : `${errorCodeOf(r.error)} (exit ${exitCodeOf(r.error)})`,
    ]);
    io.stdout(`\n${formatTable(['HOST', 'OK', 'ERROR'], rows)}`);
  }
  return results.every((r) => r.ok) ? ExitCode.OK : ExitCode.PARTIAL;
}

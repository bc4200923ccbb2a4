/**
 * Start banner: what auxctld tells a person at a terminal once it listens —
 * where, with which state and policy, where the audit goes, and the exact
 * command that talks to it.
 *
 * Owns the connect command. It names the project's own `auxctl` by its
 * absolute path (`node /…/packages/client/bin/auxctl.js`), never `npx auxctl`,
 * which outside the checkout would fetch an unrelated registry package.
 * Never: a key, a token or a secret in what it prints.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** shellWord: `s` as one POSIX shell word (quoted only when it needs to be). */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replaceAll("'", "'\\''")}'`;
}

/**
 * auxctlCommand: how to run this installation's `auxctl`: `node <abs>/bin/auxctl.js`
 * when @auxctl/client sits beside the server (a checkout or an install of both),
 * else `auxctl` (then it must be on PATH).
 */
export function auxctlCommand(): string {
  try {
    // The package entry is dist/index.js or src/index.ts; bin/ sits at the package root.
    const root = dirname(dirname(fileURLToPath(import.meta.resolve('@auxctl/client'))));
    const bin = join(root, 'bin', 'auxctl.js');
    if (existsSync(bin)) return `node ${shellWord(bin)}`;
  } catch {
    // Not installed next to the server.
  }
  return 'auxctl';
}

/** ConnectFacts: what the connect command needs. */
export interface ConnectFacts {
  readonly address: string;
  readonly stateDir: string;
  readonly insecure: boolean;
  /** The command that runs auxctl (default: auxctlCommand()). */
  readonly auxctl?: string;
}

/** connectCommand: the command line that lists the devices of this server. */
export function connectCommand(f: ConnectFacts): string {
  const auxctl = f.auxctl ?? auxctlCommand();
  return f.insecure
    ? `${auxctl} --insecure --host ${f.address} devices`
    : `AUXCTL_STATE_DIR=${shellWord(f.stateDir)} ${auxctl} --host ${f.address} devices`;
}

/** BannerFacts: what the banner shows. */
export interface BannerFacts extends ConnectFacts {
  readonly policy: string;
  readonly clientConfig: string;
  readonly firstStart: boolean;
  readonly audit: string;
  readonly metrics?: string;
}

/** startBanner: the multi-line text printed on a terminal after the server started. */
export function startBanner(f: BannerFacts): string {
  const rows: [string, string][] = [
    ['listening', `${f.address} (${f.insecure ? 'plaintext, loopback only' : 'mutual TLS'})`],
    ['state', `${f.stateDir}${f.firstStart ? ' (created: CA, certificates, client.json)' : ''}`],
    ['policy', f.policy],
    ['audit', f.audit],
  ];
  if (f.metrics) rows.push(['metrics', `http://${f.metrics}/metrics`]);
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);
  return [
    'auxctld is running',
    ...lines,
    '',
    'Connect with:',
    `  ${connectCommand(f)}`,
    '',
    'Ctrl-C drains and stops it.',
    '',
  ].join('\n');
}

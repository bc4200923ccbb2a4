/**
 * StateDir: auxctld's state directory (local CA, server and admin
 * credentials, the CLI's client.json).
 *
 * Owns first-start creation and every later check: reuse what is present and
 * valid, re-issue a leaf certificate (server or admin) that is missing,
 * unreadable, not from this CA, expired or near expiry, or lacks a requested
 * name. It must never replace an existing CA (a new CA invalidates every
 * certificate it issued, so only the operator may decide that) and never
 * write anything but through atomic writes with private modes.
 *
 * Files: ca.pem, ca.key (0600), server.pem, server.key (0600), admin.pem,
 * admin.key (0600), client.json; the directory is 0700. Keys are written
 * before their certificates so that a crash leaves at worst a mismatched
 * pair, which the next start detects and re-issues. ca.pem is written last of
 * the CA pair: its presence is what "a CA exists" means.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { type Logger, silentLogger } from '@auxctl/core';
import { AuxError, isAuxError } from '@auxctl/prm';
import {
  CertAuthority,
  checkClientUri,
  checkCommonName,
  serverSubjectAltNames,
} from './cert-authority.js';
import { CLIENT_CONFIG_VERSION, type ClientConfig, parseClientConfig } from './client-config.js';
import { ensureLeaf, type LeafOutcome, missingServerName } from './leaf-certificate.js';
import { parseListenAddress } from './listen-address.js';
import { firstUriSan } from './principal.js';
import { ensureMode, ensurePrivateDir, readIfPresent, writeAtomic } from './state-files.js';

const DAY_MS = 86_400_000;
/** Certificates start a little in the past so a client whose clock lags still accepts them. */
const BACKDATE_MS = 5 * 60_000;

/** StateFile: the files of a state directory. */
export type StateFile =
  | 'ca.pem'
  | 'ca.key'
  | 'server.pem'
  | 'server.key'
  | 'admin.pem'
  | 'admin.key'
  | 'client.json';

/** StatePaths: absolute paths of the state files. */
export interface StatePaths {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  adminCert: string;
  adminKey: string;
  clientConfig: string;
}

/** EnsureStateOptions: what the state must provide. Every field has a default. */
export interface EnsureStateOptions {
  /** clientAddress: the address client.json points the CLI at (default 127.0.0.1:9339, auxctld's default listen address). */
  clientAddress?: string;
  /** serverNames: DNS names / IPs the server certificate must carry besides localhost, 127.0.0.1, ::1. */
  serverNames?: readonly string[];
  /** renewWithinDays: re-issue a leaf certificate this close to expiry (default 30). */
  renewWithinDays?: number;
  /** caValidityDays: lifetime of a new CA (default 3650). */
  caValidityDays?: number;
  /** leafValidityDays: lifetime of new server and admin certificates (default 365). */
  leafValidityDays?: number;
  /** adminPrincipal: URI SAN of the admin certificate (default spiffe://auxctl/admin). */
  adminPrincipal?: string;
  /** adminCommonName: CN of the admin certificate (default admin). */
  adminCommonName?: string;
  now?: () => Date;
  logger?: Logger;
}

/** Reissue: a leaf certificate replaced, and why. */
export interface Reissue {
  file: 'server.pem' | 'admin.pem';
  reason: string;
}

/** StateReport: what ensureState found and did (for the first-start message and logs). */
export interface StateReport {
  paths: StatePaths;
  /** firstStart: true when the CA was created by this call. */
  firstStart: boolean;
  created: StateFile[];
  reused: StateFile[];
  reissued: Reissue[];
  clientConfig: ClientConfig;
  caNotAfter: Date;
  serverNotAfter: Date;
  adminNotAfter: Date;
}

/** DEFAULT_CLIENT_ADDRESS: where client.json points when not told otherwise. */
export const DEFAULT_CLIENT_ADDRESS = '127.0.0.1:9339';
/** DEFAULT_ADMIN_PRINCIPAL: the URI SAN of the admin client certificate. */
export const DEFAULT_ADMIN_PRINCIPAL = 'spiffe://auxctl/admin';

/**
 * defaultStateDir: $AUXCTL_STATE_DIR, else $XDG_STATE_HOME/auxctl, else
 * ~/.local/state/auxctl. The CLI looks for client.json in the same place.
 */
export function defaultStateDir(env: NodeJS.ProcessEnv = process.env, home = homedir()): string {
  if (env.AUXCTL_STATE_DIR) return resolve(env.AUXCTL_STATE_DIR);
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), 'auxctl');
  return join(home, '.local', 'state', 'auxctl');
}

/** statePaths: the file paths of state directory `dir`. */
export function statePaths(dir: string): StatePaths {
  const d = resolve(dir);
  return {
    dir: d,
    caCert: join(d, 'ca.pem'),
    caKey: join(d, 'ca.key'),
    serverCert: join(d, 'server.pem'),
    serverKey: join(d, 'server.key'),
    adminCert: join(d, 'admin.pem'),
    adminKey: join(d, 'admin.key'),
    clientConfig: join(d, 'client.json'),
  };
}

/**
 * ensureState: create or check the state directory `dir` (see the module
 * header). Idempotent. Throws AuxError: EPERM (not ours / not accessible),
 * ENOENT (ca.key missing next to ca.pem), EINVAL (corrupt or expired CA, bad
 * client.json, bad option), each saying what to do.
 */
export async function ensureState(
  dir: string,
  opts: EnsureStateOptions = {},
): Promise<StateReport> {
  const log = opts.logger ?? silentLogger;
  const now = (opts.now ?? (() => new Date()))();
  const paths = statePaths(dir);
  const renewMs = (opts.renewWithinDays ?? 30) * DAY_MS;
  const leafMs = (opts.leafValidityDays ?? 365) * DAY_MS;
  if (!(renewMs >= 0) || !(leafMs > renewMs)) {
    throw new AuxError('EINVAL', 'state: leafValidityDays must exceed renewWithinDays (both >= 0)');
  }
  if (!((opts.caValidityDays ?? 3650) > 0)) {
    throw new AuxError('EINVAL', 'state: caValidityDays must be positive');
  }
  // Check every input before touching the disk: bad input leaves no state behind.
  const clientAddress = opts.clientAddress ?? DEFAULT_CLIENT_ADDRESS;
  parseListenAddress(clientAddress);
  const serverNames = serverSubjectAltNames(opts.serverNames ?? []);
  const adminPrincipal = checkClientUri(opts.adminPrincipal ?? DEFAULT_ADMIN_PRINCIPAL);
  const adminCommonName = checkCommonName(opts.adminCommonName ?? 'admin');
  await ensurePrivateDir(paths.dir, log);
  const report: Omit<
    StateReport,
    'clientConfig' | 'caNotAfter' | 'serverNotAfter' | 'adminNotAfter'
  > = {
    paths,
    firstStart: false,
    created: [],
    reused: [],
    reissued: [],
  };

  const ca = await loadOrCreateCa(paths, opts, now, report, log);
  // A leaf never outlives its CA: a chain is only as valid as its shortest link.
  const window = {
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(Math.min(now.getTime() + leafMs, ca.notAfter.getTime())),
  };
  if (ca.notAfter.getTime() - now.getTime() <= renewMs) {
    log.warn(
      { dir: paths.dir, caNotAfter: ca.notAfter.toISOString() },
      'local CA expires soon; move the state directory aside before then and hand out new client credentials',
    );
  }

  const server = record(
    report,
    await ensureLeaf({
      ca,
      files: {
        cert: paths.serverCert,
        key: paths.serverKey,
        certName: 'server.pem',
        keyName: 'server.key',
      },
      lacks: (cert) => missingServerName(cert, serverNames),
      issue: () => ca.issueServer({ ...window, names: opts.serverNames ?? [] }),
      now,
      renewMs,
      log,
    }),
  );
  const admin = record(
    report,
    await ensureLeaf({
      ca,
      files: {
        cert: paths.adminCert,
        key: paths.adminKey,
        certName: 'admin.pem',
        keyName: 'admin.key',
      },
      lacks: (cert) =>
        firstUriSan(cert.subjectAltName) === adminPrincipal
          ? undefined
          : `principal is not ${adminPrincipal}`,
      issue: () => ca.issueClient({ ...window, commonName: adminCommonName, uri: adminPrincipal }),
      now,
      renewMs,
      log,
    }),
  );

  const clientConfig = await ensureClientConfig(paths, clientAddress, adminPrincipal, report);
  return {
    ...report,
    clientConfig,
    caNotAfter: ca.notAfter,
    serverNotAfter: server,
    adminNotAfter: admin,
  };
}

type Progress = Pick<StateReport, 'firstStart' | 'created' | 'reused' | 'reissued'>;

/** record: note a leaf outcome in the report; resolves the leaf's notAfter. */
function record(report: Progress, leaf: LeafOutcome): Date {
  const { certName, keyName } = leaf;
  if (leaf.outcome === 'reused') report.reused.push(keyName, certName);
  else if (leaf.outcome === 'created') report.created.push(keyName, certName);
  else report.reissued.push({ file: certName, reason: leaf.reason ?? 'unknown' });
  return leaf.notAfter;
}

async function loadOrCreateCa(
  paths: StatePaths,
  opts: EnsureStateOptions,
  now: Date,
  report: Progress,
  log: Logger,
): Promise<CertAuthority> {
  const moveAside = `move ${paths.dir} aside to start with a new CA (every client must then get new credentials)`;
  const certPem = await readIfPresent(paths.caCert);
  if (certPem === undefined) {
    const ca = await CertAuthority.create({
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + (opts.caValidityDays ?? 3650) * DAY_MS),
    });
    await writeAtomic(paths.caKey, ca.keyPem, 0o600);
    await writeAtomic(paths.caCert, ca.certPem, 0o644);
    report.firstStart = true;
    report.created.push('ca.key', 'ca.pem');
    log.info({ dir: paths.dir, notAfter: ca.notAfter.toISOString() }, 'created local CA');
    return ca;
  }
  const keyPem = await readIfPresent(paths.caKey);
  if (keyPem === undefined) {
    throw new AuxError(
      'ENOENT',
      `state directory ${paths.dir}: ca.pem exists but ca.key is missing; restore ca.key from a backup, or ${moveAside}`,
    );
  }
  let ca: CertAuthority;
  try {
    ca = await CertAuthority.fromPem(certPem.toString('utf8'), keyPem.toString('utf8'));
  } catch (e) {
    const why = isAuxError(e) ? e.message : 'unreadable';
    throw new AuxError(
      'EINVAL',
      `state directory ${paths.dir}: the CA is corrupt (${why}); restore ca.pem and ca.key from a backup, or ${moveAside}`,
      { path: paths.caCert },
      { cause: e },
    );
  }
  if (ca.notAfter.getTime() <= now.getTime() || ca.notBefore.getTime() > now.getTime()) {
    throw new AuxError(
      'EINVAL',
      `state directory ${paths.dir}: the CA is not valid now (valid ${ca.notBefore.toISOString()} to ${ca.notAfter.toISOString()}); check the clock, or ${moveAside}`,
    );
  }
  await ensureMode(paths.caKey, 0o600, log);
  report.reused.push('ca.key', 'ca.pem');
  return ca;
}

/**
 * recordClientAddress: point client.json at `address`, where auxctld is
 * bound now, when the file names another one (a `--listen` with port 0, a
 * changed port). Every other field is kept as the file has it. Resolves
 * whether the file changed; EINVAL when the file is not a valid client.json
 * (the same message ensureState gives).
 */
export async function recordClientAddress(paths: StatePaths, address: string): Promise<boolean> {
  parseListenAddress(address);
  const found = await readClientJson(paths);
  if (found === undefined || found.config.address === address) return false;
  const updated = { ...(found.raw as Record<string, unknown>), address };
  await writeAtomic(paths.clientConfig, `${JSON.stringify(updated, null, 2)}\n`, 0o600);
  return true;
}

/** readClientJson: client.json as written and as validated, or undefined when absent. */
async function readClientJson(
  paths: StatePaths,
): Promise<{ raw: unknown; config: ClientConfig } | undefined> {
  const text = await readIfPresent(paths.clientConfig);
  if (text === undefined) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(text.toString('utf8'));
  } catch (e) {
    throw new AuxError(
      'EINVAL',
      `${paths.clientConfig}: not valid JSON; fix it or delete it to regenerate`,
      undefined,
      { cause: e },
    );
  }
  return { raw, config: parseClientConfig(raw, paths.dir, paths.clientConfig) };
}

async function ensureClientConfig(
  paths: StatePaths,
  address: string,
  principal: string,
  report: Progress,
): Promise<ClientConfig> {
  const found = await readClientJson(paths);
  if (found !== undefined) {
    report.reused.push('client.json');
    return found.config;
  }
  const config: ClientConfig = {
    version: CLIENT_CONFIG_VERSION,
    address,
    ca: paths.caCert,
    cert: paths.adminCert,
    key: paths.adminKey,
    principal,
  };
  await writeAtomic(paths.clientConfig, `${JSON.stringify(config, null, 2)}\n`, 0o600);
  report.created.push('client.json');
  return config;
}

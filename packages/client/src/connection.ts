/**
 * Connection: where auxctld is and how to prove who we are, from three
 * layers in order of precedence: explicit options, the environment
 * (AUXCTL_HOST, AUXCTL_CA, AUXCTL_CERT, AUXCTL_KEY, AUXCTL_TOKEN,
 * AUXCTL_CONFIG) and the client.json auxctld writes.
 *
 * Rules that keep layers from mixing into something nobody asked for:
 * - the certificate and key are one pair, taken from the highest layer that
 *   names either (a layer naming only one is an error);
 * - the file's `serverName` applies only when the address came from the file;
 * - the file named by an option or AUXCTL_CONFIG must exist; the default
 *   file may be absent when the other layers say enough.
 *
 * Owns the resolution (pure, see resolveConnectionSettings) and building
 * grpc-js channel credentials from it. It must never weaken verification of
 * the server certificate, and never send a bearer token over plaintext.
 */

import { readFile } from 'node:fs/promises';
import type { ClientConfig } from '@auxctl/proto/client-config';
import { type ChannelCredentials, type ChannelOptions, credentials, Metadata } from '@grpc/grpc-js';
import { AuxctlError } from './auxctl-error.js';
import { defaultClientConfigPath, type Env, readClientConfig } from './client-config.js';
import type { TransportFacts } from './transport-failure.js';

/** DEFAULT_PORT: auxctld's port when an address names only a host. */
export const DEFAULT_PORT = 9339;

/** ConnectionOptions: explicit settings; each one beats the environment and client.json. */
export interface ConnectionOptions {
  /** host: `host`, `host:port`, `[v6]:port` or a bare IPv6 address. */
  host?: string;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  /** config: path of a client.json to use instead of the default one. */
  config?: string;
  /** serverName: name to verify the server certificate against. */
  serverName?: string;
  /** insecure: plaintext (auxctld allows it on loopback only); no CA, no token. */
  insecure?: boolean;
}

/** Source: which layer a setting came from. */
export type Source = 'option' | 'env' | 'file';

/** ConnectionSettings: the resolved settings, with absolute file paths. */
export interface ConnectionSettings {
  address: string;
  addressFrom: Source;
  insecure: boolean;
  ca?: string;
  cert?: string;
  key?: string;
  token?: string;
  serverName?: string;
}

/** ResolveInput: the three layers, already read. */
export interface ResolveInput {
  options: ConnectionOptions;
  env: Env;
  file: ClientConfig | undefined;
  /** configPath: where the file was looked for (for messages). */
  configPath: string;
}

/**
 * normalizeAddress: append DEFAULT_PORT when `host` has no port; bracket a
 * bare IPv6 address. Throws EINVAL for an empty host or a bad port.
 */
export function normalizeAddress(host: string): string {
  const h = host.trim();
  const bad = (): never => {
    throw new AuxctlError(
      'EINVAL',
      `bad auxctld address "${host}"; use host, host:port or [v6]:port`,
    );
  };
  if (h.length === 0 || /\s/.test(h)) bad();
  const checkPort = (p: string): void => {
    const n = Number(p);
    if (!/^\d{1,5}$/.test(p) || n < 1 || n > 65535) bad();
  };
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    if (end < 2) bad();
    const rest = h.slice(end + 1);
    if (rest === '') return `${h}:${DEFAULT_PORT}`;
    if (!rest.startsWith(':')) bad();
    checkPort(rest.slice(1));
    return h;
  }
  const colons = h.split(':').length - 1;
  if (colons === 0) return `${h}:${DEFAULT_PORT}`;
  if (colons > 1) return `[${h}]:${DEFAULT_PORT}`;
  const [name = '', port = ''] = h.split(':');
  if (name === '') bad();
  checkPort(port);
  return h;
}

const set = (s: string | undefined): s is string => s !== undefined && s !== '';

/**
 * resolveConnectionSettings: merge the layers (see the module comment).
 * Throws AuxctlError ENOENT naming the missing piece and every way to give
 * it, or EINVAL for contradictory settings.
 */
export function resolveConnectionSettings(input: ResolveInput): ConnectionSettings {
  const { options: o, env, file, configPath } = input;
  const fileNote = file === undefined ? `(${configPath} does not exist)` : `(${configPath})`;
  let address: string;
  let addressFrom: Source;
  if (set(o.host)) [address, addressFrom] = [o.host, 'option'];
  else if (set(env.AUXCTL_HOST)) [address, addressFrom] = [env.AUXCTL_HOST, 'env'];
  else if (file !== undefined) [address, addressFrom] = [file.address, 'file'];
  else {
    throw new AuxctlError(
      'ENOENT',
      `no auxctld address: pass a host, set AUXCTL_HOST, or point AUXCTL_CONFIG at a client.json ${fileNote}; auxctld writes one on first start`,
    );
  }
  const settings: ConnectionSettings = {
    address: normalizeAddress(address),
    addressFrom,
    insecure: o.insecure === true,
  };
  const token = set(o.token) ? o.token : set(env.AUXCTL_TOKEN) ? env.AUXCTL_TOKEN : undefined;
  if (settings.insecure) {
    if (token !== undefined) {
      throw new AuxctlError(
        'EINVAL',
        'a bearer token is never sent over plaintext; drop insecure or the token',
      );
    }
    return settings;
  }
  const ca = set(o.ca) ? o.ca : set(env.AUXCTL_CA) ? env.AUXCTL_CA : file?.ca;
  if (ca === undefined) {
    throw new AuxctlError(
      'ENOENT',
      `no CA certificate to verify auxctld with: pass a CA file, set AUXCTL_CA, or use a client.json ${fileNote}`,
    );
  }
  settings.ca = ca;
  const pairs: [Source, string | undefined, string | undefined][] = [
    ['option', o.cert, o.key],
    ['env', env.AUXCTL_CERT, env.AUXCTL_KEY],
    ['file', file?.cert, file?.key],
  ];
  const pair = pairs.find(([, c, k]) => set(c) || set(k));
  if (pair !== undefined) {
    const [from, cert, key] = pair;
    const where =
      from === 'env'
        ? 'AUXCTL_CERT and AUXCTL_KEY'
        : from === 'option'
          ? 'cert and key options'
          : configPath;
    if (!set(cert))
      throw new AuxctlError('ENOENT', `a client key without its certificate: set both ${where}`);
    if (!set(key))
      throw new AuxctlError('ENOENT', `a client certificate without its key: set both ${where}`);
    settings.cert = cert;
    settings.key = key;
  }
  if (token !== undefined) settings.token = token;
  if (settings.cert === undefined && token === undefined) {
    throw new AuxctlError(
      'ENOENT',
      `no client credentials: give a client certificate and key (options, AUXCTL_CERT/AUXCTL_KEY or client.json ${fileNote}) or a bearer token (AUXCTL_TOKEN)`,
    );
  }
  const serverName = set(o.serverName)
    ? o.serverName
    : addressFrom === 'file'
      ? file?.serverName
      : undefined;
  if (serverName !== undefined) settings.serverName = serverName;
  return settings;
}

/**
 * loadConnectionSettings: read client.json (from `options.config`, else
 * AUXCTL_CONFIG, else the default location) and resolve. A file named
 * explicitly must exist (ENOENT otherwise).
 */
export async function loadConnectionSettings(
  options: ConnectionOptions = {},
  env: Env = process.env,
): Promise<ConnectionSettings> {
  const named = set(options.config)
    ? options.config
    : set(env.AUXCTL_CONFIG)
      ? env.AUXCTL_CONFIG
      : undefined;
  const configPath = named ?? defaultClientConfigPath(env);
  const file = await readClientConfig(configPath);
  if (file === undefined && named !== undefined) {
    throw new AuxctlError(
      'ENOENT',
      `client config ${named} does not exist; check the path (from ${set(options.config) ? 'the config option' : 'AUXCTL_CONFIG'})`,
    );
  }
  return resolveConnectionSettings({ options, env, file, configPath });
}

/**
 * CHANNEL_OPTIONS: the transport settings of every auxctl channel.
 *
 * The HTTP/2 receive window is 1 MiB instead of grpc-js' 64 KiB: a dump
 * download is a server stream of frames of up to 1 MiB, and with 64 KiB the
 * server stops several times per frame to wait for a WINDOW_UPDATE, which on
 * loopback cut throughput to about a third (a window of 4 or 8 MiB was no
 * faster than 1 MiB for 1 MiB frames). The window bounds what the server may
 * send ahead, so it is also the most a slow client is asked to hold.
 */
export const CHANNEL_OPTIONS: Readonly<ChannelOptions> = {
  'grpc-node.flow_control_window': 1024 * 1024,
};

/** ChannelTarget: what a grpc-js client constructor needs. */
export interface ChannelTarget {
  address: string;
  credentials: ChannelCredentials;
  options: ChannelOptions;
  /** transport: how it connects, for explaining connection failures. */
  transport?: TransportFacts;
}

async function readPem(path: string, what: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    throw new AuxctlError(
      code,
      `cannot read the ${what} ${path}; check the path and its permissions`,
      { cause: e },
    );
  }
}

/**
 * channelTarget: TLS channel credentials (with the client certificate when
 * there is one, and the bearer token as call credentials on every call), or
 * plaintext when `insecure`. Throws naming a PEM file that cannot be read.
 */
export async function channelTarget(settings: ConnectionSettings): Promise<ChannelTarget> {
  const options: ChannelOptions = { ...CHANNEL_OPTIONS };
  if (settings.insecure) {
    return {
      address: settings.address,
      credentials: credentials.createInsecure(),
      options,
      transport: { address: settings.address, insecure: true },
    };
  }
  if (settings.ca === undefined) {
    throw new AuxctlError(
      'ENOENT',
      'no CA certificate to verify auxctld with; set one or ask for insecure explicitly',
    );
  }
  const ca = await readPem(settings.ca, 'CA certificate');
  let creds =
    settings.cert !== undefined && settings.key !== undefined
      ? credentials.createSsl(
          ca,
          await readPem(settings.key, 'client key'),
          await readPem(settings.cert, 'client certificate'),
        )
      : credentials.createSsl(ca);
  const token = settings.token;
  if (token !== undefined) {
    const bearer = credentials.createFromMetadataGenerator((_params, callback) => {
      const md = new Metadata();
      md.set('authorization', `Bearer ${token}`);
      callback(null, md);
    });
    creds = credentials.combineChannelCredentials(creds, bearer);
  }
  if (settings.serverName !== undefined) {
    options['grpc.ssl_target_name_override'] = settings.serverName;
    options['grpc.default_authority'] = settings.serverName;
  }
  return {
    address: settings.address,
    credentials: creds,
    options,
    transport: { address: settings.address, insecure: false, ca: settings.ca },
  };
}

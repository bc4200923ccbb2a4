/**
 * ClientConfig: `client.json`, the connection file auxctld writes on first
 * start and the client reads by default. It is part of the contract between
 * server and client, like the .proto files, so it is defined once, here:
 * `{ version: 1, address, ca, cert?, key?, principal?, serverName? }`.
 *
 * Paths are relative to the file's directory (a state directory can move as
 * a whole). Unknown fields are ignored, so a newer server may add some.
 *
 * Owns the shape and its validation. Never: reads the files it names, or
 * decides precedence against other settings.
 */
import { isAbsolute, resolve } from 'node:path';

/** CLIENT_CONFIG_VERSION: the only client.json version understood. */
export const CLIENT_CONFIG_VERSION = 1;

/** ClientConfig: a validated client.json with absolute paths. */
export interface ClientConfig {
  version: typeof CLIENT_CONFIG_VERSION;
  /** address: `host:port` of auxctld, e.g. `127.0.0.1:9339` or `[::1]:9339`. */
  address: string;
  /** ca: the CA certificate that signs the server's certificate. */
  ca: string;
  /** cert / key: the client certificate and key for mutual TLS; both or neither. */
  cert?: string;
  key?: string;
  /** principal: the identity the certificate carries (display only). */
  principal?: string;
  /** serverName: the name to verify the server certificate against, when not the address host. */
  serverName?: string;
}

/** ClientConfigError: why a client.json is not valid (`origin: what`); code EINVAL. */
export class ClientConfigError extends Error {
  override readonly name = 'ClientConfigError';
  readonly code = 'EINVAL';
}

/**
 * parseClientConfig: validate a parsed client.json and resolve its paths
 * against `baseDir`. Throws ClientConfigError naming `origin` and the first
 * bad field.
 */
export function parseClientConfig(
  value: unknown,
  baseDir: string,
  origin = 'client.json',
): ClientConfig {
  const bad = (what: string): never => {
    throw new ClientConfigError(`${origin}: ${what}`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad('not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.version !== CLIENT_CONFIG_VERSION) bad(`"version" must be ${CLIENT_CONFIG_VERSION}`);
  const str = (key: string): string | undefined => {
    const s = v[key];
    if (s === undefined) return undefined;
    if (typeof s !== 'string' || s.length === 0) bad(`"${key}" must be a non-empty string`);
    return s as string;
  };
  const path = (key: string): string | undefined => {
    const p = str(key);
    return p === undefined || isAbsolute(p) ? p : resolve(baseDir, p);
  };
  const config: ClientConfig = {
    version: CLIENT_CONFIG_VERSION,
    address: str('address') ?? bad('"address" is missing'),
    ca: path('ca') ?? bad('"ca" is missing'),
  };
  const cert = path('cert');
  const key = path('key');
  if ((cert === undefined) !== (key === undefined)) bad('"cert" and "key" go together');
  if (cert !== undefined && key !== undefined) {
    config.cert = cert;
    config.key = key;
  }
  const principal = str('principal');
  if (principal !== undefined) config.principal = principal;
  const serverName = str('serverName');
  if (serverName !== undefined) config.serverName = serverName;
  return config;
}

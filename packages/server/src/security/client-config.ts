/**
 * ClientConfig: the connection file (`client.json`) the auxctl CLI reads by
 * default.
 *
 * Owns its shape, its validation and the resolution of relative paths (they
 * are relative to the file, so a state directory can be moved or copied as a
 * whole). It must never hold secrets itself: it points at PEM files, whose
 * modes protect them.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { AuxError } from '@auxctl/core';

/** CLIENT_CONFIG_VERSION: the only version of client.json understood here. */
export const CLIENT_CONFIG_VERSION = 1;

/** ClientConfig: where auxctld listens and which CA, certificate and key to use. */
export interface ClientConfig {
  version: typeof CLIENT_CONFIG_VERSION;
  /** address: `host:port` of auxctld, e.g. `127.0.0.1:7443` or `[::1]:7443`. */
  address: string;
  /** ca: path of the CA certificate that signs the server certificate. */
  ca: string;
  /** cert: path of the client certificate (mTLS); absent for bearer-only clients. */
  cert?: string;
  /** key: path of the client key; present exactly when `cert` is. */
  key?: string;
  /** principal: the identity the certificate carries, for display. */
  principal?: string;
  /** serverName: the name to check the server certificate against, when not the address host. */
  serverName?: string;
}

/**
 * parseClientConfig: validate a parsed client.json and resolve its paths
 * against `baseDir`. Throws EINVAL naming the first bad field.
 */
export function parseClientConfig(
  value: unknown,
  baseDir: string,
  origin = 'client.json',
): ClientConfig {
  const bad = (what: string): never => {
    throw new AuxError('EINVAL', `${origin}: ${what}; fix the file or delete it to regenerate`);
  };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) bad('not a JSON object');
  const v = value as Record<string, unknown>;
  if (v.version !== CLIENT_CONFIG_VERSION) bad(`"version" must be ${CLIENT_CONFIG_VERSION}`);
  const str = (key: string, required: boolean): string | undefined => {
    const s = v[key];
    if (s === undefined && !required) return undefined;
    if (typeof s !== 'string' || s.length === 0) bad(`"${key}" must be a non-empty string`);
    return s as string;
  };
  const path = (key: string, required: boolean): string | undefined => {
    const p = str(key, required);
    return p === undefined || isAbsolute(p) ? p : resolve(baseDir, p);
  };
  const config: ClientConfig = {
    version: CLIENT_CONFIG_VERSION,
    address: str('address', true) as string,
    ca: path('ca', true) as string,
  };
  const cert = path('cert', false);
  const key = path('key', false);
  if ((cert === undefined) !== (key === undefined)) bad('"cert" and "key" go together');
  if (cert !== undefined && key !== undefined) {
    config.cert = cert;
    config.key = key;
  }
  const principal = str('principal', false);
  if (principal !== undefined) config.principal = principal;
  const serverName = str('serverName', false);
  if (serverName !== undefined) config.serverName = serverName;
  return config;
}

/** loadClientConfig: read and validate a client.json (ENOENT / EINVAL with what to do). */
export async function loadClientConfig(path: string): Promise<ClientConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AuxError(
      code === 'ENOENT' ? 'ENOENT' : code === 'EACCES' ? 'EPERM' : 'EINVAL',
      `cannot read client config ${path} (${code ?? 'error'}); start auxctld once to create it, or pass the file explicitly`,
      undefined,
      { cause: e },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AuxError(
      'EINVAL',
      `${path}: not valid JSON; fix the file or delete it to regenerate`,
      undefined,
      {
        cause: e,
      },
    );
  }
  return parseClientConfig(parsed, dirname(path), path);
}

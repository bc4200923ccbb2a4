/**
 * client.json as the client reads it: the default location of the file,
 * reading it, and its errors as AuxctlError. The format itself (shape,
 * validation, relative paths) is shared with auxctld in @auxctl/proto.
 *
 * Owns the default location and the reading. It must never read the PEM files it names and never
 * decide precedence against other sources (connection.ts does).
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import {
  type ClientConfig,
  ClientConfigError,
  parseClientConfig as parseSharedClientConfig,
} from '@auxctl/proto/client-config';
import { AuxctlError } from './auxctl-error.js';

/** Env: the environment variables the client reads (a subset of process.env). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * defaultClientConfigPath: $AUXCTL_STATE_DIR/client.json, else
 * $XDG_STATE_HOME/auxctl/client.json, else ~/.local/state/auxctl/client.json
 * (where auxctld creates its state on first start). Empty variables count as unset.
 */
export function defaultClientConfigPath(env: Env, home: string = homedir()): string {
  if (env.AUXCTL_STATE_DIR) return join(resolve(env.AUXCTL_STATE_DIR), 'client.json');
  if (env.XDG_STATE_HOME) return join(resolve(env.XDG_STATE_HOME), 'auxctl', 'client.json');
  return join(home, '.local', 'state', 'auxctl', 'client.json');
}

/**
 * parseClientConfig: validate a parsed client.json and resolve its paths
 * against `baseDir` (the shared rules of @auxctl/proto). Throws
 * AuxctlError EINVAL naming the file and the first bad field.
 */
export function parseClientConfig(
  value: unknown,
  baseDir: string,
  origin = 'client.json',
): ClientConfig {
  try {
    return parseSharedClientConfig(value, baseDir, origin);
  } catch (e) {
    if (!(e instanceof ClientConfigError)) throw e;
    throw new AuxctlError('EINVAL', `${e.message}; fix the file, or restart auxctld to rewrite it`);
  }
}

/**
 * readClientConfig: read and parse a client.json. A missing file resolves
 * to `undefined` (the caller decides whether that matters); any other read
 * or parse failure throws AuxctlError naming the file.
 */
export async function readClientConfig(path: string): Promise<ClientConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new AuxctlError(
      code === 'EACCES' ? 'EACCES' : 'EIO',
      `cannot read client config ${path} (${code ?? 'error'}); check its permissions`,
      { cause: e },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new AuxctlError('EINVAL', `${path}: not valid JSON; fix the file`, { cause: e });
  }
  return parseClientConfig(parsed, dirname(path), path);
}

/**
 * client.json on the server's side: the connection file auxctld writes and
 * the client reads by default. Its shape and validation are shared with the
 * client in @auxctl/proto; this module reads it with the server's errors.
 * It must never hold secrets itself: it points at PEM files, whose modes
 * protect them.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AuxError } from '@auxctl/prm';
import {
  type ClientConfig,
  ClientConfigError,
  parseClientConfig as parseSharedClientConfig,
} from '@auxctl/proto';

export { CLIENT_CONFIG_VERSION, type ClientConfig } from '@auxctl/proto';

/**
 * parseClientConfig: validate a parsed client.json and resolve its paths
 * against `baseDir` (the rules shared with the client, in @auxctl/proto).
 * Throws EINVAL naming the first bad field.
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
    throw new AuxError('EINVAL', `${e.message}; fix the file or delete it to regenerate`);
  }
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

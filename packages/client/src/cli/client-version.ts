/**
 * CLIENT_VERSION: the version `auxctl --version` prints, read from this
 * package's package.json (two levels above src/cli, dist/cli and the
 * bundle's dist/bundle), so it never drifts from what was installed.
 *
 * Owns reading that one field. It must never read anything else from disk.
 */
import { readFileSync } from 'node:fs';

/** CLIENT_VERSION: @auxctl/client's package.json version. */
export const CLIENT_VERSION: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

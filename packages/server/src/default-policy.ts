/**
 * DefaultPolicy: the policy file a first start writes when none exists —
 * the admin principal may do everything, nobody else anything.
 *
 * Owns only creating that file (exclusively, mode 0600). It must never
 * overwrite a policy file that exists, whatever it holds.
 */
import { writeFile } from 'node:fs/promises';
import type { PolicyDocument } from './policy/index.js';

/** defaultPolicyDocument: allow `admin` every method on every device at every scope. */
export function defaultPolicyDocument(admin: string): PolicyDocument {
  return {
    version: 1,
    deny: [],
    allow: [
      {
        principals: [admin],
        methods: ['*'],
        devices: ['*'],
        comment: 'created on first start: the admin certificate may do everything',
      },
    ],
  };
}

/** ensureDefaultPolicy: write the default policy at `path` unless a file is there; true when written. */
export async function ensureDefaultPolicy(path: string, admin: string): Promise<boolean> {
  try {
    await writeFile(path, `${JSON.stringify(defaultPolicyDocument(admin), null, 2)}\n`, {
      flag: 'wx',
      mode: 0o600,
    });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

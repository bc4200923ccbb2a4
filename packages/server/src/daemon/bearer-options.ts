/**
 * Bearer options: auxctld's `--bearer-*` flags as a BearerConfig.
 *
 * Owns how a key file is read: a PEM public key, a JWK or a JWK set (JSON
 * with `keys`), else the file's bytes as an HMAC secret (one trailing
 * newline dropped, as editors add one). Never: verification rules (the
 * BearerVerifier's), or accepting a private key where the public one is
 * meant (a private key on the server would let it mint tokens).
 */
import { readFile } from 'node:fs/promises';
import { AuxError } from '@auxctl/prm';
import type { BearerConfig, BearerKey } from '../security/index.js';

/** BearerFlags: the `--bearer-*` flags as parsed. */
export interface BearerFlags {
  readonly keyFile: string;
  readonly algorithms?: readonly string[];
  readonly issuer?: readonly string[];
  readonly audience?: readonly string[];
  readonly clockToleranceSec?: number;
}

/** PUBLIC_KEY_ALGORITHMS: what a public key accepts unless `--bearer-algorithms` says otherwise. */
export const PUBLIC_KEY_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'] as const;

/** bearerKeyOf: the key a key file holds (see the module header); EINVAL naming the file. */
export function bearerKeyOf(bytes: Uint8Array, path: string): BearerKey {
  const text = Buffer.from(bytes).toString('utf8');
  const head = text.trimStart();
  if (head.startsWith('-----BEGIN')) {
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(head)) {
      throw new AuxError(
        'EINVAL',
        `${path}: holds a private key; give auxctld the public key (openssl pkey -pubout)`,
      );
    }
    return { publicKeyPem: text };
  }
  if (head.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new AuxError('EINVAL', `${path}: starts like JSON but does not parse as a JWK`);
    }
    const o = json as Record<string, unknown>;
    if (Array.isArray(o.keys)) return { jwks: o as never };
    if (typeof o.kty === 'string') {
      if ('d' in o && o.kty !== 'oct') {
        throw new AuxError('EINVAL', `${path}: a private JWK; give auxctld the public JWK`);
      }
      return { jwk: o as never };
    }
    throw new AuxError('EINVAL', `${path}: JSON without "kty" or "keys" is not a JWK or JWK set`);
  }
  const end =
    bytes.length > 0 && bytes[bytes.length - 1] === 0x0a ? bytes.length - 1 : bytes.length;
  return { secret: Uint8Array.prototype.slice.call(bytes, 0, end) };
}

/** defaultAlgorithms: HS256 for a shared secret (or an oct JWK), else the public-key list. */
export function defaultAlgorithms(key: BearerKey): string[] {
  const symmetric = 'secret' in key || ('jwk' in key && key.jwk.kty === 'oct');
  return symmetric ? ['HS256'] : [...PUBLIC_KEY_ALGORITHMS];
}

/** bearerConfigOf: read the key file and build the config; EINVAL/ENOENT naming the file. */
export async function bearerConfigOf(flags: BearerFlags): Promise<BearerConfig> {
  let bytes: Buffer;
  try {
    bytes = await readFile(flags.keyFile);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new AuxError(
      code === 'ENOENT' ? 'ENOENT' : 'EINVAL',
      `--bearer-key ${flags.keyFile}: cannot read it (${code ?? 'error'})`,
      undefined,
      { cause: e },
    );
  }
  const key = bearerKeyOf(bytes, flags.keyFile);
  return {
    key,
    algorithms: flags.algorithms ?? defaultAlgorithms(key),
    ...(flags.issuer && { issuer: [...flags.issuer] }),
    ...(flags.audience && { audience: [...flags.audience] }),
    ...(flags.clockToleranceSec !== undefined && { clockToleranceSec: flags.clockToleranceSec }),
  };
}

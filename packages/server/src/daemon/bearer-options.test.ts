import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BearerVerifier, mintBearer } from '../security/index.js';
import { bearerConfigOf, bearerKeyOf, defaultAlgorithms } from './bearer-options.js';

const SECRET = 'a-shared-secret-of-at-least-32-bytes!!';

describe('auxctld --bearer-* options', () => {
  it('a secret file (trailing newline dropped) verifies tokens signed with the secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'bearer-opt-'));
    try {
      const file = join(dir, 'secret');
      await writeFile(file, `${SECRET}\n`);
      const config = await bearerConfigOf({ keyFile: file, audience: ['auxctld'] });
      expect(config.algorithms).toEqual(['HS256']);
      const verifier = await BearerVerifier.create(config);
      const token = await mintBearer({
        key: { secret: SECRET },
        alg: 'HS256',
        sub: 'spiffe://lab/ops',
        audience: 'auxctld',
        ttlSec: 60,
      });
      expect((await verifier.verifyBearer(`Bearer ${token}`)).principal).toBe('spiffe://lab/ops');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a public PEM, a JWK and a JWK set, and refuses private keys', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pub = publicKey.export({ type: 'spki', format: 'pem' }) as string;
    const priv = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const jwk = publicKey.export({ format: 'jwk' });
    expect(bearerKeyOf(Buffer.from(pub), 'k')).toEqual({ publicKeyPem: pub });
    expect(defaultAlgorithms({ publicKeyPem: pub })).toContain('ES256');
    expect(bearerKeyOf(Buffer.from(JSON.stringify(jwk)), 'k')).toEqual({ jwk });
    expect(bearerKeyOf(Buffer.from(JSON.stringify({ keys: [jwk] })), 'k')).toEqual({
      jwks: { keys: [jwk] },
    });
    expect(() => bearerKeyOf(Buffer.from(priv), 'k')).toThrow(/private key/);
    const privJwk = privateKey.export({ format: 'jwk' });
    expect(() => bearerKeyOf(Buffer.from(JSON.stringify(privJwk)), 'k')).toThrow(/private JWK/);
  });

  it('a missing key file is ENOENT naming the flag', async () => {
    await expect(bearerConfigOf({ keyFile: '/nonexistent/key' })).rejects.toMatchObject({
      code: 'ENOENT',
      message: expect.stringContaining('--bearer-key /nonexistent/key'),
    });
  });

  it('property: any file content is a key or an EINVAL, never another error', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 64 }),
          fc.json().map((j) => Buffer.from(j)),
          fc.string().map((s) => Buffer.from(`-----BEGIN ${s}`)),
        ),
        (bytes) => {
          try {
            const key = bearerKeyOf(bytes, 'f');
            expect(Object.keys(key)).toHaveLength(1);
          } catch (e) {
            expect(isAuxError(e) && e.code === 'EINVAL').toBe(true);
          }
        },
      ),
    );
  });
});

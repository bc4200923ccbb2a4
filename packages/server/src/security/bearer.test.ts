import { generateKeyPairSync } from 'node:crypto';
import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { base64url, exportJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { type BearerConfig, BearerVerifier, mintBearer, parseAuthorization } from './bearer.js';

const T0 = new Date('2031-05-04T12:00:00Z');
const SECRET = 'an HS256 secret of at least thirty-two bytes';
const hs = (over: Partial<BearerConfig> = {}) =>
  BearerVerifier.create({ key: { secret: SECRET }, algorithms: ['HS256'], now: () => T0, ...over });
const mint = (over: Partial<Parameters<typeof mintBearer>[0]> = {}) =>
  mintBearer({ key: { secret: SECRET }, alg: 'HS256', sub: 'ops@fleet', issuedAt: T0, ...over });

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (isAuxError(e, 'EKEYREJECTED')) return String(e.detail?.reason);
    throw e;
  }
  throw new Error('expected a rejection');
}

async function configError(p: Promise<unknown>): Promise<void> {
  await expect(p).rejects.toSatisfy((e: unknown) => isAuxError(e, 'EINVAL'));
}

describe('BearerVerifier with an HMAC secret', () => {
  it('accepts a valid token: principal is sub, expiry is exp', async () => {
    const v = await hs({ issuer: 'auxctl-ops', audience: 'auxctld' });
    const t = await mint({ issuer: 'auxctl-ops', audience: ['auxctld', 'other'], ttlSec: 600 });
    expect(await v.verifyBearer(`Bearer ${t}`)).toEqual({
      principal: 'ops@fleet',
      expiresAt: new Date(T0.getTime() + 600_000),
      issuer: 'auxctl-ops',
    });
    expect((await v.verifyBearer(`bearer  ${t}`)).principal).toBe('ops@fleet');
  });

  it('rejects expired, not-yet-valid, wrong issuer, wrong audience and bad signature', async () => {
    const v = await hs({ issuer: 'auxctl-ops', audience: 'auxctld', clockToleranceSec: 30 });
    const ok = { issuer: 'auxctl-ops', audience: 'auxctld' };
    const past = new Date(T0.getTime() - 3600_000);
    expect(
      await reason(v.verifyBearer(`Bearer ${await mint({ ...ok, issuedAt: past, ttlSec: 60 })}`)),
    ).toBe('expired');
    expect(
      await reason(
        v.verifyBearer(
          `Bearer ${await mint({ ...ok, notBefore: new Date(T0.getTime() + 600_000) })}`,
        ),
      ),
    ).toBe('not-yet-valid');
    expect(
      await reason(v.verifyBearer(`Bearer ${await mint({ ...ok, issuer: 'elsewhere' })}`)),
    ).toBe('issuer');
    expect(await reason(v.verifyBearer(`Bearer ${await mint({ ...ok, audience: 'x' })}`))).toBe(
      'audience',
    );
    const forged = await mint({ ...ok, key: { secret: `${SECRET}!` } });
    expect(await reason(v.verifyBearer(`Bearer ${forged}`))).toBe('signature');
  });

  it('tolerates clock skew up to the configured seconds', async () => {
    const t = await mint({ expiresAt: new Date(T0.getTime() - 10_000) });
    expect(
      (await (await hs({ clockToleranceSec: 30 })).verifyBearer(`Bearer ${t}`)).principal,
    ).toBe('ops@fleet');
    expect(await reason((await hs({ clockToleranceSec: 0 })).verifyBearer(`Bearer ${t}`))).toBe(
      'expired',
    );
  });

  it('rejects alg none and algorithms not configured', async () => {
    const v = await hs();
    const enc = (o: object) => base64url.encode(JSON.stringify(o));
    const unsigned = `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: 'root', exp: T0.getTime() / 1000 + 60 })}.`;
    expect(await reason(v.verifyBearer(`Bearer ${unsigned}`))).toBe('algorithm');
    expect(await reason(v.verifyBearer(`Bearer ${await mint({ alg: 'HS512' })}`))).toBe(
      'algorithm',
    );
  });

  it('requires sub, and exp unless told otherwise', async () => {
    const key = new TextEncoder().encode(SECRET);
    const noExp = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('a')
      .sign(key);
    const noSub = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(T0.getTime() / 1000 + 60)
      .sign(key);
    expect(await reason((await hs()).verifyBearer(`Bearer ${noExp}`))).toBe('claims');
    expect(
      (await (await hs({ requireExpiry: false })).verifyBearer(`Bearer ${noExp}`)).expiresAt,
    ).toBeUndefined();
    expect(await reason((await hs()).verifyBearer(`Bearer ${noSub}`))).toBe('claims');
    expect(await reason((await hs()).verifyBearer(`Bearer ${await mint({ sub: 'a\nb' })}`))).toBe(
      'claims',
    );
  });

  it('rejects a missing or malformed header without echoing it', async () => {
    const v = await hs();
    expect(await reason(v.verifyBearer(undefined))).toBe('missing');
    expect(await reason(v.verifyBearer(''))).toBe('missing');
    expect(await reason(v.verifyBearer('Basic dXNlcjpwYXNz'))).toBe('malformed');
    expect(await reason(v.verifyBearer('Bearer a.b'))).toBe('malformed');
    expect(await reason(v.verifyBearer(`Bearer ${'a'.repeat(9000)}.b.c`))).toBe('malformed');
    const e = await v.verifyBearer('Bearer sekrit.sekrit.sekrit').catch((x: unknown) => x);
    expect(String((e as Error).message)).not.toContain('sekrit');
  });
});

describe('BearerVerifier with public keys', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pubPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const privPem = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('verifies ES256 with a PEM public key', async () => {
    const v = await BearerVerifier.create({
      key: { publicKeyPem: pubPem },
      algorithms: ['ES256'],
      now: () => T0,
    });
    const t = await mintBearer({
      key: { privateKeyPem: privPem },
      alg: 'ES256',
      sub: 'bmc-3',
      issuedAt: T0,
    });
    expect((await v.verifyBearer(`Bearer ${t}`)).principal).toBe('bmc-3');
  });

  it('refuses an HS256 token signed with the public key as secret (algorithm confusion)', async () => {
    const v = await BearerVerifier.create({
      key: { publicKeyPem: pubPem },
      algorithms: ['ES256'],
      now: () => T0,
    });
    const t = await mintBearer({
      key: { secret: pubPem },
      alg: 'HS256',
      sub: 'root',
      issuedAt: T0,
    });
    expect(await reason(v.verifyBearer(`Bearer ${t}`))).toBe('algorithm');
  });

  it('verifies with a JWK and picks by kid from a JWK set', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...(await exportJWK(ec.publicKey)), kid: 'k1', alg: 'ES256' };
    const jwk2 = { ...(await exportJWK(other.publicKey)), kid: 'k2', alg: 'ES256' };
    const t = await mintBearer({
      key: { keyObject: ec.privateKey },
      alg: 'ES256',
      sub: 'svc',
      issuedAt: T0,
      kid: 'k1',
    });
    const byJwk = await BearerVerifier.create({
      key: { jwk },
      algorithms: ['ES256'],
      now: () => T0,
    });
    expect((await byJwk.verifyBearer(`Bearer ${t}`)).principal).toBe('svc');
    const bySet = await BearerVerifier.create({
      key: { jwks: { keys: [jwk2, jwk] } },
      algorithms: ['ES256'],
      now: () => T0,
    });
    expect((await bySet.verifyBearer(`Bearer ${t}`)).principal).toBe('svc');
    const onlyOther = await BearerVerifier.create({
      key: { jwks: { keys: [jwk2] } },
      algorithms: ['ES256'],
      now: () => T0,
    });
    expect(await reason(onlyOther.verifyBearer(`Bearer ${t}`))).toBe('unknown-key');
  });
});

describe('BearerVerifier configuration', () => {
  it('refuses unsafe or inconsistent settings with EINVAL', async () => {
    await configError(BearerVerifier.create({ key: { secret: 'short' }, algorithms: ['HS256'] }));
    await configError(BearerVerifier.create({ key: { secret: SECRET }, algorithms: [] }));
    await configError(BearerVerifier.create({ key: { secret: SECRET }, algorithms: ['none'] }));
    await configError(BearerVerifier.create({ key: { secret: SECRET }, algorithms: ['ES256'] }));
    await configError(
      BearerVerifier.create({ key: { publicKeyPem: 'junk' }, algorithms: ['ES256'] }),
    );
    await configError(
      BearerVerifier.create({
        key: { secret: SECRET },
        algorithms: ['HS256'],
        clockToleranceSec: -1,
      }),
    );
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await configError(
      BearerVerifier.create({ key: { publicKeyPem: pem }, algorithms: ['ES256', 'HS256'] }),
    );
    const priv = await exportJWK(ec.privateKey);
    await configError(BearerVerifier.create({ key: { jwk: priv }, algorithms: ['ES256'] }));
    await expect(mintBearer({ key: { secret: SECRET }, alg: 'none', sub: 'x' })).rejects.toSatisfy(
      (e: unknown) => isAuxError(e, 'EINVAL'),
    );
  });
});

describe('parseAuthorization', () => {
  const part = fc.stringMatching(/^[A-Za-z0-9_-]{1,40}$/);

  it('property: returns the token of any "Bearer <jws>" value', () => {
    fc.assert(
      fc.property(
        part,
        part,
        part,
        fc.constantFrom('Bearer', 'bearer', 'BEARER'),
        (a, b, c, scheme) => {
          expect(parseAuthorization(`${scheme} ${a}.${b}.${c}`)).toBe(`${a}.${b}.${c}`);
        },
      ),
    );
  });

  it('property: any header value is verified or rejected with EKEYREJECTED only', async () => {
    const v = await hs();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 300 }),
          fc.tuple(part, part, part).map(([a, b, c]) => `Bearer ${a}.${b}.${c}`),
        ),
        async (value) => {
          const out = await v.verifyBearer(value).catch((e: unknown) => e);
          expect(isAuxError(out, 'EKEYREJECTED')).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

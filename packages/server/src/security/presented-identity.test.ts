import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mintBearer } from './bearer.js';
import { certificateClaims, claimText, tokenClaims } from './presented-identity.js';

/** hasLineControl: a C0 control character (what could break or forge a log line). */
const hasLineControl = (s: string): boolean => [...s].some((c) => (c.codePointAt(0) ?? 0) < 0x20);

describe('tokenClaims', () => {
  it('reads sub and iss of a token whose signature it does not check', async () => {
    const token = await mintBearer({
      key: { secret: 'k'.repeat(40) },
      alg: 'HS256',
      sub: 'mallory',
      issuer: 'elsewhere',
    });
    expect(tokenClaims(`Bearer ${token}`)).toEqual({
      token_sub: 'mallory',
      token_iss: 'elsewhere',
    });
    expect(tokenClaims(`Bearer ${token.slice(0, -4)}AAAA`)).toEqual({
      token_sub: 'mallory',
      token_iss: 'elsewhere',
    });
  });

  it('never throws, and returns only printable, bounded claims', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.jsonValue()), (v) => {
        const out = tokenClaims(typeof v === 'string' ? `Bearer ${v}` : v);
        for (const s of Object.values(out)) {
          expect(s.length).toBeLessThanOrEqual(256);
          expect(hasLineControl(s)).toBe(false);
        }
      }),
    );
    const payload = Buffer.from(JSON.stringify({ sub: 'a\nb'.repeat(200) })).toString('base64url');
    const out = tokenClaims(`Bearer e30.${payload}.x`);
    expect(out.token_sub?.length).toBeLessThanOrEqual(256);
    expect(out.token_sub).toMatch(/^a\\nb/);
  });
});

describe('claimText and certificateClaims', () => {
  it('claimText keeps only non-empty strings, escaped', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const s = claimText(v);
        if (s !== undefined) {
          expect(typeof v).toBe('string');
          expect(hasLineControl(s)).toBe(false);
        }
      }),
    );
  });

  it('certificateClaims reads subject CN, URI SAN and issuer CN of a certificate that was sent', () => {
    expect(
      certificateClaims({
        raw: Buffer.alloc(1),
        subject: { CN: 'x' },
        issuer: { CN: 'Other CA' },
        subjectaltname: 'URI:spiffe://a/b',
      }),
    ).toEqual({ cert_subject_cn: 'x', cert_uri: 'spiffe://a/b', cert_issuer_cn: 'Other CA' });
    // Node's "no certificate" is an empty object.
    expect(certificateClaims({})).toEqual({});
    expect(certificateClaims(undefined)).toEqual({});
  });
});

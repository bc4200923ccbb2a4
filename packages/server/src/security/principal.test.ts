import { X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertAuthority } from './cert-authority.js';
import {
  commonNameOf,
  firstUriSan,
  parseSubjectAltNames,
  peerIdentity,
  principalOfCall,
  principalOfPeer,
  type SubjectAltName,
} from './principal.js';

/**
 * nodeFormat: subjectaltname text the way Node prints it: "safe" values
 * verbatim, others as a JSON-style quoted string with `,` as \u002c.
 */
function nodeFormat(names: SubjectAltName[]): string {
  return names
    .map(({ type, value }) => {
      const unsafe = /[,"\\']|\p{Cc}/u.test(value);
      if (!unsafe) return `${type}:${value}`;
      const body = [...value]
        .map((c) => {
          if (c === '\\') return '\\\\';
          if (c === '"') return '\\"';
          const n = c.charCodeAt(0);
          if (n < 0x20 || n === 0x7f || c === ',') return `\\u${n.toString(16).padStart(4, '0')}`;
          return c;
        })
        .join('');
      return `${type}:"${body}"`;
    })
    .join(', ');
}

const sanType = fc.constantFrom('DNS', 'URI', 'IP Address', 'email', 'DirName', 'Registered ID');
// Values as Node can print them: an unquoted value never contains ", " (commas force quoting).
const sanValue = fc.string({ unit: 'binary', maxLength: 40 });
const sanList = fc.array(fc.record({ type: sanType, value: sanValue }), { maxLength: 6 });

describe('parseSubjectAltNames', () => {
  it('splits the usual shape', () => {
    expect(
      parseSubjectAltNames('DNS:localhost, IP Address:127.0.0.1, URI:spiffe://auxctl/admin'),
    ).toEqual([
      { type: 'DNS', value: 'localhost' },
      { type: 'IP Address', value: '127.0.0.1' },
      { type: 'URI', value: 'spiffe://auxctl/admin' },
    ]);
  });

  it('decodes quoted values, so a comma cannot start a forged entry', () => {
    const text = 'DNS:"evil\\u002c URI:spiffe://auxctl/admin", URI:spiffe://fleet/ro';
    expect(firstUriSan(text)).toBe('spiffe://fleet/ro');
  });

  it('gives nothing for undefined, empty or colon-less text', () => {
    expect(parseSubjectAltNames(undefined)).toEqual([]);
    expect(parseSubjectAltNames('')).toEqual([]);
    expect(parseSubjectAltNames('no colon here')).toEqual([]);
  });

  it('stops at an unterminated quoted value and keeps what came before', () => {
    expect(parseSubjectAltNames('DNS:a, URI:"spiffe://x')).toEqual([{ type: 'DNS', value: 'a' }]);
  });

  it('property: parses back whatever Node-formatted list it is given', () => {
    fc.assert(
      fc.property(sanList, (names) => {
        expect(parseSubjectAltNames(nodeFormat(names))).toEqual(names);
      }),
      { numRuns: 500 },
    );
  });

  it('property: firstUriSan is the first non-empty URI entry', () => {
    fc.assert(
      fc.property(sanList, (names) => {
        const want = names.find((n) => n.type === 'URI' && n.value !== '')?.value;
        expect(firstUriSan(nodeFormat(names))).toBe(want);
      }),
      { numRuns: 500 },
    );
  });

  it('property: arbitrary text never throws', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const out = parseSubjectAltNames(s);
        expect(Array.isArray(out)).toBe(true);
        firstUriSan(s);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('principalOfPeer', () => {
  it('prefers the first URI SAN over the CN', () => {
    expect(
      peerIdentity({
        subject: { CN: 'admin' },
        subjectaltname: 'DNS:x, URI:spiffe://a/b, URI:spiffe://c/d',
      }),
    ).toEqual({ principal: 'spiffe://a/b', source: 'uri-san' });
  });

  it('falls back to the CN, including a null-prototype subject', () => {
    const subject = Object.assign(Object.create(null) as Record<string, string>, { CN: 'bmc-7' });
    expect(peerIdentity({ subject, subjectaltname: 'DNS:bmc-7.example' })).toEqual({
      principal: 'bmc-7',
      source: 'cn',
    });
  });

  it('is undefined with no certificate, no CN, an empty CN or a repeated CN', () => {
    expect(principalOfPeer(undefined)).toBeUndefined();
    expect(principalOfPeer(null)).toBeUndefined();
    expect(principalOfPeer({})).toBeUndefined();
    expect(principalOfPeer({ subject: { O: 'x' } })).toBeUndefined();
    expect(principalOfPeer({ subject: { CN: '' } })).toBeUndefined();
    expect(commonNameOf({ CN: ['a', 'b'] })).toBeUndefined();
    expect(principalOfPeer({ subject: null, subjectaltname: 'DNS:x' })).toBeUndefined();
  });

  it('property: never throws on arbitrary shapes', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        const p = principalOfPeer(v as never);
        expect(p === undefined || typeof p === 'string').toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe('principal of real certificates', () => {
  const window = {
    notBefore: new Date('2030-01-01T00:00:00Z'),
    notAfter: new Date('2031-01-01T00:00:00Z'),
  };
  let ca: CertAuthority;
  beforeAll(async () => {
    ca = await CertAuthority.create(window);
  });

  const legacy = (pem: string) => {
    const o = new X509Certificate(pem).toLegacyObject();
    return { subject: o.subject, subjectaltname: o.subjectaltname };
  };

  it('reads the SPIFFE id of a client certificate', async () => {
    const c = await ca.issueClient({
      ...window,
      commonName: 'admin',
      uri: 'spiffe://auxctl/admin',
    });
    expect(principalOfPeer(legacy(c.certPem))).toBe('spiffe://auxctl/admin');
  });

  it('reads a URI whose comma, quote and backslash Node escapes', async () => {
    const uri = 'spiffe://x/y,URI:spiffe://auxctl/admin"\\z';
    const c = await ca.issueClient({ ...window, commonName: 'odd', uri });
    expect(principalOfPeer(legacy(c.certPem))).toBe(uri);
  });

  it('reads the CN when there is no URI SAN', async () => {
    const c = await ca.issueClient({ ...window, commonName: 'svc:fleet-01' });
    expect(principalOfPeer(legacy(c.certPem))).toBe('svc:fleet-01');
  });
});

describe('principalOfCall', () => {
  const call = (ctx: () => unknown) => ({ getAuthContext: ctx as never });

  it('reads sslPeerCertificate of the auth context', () => {
    const cert = {
      subject: { CN: 'x' },
      subjectaltname: 'URI:spiffe://auxctl/ops',
      raw: Buffer.alloc(1),
    };
    expect(
      principalOfCall(call(() => ({ transportSecurityType: 'ssl', sslPeerCertificate: cert }))),
    ).toBe('spiffe://auxctl/ops');
  });

  it('is undefined for plaintext, unauthorized or vanished peers', () => {
    expect(principalOfCall(call(() => ({})))).toBeUndefined();
    expect(principalOfCall(call(() => null))).toBeUndefined();
    expect(
      principalOfCall(
        call(() => {
          throw new Error('session closed');
        }),
      ),
    ).toBeUndefined();
  });

  it('reads the certificate once per connection and keeps connections apart', () => {
    let reads = 0;
    const onSession = (session: object, uri: string) => ({
      call: { nextCall: { stream: { session } } },
      getAuthContext: () => {
        reads++;
        return { sslPeerCertificate: { subjectaltname: `URI:${uri}`, raw: Buffer.alloc(1) } };
      },
    });
    const a = {};
    const b = {};
    expect(principalOfCall(onSession(a, 'spiffe://x/a') as never)).toBe('spiffe://x/a');
    expect(principalOfCall(onSession(a, 'spiffe://x/ignored') as never)).toBe('spiffe://x/a');
    expect(principalOfCall(onSession(b, 'spiffe://x/b') as never)).toBe('spiffe://x/b');
    expect(reads).toBe(2);
    // No session to be found: nothing is cached, every call reads.
    expect(principalOfCall(call(() => ({})))).toBeUndefined();
    expect(principalOfCall(call(() => ({})))).toBeUndefined();
  });
});

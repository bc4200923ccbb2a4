import 'reflect-metadata';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { isAuxError } from '@auxctl/prm';
import * as x509 from '@peculiar/x509';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CertAuthority, isDnsName, serverSubjectAltNames } from './cert-authority.js';

const window = {
  notBefore: new Date('2030-01-01T00:00:00Z'),
  notAfter: new Date('2031-01-01T00:00:00Z'),
};
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

let ca: CertAuthority;
beforeAll(async () => {
  ca = await CertAuthority.create(window);
});

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await expect(p).rejects.toSatisfy((e: unknown) => isAuxError(e) && e.code === code);
}

describe('CertAuthority.create', () => {
  it('makes a self-signed CA limited to signing certificates', async () => {
    const cert = new X509Certificate(ca.certPem);
    expect(cert.ca).toBe(true);
    expect(cert.verify(cert.publicKey)).toBe(true);
    const p = new x509.X509Certificate(ca.certPem);
    const bc = p.getExtension(x509.BasicConstraintsExtension);
    expect(bc).toMatchObject({ ca: true, pathLength: 0, critical: true });
    const ku = p.getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    expect(ku?.critical).toBe(true);
    expect(p.notBefore).toEqual(window.notBefore);
    expect(p.notAfter).toEqual(window.notAfter);
    const key = createPrivateKey(ca.keyPem);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.checkPrivateKey(key)).toBe(true);
  });

  it('refuses an empty or inverted validity window', async () => {
    await rejectsWith(
      CertAuthority.create({ notBefore: window.notAfter, notAfter: window.notBefore }),
      'EINVAL',
    );
    await rejectsWith(
      CertAuthority.create({ notBefore: window.notBefore, notAfter: window.notBefore }),
      'EINVAL',
    );
    await rejectsWith(
      CertAuthority.create({ notBefore: new Date(Number.NaN), notAfter: window.notAfter }),
      'EINVAL',
    );
  });
});

describe('CertAuthority.fromPem', () => {
  it('loads a CA that issues certificates the original verifies', async () => {
    const again = await CertAuthority.fromPem(ca.certPem, ca.keyPem);
    const c = await again.issueClient({ ...window, commonName: 'x' });
    expect(ca.verifies(c.certPem)).toBe(true);
    expect(again.notAfter).toEqual(window.notAfter);
  });

  it('refuses garbage, a key of another CA, and a leaf used as CA', async () => {
    const other = await CertAuthority.create(window);
    const leaf = await ca.issueClient({ ...window, commonName: 'leaf' });
    await rejectsWith(CertAuthority.fromPem('not a pem', ca.keyPem), 'EINVAL');
    await rejectsWith(CertAuthority.fromPem(ca.certPem, 'not a key'), 'EINVAL');
    await rejectsWith(CertAuthority.fromPem(ca.certPem, other.keyPem), 'EINVAL');
    await rejectsWith(CertAuthority.fromPem(leaf.certPem, leaf.keyPem), 'EINVAL');
  });
});

describe('issueServer', () => {
  it('names localhost, 127.0.0.1, ::1 and the extra names, for serverAuth only', async () => {
    const s = await ca.issueServer({
      ...window,
      names: ['nic-host.example', '10.1.2.3', 'fe80::7'],
    });
    const cert = new X509Certificate(s.certPem);
    expect(cert.ca).toBe(false);
    expect(cert.verify(new X509Certificate(ca.certPem).publicKey)).toBe(true);
    expect(cert.keyUsage).toEqual([SERVER_AUTH]);
    for (const h of ['localhost', 'nic-host.example'])
      expect(cert.checkHost(h, { subject: 'never' })).toBe(h);
    for (const ip of ['127.0.0.1', '::1', '10.1.2.3', 'fe80::7']) expect(cert.checkIP(ip)).toBe(ip);
    expect(cert.checkHost('other.example', { subject: 'never' })).toBeUndefined();
    const ku = new x509.X509Certificate(s.certPem).getExtension(x509.KeyUsagesExtension);
    expect(ku?.usages).toBe(x509.KeyUsageFlags.digitalSignature);
    expect(cert.checkPrivateKey(createPrivateKey(s.keyPem))).toBe(true);
    expect(s.notBefore).toEqual(window.notBefore);
    expect(s.notAfter).toEqual(window.notAfter);
  });

  it('gives random positive 128-bit serials', async () => {
    const a = await ca.issueServer(window);
    const b = await ca.issueServer(window);
    expect(a.serial).toMatch(/^[4-7][0-9a-f]{31}$/);
    expect(a.serial).not.toBe(b.serial);
    expect(new X509Certificate(a.certPem).serialNumber.toLowerCase()).toBe(a.serial);
  });

  it('refuses a name that is neither host name nor address', async () => {
    await rejectsWith(ca.issueServer({ ...window, names: ['bad name'] }), 'EINVAL');
    await rejectsWith(ca.issueServer({ ...window, names: ['a..b'] }), 'EINVAL');
  });
});

describe('issueClient', () => {
  it('carries CN and URI SAN, for clientAuth only', async () => {
    const c = await ca.issueClient({
      ...window,
      commonName: 'admin',
      uri: 'spiffe://auxctl/admin',
    });
    const cert = new X509Certificate(c.certPem);
    expect(cert.subject).toBe('CN=admin');
    expect(cert.subjectAltName).toBe('URI:spiffe://auxctl/admin');
    expect(cert.keyUsage).toEqual([CLIENT_AUTH]);
    expect(cert.issuer).toBe(new X509Certificate(ca.certPem).subject);
  });

  it('has no SAN extension without a URI', async () => {
    const c = await ca.issueClient({ ...window, commonName: 'bmc-7' });
    expect(new X509Certificate(c.certPem).subjectAltName).toBeUndefined();
  });

  it('refuses bad common names and URIs', async () => {
    for (const cn of ['', ' lead', 'a,b', 'x"y', 'a=b', 'x'.repeat(65)]) {
      await rejectsWith(ca.issueClient({ ...window, commonName: cn }), 'EINVAL');
    }
    for (const uri of ['no-scheme', 'spiffe://a b', 'spiffe://é']) {
      await rejectsWith(ca.issueClient({ ...window, commonName: 'ok', uri }), 'EINVAL');
    }
  });

  it('property: an accepted common name comes back unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.stringMatching(/^[A-Za-z0-9._@:/~-][A-Za-z0-9 ._@:/~-]{0,20}[A-Za-z0-9._@:/~-]$/),
        async (cn) => {
          const c = await ca.issueClient({ ...window, commonName: cn });
          expect(new X509Certificate(c.certPem).toLegacyObject().subject.CN).toBe(cn);
        },
      ),
      { numRuns: 25 },
    );
  });
});

describe('serverSubjectAltNames', () => {
  it('deduplicates and types names', () => {
    expect(serverSubjectAltNames(['LOCALHOST', '10.0.0.1', 'host.example'])).toEqual([
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
      { type: 'ip', value: '::1' },
      { type: 'ip', value: '10.0.0.1' },
      { type: 'dns', value: 'host.example' },
    ]);
  });

  it('property: throws only EINVAL, and only for names that are not hosts or IPs', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 80 }), fc.domain(), fc.ipV4(), fc.ipV6()),
        (name) => {
          try {
            serverSubjectAltNames([name]);
          } catch (e) {
            expect(isAuxError(e, 'EINVAL')).toBe(true);
            return;
          }
          const n = name.trim().toLowerCase();
          expect(isDnsName(n) || /^[0-9a-f.:]+$/.test(n)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });
});

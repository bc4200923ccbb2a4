/**
 * CertAuthority: auxctld's local certificate authority.
 *
 * Owns ECDSA P-256 key generation and the issuing of X.509 certificates: the
 * self-signed CA, server certificates (DNS/IP SANs, serverAuth) and client
 * certificates (CN plus an optional URI SAN such as a SPIFFE id, clientAuth).
 * Everything goes in and out as PEM. Validity windows are always explicit so
 * that a caller (or a test) decides what "now" is.
 *
 * It must never write files (see state-dir.ts) and never decide who is
 * allowed to do what: it only states identities.
 */
import 'reflect-metadata';
import {
  createPrivateKey,
  X509Certificate as NodeX509Certificate,
  randomBytes,
  webcrypto,
} from 'node:crypto';
import { isIP } from 'node:net';
import { AuxError } from '@auxctl/prm';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// @peculiar/x509 signs through whatever WebCrypto it is given; Node's is complete.
x509.cryptoProvider.set(webcrypto);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** DEFAULT_SERVER_NAMES: the SANs every server certificate carries (loopback access). */
export const DEFAULT_SERVER_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** ValidityWindow: when a certificate starts and stops being valid. */
export interface ValidityWindow {
  notBefore: Date;
  notAfter: Date;
}

/** IssuedCertificate: a certificate and its private key, both PEM. */
export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
  /** serial: the certificate serial number, lowercase hex. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/** ServerCertificateRequest: what a server certificate must name. */
export interface ServerCertificateRequest extends ValidityWindow {
  /** commonName: the subject CN (default `auxctld`); clients check SANs, not this. */
  commonName?: string;
  /** names: extra DNS names or IP addresses, added to {@link DEFAULT_SERVER_NAMES}. */
  names?: readonly string[];
}

/** ClientCertificateRequest: the identity a client certificate carries. */
export interface ClientCertificateRequest extends ValidityWindow {
  /** commonName: the subject CN (the principal when there is no URI SAN). */
  commonName: string;
  /** uri: an optional URI SAN such as `spiffe://auxctl/admin` (the principal when present). */
  uri?: string;
}

/** CaCreateRequest: the CA's own subject and validity. */
export interface CaCreateRequest extends ValidityWindow {
  commonName?: string;
}

/**
 * CertAuthority: a CA key and certificate that issue server and client
 * certificates. Create a new one with {@link CertAuthority.create} or load
 * one with {@link CertAuthority.fromPem}.
 */
export class CertAuthority {
  private constructor(
    private readonly cert: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
    /** certPem: the CA certificate, PEM. */
    readonly certPem: string,
    /** keyPem: the CA private key, PKCS#8 PEM. Keep it 0600. */
    readonly keyPem: string,
  ) {}

  /** notBefore: start of the CA certificate's validity. */
  get notBefore(): Date {
    return this.cert.notBefore;
  }

  /** notAfter: end of the CA certificate's validity. */
  get notAfter(): Date {
    return this.cert.notAfter;
  }

  /** subject: the CA's distinguished name as text. */
  get subject(): string {
    return this.cert.subject;
  }

  /** create: a new self-signed CA (CA:true, pathlen 0, keyCertSign + cRLSign). */
  static async create(req: CaCreateRequest): Promise<CertAuthority> {
    checkWindow(req);
    const keys = await generateKeyPair();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: randomSerial(),
      name: [{ CN: [checkCommonName(req.commonName ?? 'auxctl local CA')] }, { O: ['auxctl'] }],
      notBefore: req.notBefore,
      notAfter: req.notAfter,
      signingAlgorithm: SIGNING,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign,
          true,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    return new CertAuthority(cert, keys.privateKey, cert.toString('pem'), await keyToPem(keys));
  }

  /**
   * fromPem: load a CA from its certificate and key. Throws EINVAL when the
   * certificate is not a CA, the key is not ECDSA P-256, or the key does not
   * belong to the certificate.
   */
  static async fromPem(certPem: string, keyPem: string): Promise<CertAuthority> {
    const cert = parseCertificate(certPem, 'CA certificate');
    const basic = cert.getExtension(x509.BasicConstraintsExtension);
    if (!basic?.ca) {
      throw new AuxError('EINVAL', 'CA certificate is not a CA (no basicConstraints CA:TRUE)');
    }
    const signingKey = await importSigningKey(keyPem, 'CA key');
    if (!new NodeX509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem))) {
      throw new AuxError('EINVAL', 'CA key does not match the CA certificate');
    }
    return new CertAuthority(cert, signingKey, cert.toString('pem'), keyPem);
  }

  /**
   * issueServer: a server certificate for DEFAULT_SERVER_NAMES plus `names`
   * (IP literals become IP SANs, the rest DNS SANs). Throws EINVAL for a name
   * that is neither.
   */
  async issueServer(req: ServerCertificateRequest): Promise<IssuedCertificate> {
    const names = serverSubjectAltNames(req.names ?? []);
    return this.issue(req, req.commonName ?? 'auxctld', names, x509.ExtendedKeyUsage.serverAuth);
  }

  /** issueClient: a client certificate with CN and, when given, a URI SAN. */
  async issueClient(req: ClientCertificateRequest): Promise<IssuedCertificate> {
    const names: x509.JsonGeneralName[] = [];
    if (req.uri !== undefined) names.push({ type: 'url', value: checkClientUri(req.uri) });
    return this.issue(req, req.commonName, names, x509.ExtendedKeyUsage.clientAuth);
  }

  /** verifies: true when `certPem` was signed by this CA (signature only, not validity). */
  verifies(certPem: string): boolean {
    try {
      return new NodeX509Certificate(certPem).verify(
        new NodeX509Certificate(this.certPem).publicKey,
      );
    } catch {
      return false;
    }
  }

  private async issue(
    window: ValidityWindow,
    commonName: string,
    names: x509.JsonGeneralName[],
    usage: x509.ExtendedKeyUsage,
  ): Promise<IssuedCertificate> {
    checkWindow(window);
    const keys = await generateKeyPair();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([usage], false),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(this.cert.publicKey),
    ];
    if (names.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(names, false));
    const serial = randomSerial();
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial,
      subject: [{ CN: [checkCommonName(commonName)] }],
      issuer: this.cert.subjectName,
      notBefore: window.notBefore,
      notAfter: window.notAfter,
      signingAlgorithm: SIGNING,
      publicKey: keys.publicKey,
      signingKey: this.signingKey,
      extensions,
    });
    return {
      certPem: cert.toString('pem'),
      keyPem: await keyToPem(keys),
      serial,
      notBefore: cert.notBefore,
      notAfter: cert.notAfter,
    };
  }
}

/** parseCertificate: a PEM certificate, or EINVAL naming `what` when it is not one. */
export function parseCertificate(pem: string, what: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(pem);
  } catch (e) {
    throw new AuxError('EINVAL', `${what} is not a valid PEM certificate`, undefined, {
      cause: e,
    });
  }
}

/** serverSubjectAltNames: DEFAULT_SERVER_NAMES plus `extra`, deduplicated, typed ip or dns. */
export function serverSubjectAltNames(extra: readonly string[]): x509.JsonGeneralName[] {
  const seen = new Set<string>();
  const out: x509.JsonGeneralName[] = [];
  for (const raw of [...DEFAULT_SERVER_NAMES, ...extra]) {
    const name = raw.trim().toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    if (isIP(name) !== 0) out.push({ type: 'ip', value: name });
    else if (isDnsName(name)) out.push({ type: 'dns', value: name });
    else {
      throw new AuxError(
        'EINVAL',
        `server name ${JSON.stringify(raw)} is neither an IP address nor a DNS name; pass host names like "nic-host.example" or addresses like "10.0.0.5"`,
      );
    }
  }
  return out;
}

/** isDnsName: RFC 1123 host name (labels of 1-63 letters, digits, '-', '_'; at most 253 chars). */
export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.endsWith('.') ? name.slice(0, -1).split('.') : name.split('.');
  return labels.every((l) => /^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(l));
}

function checkWindow(w: ValidityWindow): void {
  const from = w.notBefore.getTime();
  const to = w.notAfter.getTime();
  if (!Number.isFinite(from) || !Number.isFinite(to) || to <= from) {
    throw new AuxError('EINVAL', 'certificate validity: notAfter must be a date after notBefore');
  }
}

/**
 * checkCommonName: a CN of 1-64 characters (X.520 ub-common-name) from a
 * conservative set. DN syntax characters (`,+"\\<>;=#`) are refused because
 * the CN becomes a principal that policies match on, and because they do not
 * survive @peculiar/x509's name encoding intact.
 */
export function checkCommonName(cn: string): string {
  if (!/^[A-Za-z0-9._@:/~-](?:[A-Za-z0-9 ._@:/~-]{0,62}[A-Za-z0-9._@:/~-])?$/.test(cn)) {
    throw new AuxError(
      'EINVAL',
      `certificate common name ${JSON.stringify(cn)} must be 1-64 characters of letters, digits, space and ._@:/~- (no leading or trailing space)`,
    );
  }
  return cn;
}

/** checkClientUri: `uri` when it is an absolute ASCII URI fit for a URI SAN, else EINVAL. */
export function checkClientUri(uri: string): string {
  // URI SANs are IA5String (ASCII); a URI with spaces or controls is not one.
  if (!/^[a-z][a-z0-9+.-]*:[\x21-\x7e]+$/i.test(uri) || !URL.canParse(uri)) {
    throw new AuxError(
      'EINVAL',
      `client URI ${JSON.stringify(uri)} is not an absolute ASCII URI; use e.g. spiffe://auxctl/admin`,
    );
  }
  return uri;
}

function randomSerial(): string {
  // 16 random bytes, top bit clear (serials are positive) and never a leading zero byte.
  const b = randomBytes(16);
  b[0] = ((b[0] ?? 0) & 0x3f) | 0x40;
  return b.toString('hex');
}

async function generateKeyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function keyToPem(keys: CryptoKeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

async function importSigningKey(keyPem: string, what: string): Promise<CryptoKey> {
  let der: Buffer;
  try {
    const key = createPrivateKey(keyPem);
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error(`key type ${key.asymmetricKeyType ?? 'unknown'} is not ECDSA P-256`);
    }
    der = key.export({ format: 'der', type: 'pkcs8' });
  } catch (e) {
    throw new AuxError('EINVAL', `${what} is not a PEM ECDSA P-256 private key`, undefined, {
      cause: e,
    });
  }
  return webcrypto.subtle.importKey('pkcs8', der, EC_KEY, false, ['sign']);
}

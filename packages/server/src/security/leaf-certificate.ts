/**
 * LeafCertificate: keeping one leaf certificate of the state directory (the
 * server's or the admin's) usable.
 *
 * Owns the checks that decide between reusing a certificate/key pair and
 * issuing a new one: both files present and readable, key matching the
 * certificate, signed by the current CA, valid now and not within the
 * renewal margin, carrying the names asked for. It must never touch the CA
 * files, and writes the key before the certificate so that a crash between
 * the two leaves a mismatch the next start repairs.
 */
import { createPrivateKey, X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { Logger } from '@auxctl/core';
import type * as x509 from '@peculiar/x509';
import { type CertAuthority, type IssuedCertificate, parseCertificate } from './cert-authority.js';
import { ensureMode, readIfPresent, writeAtomic } from './state-files.js';

/** LeafFiles: where a leaf pair lives and how the report names it. */
export interface LeafFiles {
  cert: string;
  key: string;
  certName: 'server.pem' | 'admin.pem';
  keyName: 'server.key' | 'admin.key';
}

/** LeafRequest: a leaf to keep, the extra check it must pass and how to issue a new one. */
export interface LeafRequest {
  ca: CertAuthority;
  files: LeafFiles;
  /** lacks: why an otherwise valid certificate does not fit (e.g. a missing name), or undefined. */
  lacks: (cert: NodeX509Certificate) => string | undefined;
  issue: () => Promise<IssuedCertificate>;
  now: Date;
  /** renewMs: re-issue when the certificate expires within this many milliseconds. */
  renewMs: number;
  log: Logger;
}

/** LeafOutcome: what ensureLeaf did. `reason` is set for 'reissued'. */
export interface LeafOutcome {
  outcome: 'reused' | 'created' | 'reissued';
  reason?: string;
  notAfter: Date;
  certName: LeafFiles['certName'];
  keyName: LeafFiles['keyName'];
}

/** ensureLeaf: reuse a valid leaf pair, or issue and write a new one. */
export async function ensureLeaf(req: LeafRequest): Promise<LeafOutcome> {
  const { files, log } = req;
  const names = { certName: files.certName, keyName: files.keyName };
  const [certPem, keyPem] = await Promise.all([
    readIfPresent(files.cert),
    readIfPresent(files.key),
  ]);
  let reason: string | undefined;
  if (certPem !== undefined && keyPem !== undefined) {
    const found = inspectLeaf(req, certPem, keyPem);
    if ('notAfter' in found) {
      await ensureMode(files.key, 0o600, log);
      return { outcome: 'reused', notAfter: found.notAfter, ...names };
    }
    reason = found.reason;
  }
  const issued = await req.issue();
  await writeAtomic(files.key, issued.keyPem, 0o600);
  await writeAtomic(files.cert, issued.certPem, 0o644);
  if (reason === undefined) return { outcome: 'created', notAfter: issued.notAfter, ...names };
  log.warn(
    { file: files.cert, reason, notAfter: issued.notAfter.toISOString() },
    're-issued certificate',
  );
  return { outcome: 'reissued', reason, notAfter: issued.notAfter, ...names };
}

/** inspectLeaf: the pair's notAfter when it can be reused, else why not. */
function inspectLeaf(
  req: LeafRequest,
  certPem: Buffer,
  keyPem: Buffer,
): { notAfter: Date } | { reason: string } {
  let cert: NodeX509Certificate;
  let notBefore: Date;
  let notAfter: Date;
  try {
    cert = new NodeX509Certificate(certPem);
    ({ notBefore, notAfter } = parseCertificate(certPem.toString('utf8'), 'leaf'));
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
      return { reason: 'key does not match certificate' };
    }
  } catch {
    return { reason: 'certificate or key unreadable' };
  }
  const now = req.now.getTime();
  if (!req.ca.verifies(cert.toString())) return { reason: 'not issued by this CA' };
  if (notBefore.getTime() > now) return { reason: 'not valid yet' };
  if (notAfter.getTime() <= now) return { reason: 'expired' };
  if (notAfter.getTime() - now <= req.renewMs) return { reason: 'expires soon' };
  const missing = req.lacks(cert);
  return missing === undefined ? { notAfter } : { reason: missing };
}

/** missingServerName: the first of `names` (typed SANs) the certificate does not carry. */
export function missingServerName(
  cert: NodeX509Certificate,
  names: readonly x509.JsonGeneralName[],
): string | undefined {
  for (const { type, value } of names) {
    const ok =
      type === 'ip'
        ? cert.checkIP(value) !== undefined
        : cert.checkHost(value, { subject: 'never' }) !== undefined;
    if (!ok) return `lacks name ${value}`;
  }
  return undefined;
}

/**
 * PresentedIdentity: what a caller that failed authentication claimed to
 * be — the subject, URI SAN and issuer of the certificate it sent (even one
 * TLS refused), and the `sub` and `iss` of the bearer token it sent (read
 * without verifying: the token may be forged, expired or for another
 * server).
 *
 * Owns reading those claims for the audit log only. It must never be used
 * to decide who a caller is (that is principal.ts and bearer.ts, after
 * verification), never throw on anything a client sends, and never return
 * the token itself. Values are escaped and bounded by core's printable().
 */
import { printable } from '@auxctl/core';
import { decodeJwt } from 'jose';
import { http2SessionOfCall } from './call-chain.js';
import { commonNameOf, firstUriSan } from './principal.js';

/** PresentedIdentity: unverified claims of a refused caller (only the fields it sent). */
export type PresentedIdentity = Readonly<Record<string, string>>;

/** claimText: `v` as printable, bounded text for a log field (core's printable), or undefined when it is not a non-empty string. */
export function claimText(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? printable(v) : undefined;
}

/**
 * tokenClaims: `sub` and `iss` of an `authorization` header value, decoded
 * without verification; {} for anything that is not a bearer JWT.
 */
export function tokenClaims(authorization: unknown): Record<string, string> {
  if (typeof authorization !== 'string' || authorization.length > 8192) return {};
  const m = /^bearer +(\S+)$/i.exec(authorization.trim());
  if (!m) return {};
  let payload: Record<string, unknown>;
  try {
    payload = decodeJwt(m[1] as string);
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  const sub = claimText(payload.sub);
  const iss = claimText(payload.iss);
  if (sub !== undefined) out.token_sub = sub;
  if (iss !== undefined) out.token_iss = iss;
  return out;
}

interface PeerCert {
  raw?: unknown;
  subject?: Record<string, unknown> | null;
  issuer?: Record<string, unknown> | null;
  subjectaltname?: string;
}

/** certificateClaims: subject CN, first URI SAN and issuer CN of the certificate a peer sent, verified or not. */
export function certificateClaims(cert: PeerCert | undefined): Record<string, string> {
  if (cert === undefined || cert === null || cert.raw === undefined) return {};
  const out: Record<string, string> = {};
  const cn = claimText(commonNameOf(cert.subject as never));
  const uri = claimText(firstUriSan(cert.subjectaltname));
  const issuer = claimText(commonNameOf(cert.issuer as never));
  if (cn !== undefined) out.cert_subject_cn = cn;
  if (uri !== undefined) out.cert_uri = uri;
  if (issuer !== undefined) out.cert_issuer_cn = issuer;
  return out;
}

/** presentedIdentity: the claims a call's caller presented (certificate and token); {} when none. */
export function presentedIdentity(
  call: object,
  authorization: unknown,
): PresentedIdentity | undefined {
  let cert: PeerCert | undefined;
  try {
    const socket = (http2SessionOfCall(call) as { socket?: unknown } | undefined)?.socket as
      | { getPeerCertificate?: () => PeerCert }
      | undefined;
    cert = socket?.getPeerCertificate?.();
  } catch {
    cert = undefined;
  }
  const out = { ...certificateClaims(cert), ...tokenClaims(authorization) };
  return Object.keys(out).length > 0 ? out : undefined;
}

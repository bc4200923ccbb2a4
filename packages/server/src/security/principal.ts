/**
 * Principal: who is on the other end of a TLS connection.
 *
 * Owns the rule "principal = first URI SAN (a SPIFFE id such as
 * `spiffe://auxctl/admin`), else the subject CN" and the parsing of the shapes
 * Node gives a peer certificate in. A principal names an identity only after
 * the TLS layer has verified the chain; this module must never be fed an
 * unverified certificate and must never decide what a principal may do
 * (that is the policy's job).
 */
import type { PeerCertificate } from 'node:tls';
import { http2SessionOfCall } from './call-chain.js';

/** SubjectAltName: one entry of a certificate's subjectAltName. */
export interface SubjectAltName {
  /** type: as Node prints it: `DNS`, `URI`, `IP Address`, `email`, `DirName`, ... */
  type: string;
  value: string;
}

/** PeerIdentity: a peer certificate's principal and where it came from. */
export interface PeerIdentity {
  principal: string;
  source: 'uri-san' | 'cn';
}

/**
 * PeerCertificateLike: the parts of `tls.PeerCertificate` used here. `subject`
 * values are arrays when an attribute repeats, and `subject` may be missing
 * or a null-prototype object.
 */
export interface PeerCertificateLike {
  subject?: Partial<Record<string, string | string[]>> | null;
  subjectaltname?: string;
}

/**
 * parseSubjectAltNames: split Node's `subjectaltname` text
 * (`"DNS:x, IP Address:127.0.0.1, URI:spiffe://a/b"`) into entries. Since
 * Node 17.3 a value holding a comma, quote, backslash or control character is
 * printed as a JSON string (`URI:"spiffe://a/b\u002cc"`), which is decoded here,
 * so a crafted SAN cannot smuggle in a second entry. Never throws: text that
 * does not parse yields the entries before it.
 */
export function parseSubjectAltNames(text: string | undefined): SubjectAltName[] {
  const out: SubjectAltName[] = [];
  if (typeof text !== 'string') return out;
  let i = 0;
  // Each iteration consumes at least one character, so the loop ends.
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon);
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      const end = endOfJsonString(text, j);
      if (end < 0) break;
      try {
        value = JSON.parse(text.slice(j, end + 1)) as string;
      } catch {
        break;
      }
      j = end + 1;
    } else {
      const comma = text.indexOf(', ', j);
      j = comma < 0 ? text.length : comma;
      value = text.slice(colon + 1, j);
    }
    out.push({ type, value });
    if (j >= text.length) break;
    if (!text.startsWith(', ', j)) break;
    i = j + 2;
  }
  return out;
}

/** endOfJsonString: index of the closing quote of the JSON string opening at `start`, or -1. */
function endOfJsonString(text: string, start: number): number {
  for (let k = start + 1; k < text.length; k++) {
    const c = text[k];
    if (c === '\\') k++;
    else if (c === '"') return k;
  }
  return -1;
}

/** firstUriSan: the value of the first URI entry of `subjectaltname`, if any. */
export function firstUriSan(text: string | undefined): string | undefined {
  return parseSubjectAltNames(text).find((n) => n.type === 'URI' && n.value.length > 0)?.value;
}

/**
 * commonNameOf: the subject CN, or undefined when there is none or when it
 * repeats (a certificate with two CNs names no one in particular).
 */
export function commonNameOf(subject: PeerCertificateLike['subject']): string | undefined {
  if (subject === null || typeof subject !== 'object') return undefined;
  const cn = Object.hasOwn(subject, 'CN') ? subject.CN : undefined;
  if (typeof cn === 'string') return cn.length > 0 ? cn : undefined;
  return undefined;
}

/** peerIdentity: principal and source of a verified peer certificate, or undefined. */
export function peerIdentity(
  cert: PeerCertificateLike | null | undefined,
): PeerIdentity | undefined {
  if (cert === null || typeof cert !== 'object') return undefined;
  const uri = firstUriSan(cert.subjectaltname);
  if (uri !== undefined) return { principal: uri, source: 'uri-san' };
  const cn = commonNameOf(cert.subject);
  if (cn !== undefined) return { principal: cn, source: 'cn' };
  return undefined;
}

/** principalOfPeer: the principal of a verified peer certificate (first URI SAN, else CN). */
export function principalOfPeer(cert: PeerCertificateLike | null | undefined): string | undefined {
  return peerIdentity(cert)?.principal;
}

/**
 * AuthContextCall: the part of every grpc-js server call (unary, server/client
 * stream, bidi) used here; grpc-js does not export its AuthContext type.
 */
export interface AuthContextCall {
  getAuthContext(): { sslPeerCertificate?: PeerCertificate } | null;
}

/**
 * peerCertificateOfCall: the client certificate grpc-js verified for this
 * call. grpc-js (1.14) returns it from `call.getAuthContext()
 * .sslPeerCertificate` only when the connection is TLS, the socket is
 * `authorized` (chain verified against the server's CA) and the client sent
 * a certificate; otherwise undefined.
 */
export function peerCertificateOfCall(call: AuthContextCall): PeerCertificate | undefined {
  try {
    return call.getAuthContext()?.sslPeerCertificate ?? undefined;
  } catch {
    // A call whose session is already gone has no peer to speak of.
    return undefined;
  }
}

/**
 * tlsRefusalOfCall: why TLS did not verify the client's certificate on this
 * call's connection (Node's `authorizationError`, e.g. `CERT_HAS_EXPIRED`),
 * or undefined when it did, when the client presented none, or when the
 * connection cannot be reached.
 */
export function tlsRefusalOfCall(call: object): string | undefined {
  const socket = (http2SessionOfCall(call) as { socket?: unknown } | undefined)?.socket as
    | { authorized?: boolean; authorizationError?: unknown; getPeerCertificate?: () => unknown }
    | undefined;
  if (socket === undefined || socket.authorized !== false) return undefined;
  // Without a certificate Node still reports an error (no issuer to check); nothing was refused.
  const cert = socket.getPeerCertificate?.() as { raw?: unknown } | undefined;
  if (cert?.raw === undefined) return undefined;
  const e = socket.authorizationError;
  if (e instanceof Error) return (e as NodeJS.ErrnoException).code ?? e.message;
  return typeof e === 'string' ? e : undefined;
}

// Reading the peer certificate makes Node convert it to an object with three
// fingerprints on every call; it was the dearest step of a small call. The
// certificate cannot change within a connection (Node's HTTP/2 disables TLS
// renegotiation), so its principal is kept per session.
const principalBySession = new WeakMap<object, string | undefined>();

/** principalOfCall: the mTLS principal of a grpc-js server call, or undefined (cached per connection). */
export function principalOfCall(call: AuthContextCall): string | undefined {
  const session = http2SessionOfCall(call);
  if (session !== undefined && principalBySession.has(session)) {
    return principalBySession.get(session);
  }
  const principal = principalOfPeer(peerCertificateOfCall(call));
  if (session !== undefined) principalBySession.set(session, principal);
  return principal;
}

/**
 * Bearer: JWT bearer-token authentication (the alternative to client
 * certificates).
 *
 * Owns the parsing of an `authorization: Bearer <jwt>` value and its
 * verification with jose against one configured key: an HMAC secret, a
 * public key PEM, a JWK or a JWK set. The principal is the token's `sub`.
 * Also mints tokens (tests, operator tooling).
 *
 * Every rejection is `AuxError('EKEYREJECTED')` with `detail.reason`; the
 * server maps EKEYREJECTED to gRPC UNAUTHENTICATED. Messages never contain
 * the token. This module must never accept an unsigned token (`alg: none`),
 * a token without `sub`, or (by default) one without `exp`, and never fetch
 * keys over the network.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { AuxError } from '@auxctl/prm';
import {
  createLocalJWKSet,
  type JSONWebKeySet,
  type JWK,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose';

/** BearerKey: the one key tokens are verified with. A string secret is taken as UTF-8 bytes. */
export type BearerKey =
  | { secret: string | Uint8Array }
  | { publicKeyPem: string }
  | { jwk: JWK }
  | { jwks: JSONWebKeySet };

/** BearerConfig: how tokens are verified. */
export interface BearerConfig {
  key: BearerKey;
  /** algorithms: accepted `alg` values, e.g. ['HS256'] or ['ES256']; never 'none'. */
  algorithms: readonly string[];
  issuer?: string | string[];
  audience?: string | string[];
  /** clockToleranceSec: allowed clock skew for exp/nbf/iat, 0..300 s (default 30). */
  clockToleranceSec?: number;
  /** requireExpiry: reject tokens without `exp` (default true). */
  requireExpiry?: boolean;
  /** maxTokenLength: longest header value accepted, in characters (default 8192). */
  maxTokenLength?: number;
  /** now: the clock (default the system clock). */
  now?: () => Date;
}

/** BearerIdentity: who a verified token speaks for. */
export interface BearerIdentity {
  principal: string;
  expiresAt: Date | undefined;
  issuer: string | undefined;
}

/** BearerRejection: why a token was refused (`AuxError.detail.reason`). */
export type BearerRejection =
  | 'missing'
  | 'malformed'
  | 'algorithm'
  | 'signature'
  | 'unknown-key'
  | 'expired'
  | 'not-yet-valid'
  | 'issuer'
  | 'audience'
  | 'claims';

const HMAC_ALGS = new Set(['HS256', 'HS384', 'HS512']);
const MIN_SECRET_BYTES = 32;

/** rejected: the AuxError every refusal is. */
function rejected(reason: BearerRejection, what: string, cause?: unknown): AuxError {
  return new AuxError(
    'EKEYREJECTED',
    `bearer token rejected: ${what}`,
    { reason },
    cause === undefined ? undefined : { cause },
  );
}

/**
 * parseAuthorization: the token of an `authorization` value `Bearer <token>`
 * (scheme case-insensitive). Throws EKEYREJECTED ('missing' or 'malformed').
 */
export function parseAuthorization(value: string | undefined, maxLength = 8192): string {
  if (value === undefined || value === '') {
    throw rejected('missing', 'no authorization header; send "authorization: Bearer <token>"');
  }
  if (typeof value !== 'string' || value.length > maxLength) {
    throw rejected('malformed', 'authorization header too long or not text');
  }
  const m = /^bearer +([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/i.exec(value.trim());
  if (m === null) {
    throw rejected('malformed', 'expected "Bearer <header.payload.signature>"');
  }
  return m[1] as string;
}

/** BearerVerifier: verifies bearer tokens against one configured key. */
export class BearerVerifier {
  private constructor(
    private readonly key: Uint8Array | KeyObject | JWK | JWTVerifyGetKey,
    private readonly config: BearerConfig,
  ) {}

  /**
   * create: check the configuration and import the key. Throws EINVAL for a
   * short secret (< 32 bytes), an algorithm that does not fit the key kind,
   * 'none', or a key that does not parse.
   */
  static async create(config: BearerConfig): Promise<BearerVerifier> {
    const algs = [...config.algorithms];
    if (algs.length === 0 || algs.some((a) => a.toLowerCase() === 'none')) {
      throw new AuxError(
        'EINVAL',
        'bearer: list the accepted algorithms (e.g. HS256, ES256); "none" is never accepted',
      );
    }
    const tol = config.clockToleranceSec ?? 30;
    if (!Number.isFinite(tol) || tol < 0 || tol > 300) {
      throw new AuxError('EINVAL', 'bearer: clockToleranceSec must be within 0..300');
    }
    const k = config.key;
    const symmetric = 'secret' in k || ('jwk' in k && k.jwk.kty === 'oct');
    const mismatched = symmetric
      ? !algs.every((a) => HMAC_ALGS.has(a))
      : algs.some((a) => HMAC_ALGS.has(a));
    if (mismatched) {
      throw new AuxError(
        'EINVAL',
        `bearer: algorithms ${algs.join(',')} do not fit a ${symmetric ? 'shared secret (use HS256/384/512)' : 'public key (use RS*, PS*, ES* or EdDSA)'}`,
      );
    }
    if ('secret' in k) {
      const bytes = typeof k.secret === 'string' ? new TextEncoder().encode(k.secret) : k.secret;
      if (bytes.length < MIN_SECRET_BYTES) {
        throw new AuxError(
          'EINVAL',
          `bearer: the HMAC secret must be at least ${MIN_SECRET_BYTES} bytes`,
        );
      }
      return new BearerVerifier(bytes, config);
    }
    if ('publicKeyPem' in k) {
      try {
        return new BearerVerifier(createPublicKey(k.publicKeyPem), config);
      } catch (e) {
        throw new AuxError(
          'EINVAL',
          'bearer: publicKeyPem is not a PEM public key or certificate',
          undefined,
          { cause: e },
        );
      }
    }
    if ('jwk' in k) {
      if ('d' in k.jwk && k.jwk.kty !== 'oct') {
        throw new AuxError('EINVAL', 'bearer: configure the public JWK, not the private one');
      }
      return new BearerVerifier(k.jwk, config);
    }
    try {
      return new BearerVerifier(createLocalJWKSet(k.jwks), config);
    } catch (e) {
      throw new AuxError('EINVAL', 'bearer: jwks is not a JSON Web Key Set', undefined, {
        cause: e,
      });
    }
  }

  /**
   * verifyBearer: verify the value of an `authorization` header. Resolves the
   * principal (`sub`) and expiry; rejects with EKEYREJECTED and
   * `detail.reason` (see {@link BearerRejection}).
   */
  async verifyBearer(authorization: string | undefined): Promise<BearerIdentity> {
    return this.verifyToken(parseAuthorization(authorization, this.config.maxTokenLength));
  }

  /** verifyToken: as verifyBearer, for a bare compact JWT. */
  async verifyToken(token: string): Promise<BearerIdentity> {
    const c = this.config;
    const required = c.requireExpiry === false ? ['sub'] : ['sub', 'exp'];
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: [...c.algorithms],
        issuer: c.issuer,
        audience: c.audience,
        clockTolerance: c.clockToleranceSec ?? 30,
        currentDate: (c.now ?? (() => new Date()))(),
        requiredClaims: required,
      }));
    } catch (e) {
      throw joseRejection(e);
    }
    const sub = payload.sub;
    // Control characters in a principal would forge audit lines and policy matches.
    if (typeof sub !== 'string' || sub.length === 0 || sub.length > 1024 || /[\p{Cc}]/u.test(sub)) {
      throw rejected('claims', '"sub" must be 1-1024 printable characters');
    }
    return {
      principal: sub,
      expiresAt: typeof payload.exp === 'number' ? new Date(payload.exp * 1000) : undefined,
      issuer: payload.iss,
    };
  }
}

function joseRejection(e: unknown): AuxError {
  const code = (e as { code?: unknown }).code;
  const claim = (e as { claim?: unknown }).claim;
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return rejected('expired', 'token expired; obtain a new token', e);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (claim === 'nbf')
        return rejected('not-yet-valid', 'token not valid yet (nbf); check clocks', e);
      if (claim === 'iss') return rejected('issuer', 'unexpected issuer', e);
      if (claim === 'aud') return rejected('audience', 'token is for another audience', e);
      return rejected(
        'claims',
        `claim ${typeof claim === 'string' ? claim : '?'} invalid or missing`,
        e,
      );
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return rejected('signature', 'signature does not verify', e);
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return rejected('algorithm', 'algorithm not accepted', e);
    case 'ERR_JWKS_NO_MATCHING_KEY':
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return rejected('unknown-key', 'no single configured key matches the token', e);
    default:
      // JWS/JWT syntax errors, and a key jose refuses for the token's alg.
      return rejected('malformed', 'token is not a valid signed JWT for this server', e);
  }
}

/** MintKey: what tokens are signed with; PEM is a PKCS#8 (or SEC1/PKCS#1) private key. */
export type MintKey =
  | { secret: string | Uint8Array }
  | { privateKeyPem: string }
  | { keyObject: KeyObject };

/** MintRequest: the claims and key of a token to mint. */
export interface MintRequest {
  key: MintKey;
  alg: string;
  sub: string;
  issuer?: string;
  audience?: string | string[];
  /** issuedAt: `iat` and the base of the expiry (default now). */
  issuedAt?: Date;
  /** ttlSec: lifetime from issuedAt (default 3600); ignored when expiresAt is given. */
  ttlSec?: number;
  expiresAt?: Date;
  notBefore?: Date;
  /** kid: key id header, for JWK sets. */
  kid?: string;
}

/** mintBearer: sign a compact JWT. Throws EINVAL for a bad key or alg 'none'. */
export async function mintBearer(req: MintRequest): Promise<string> {
  if (req.alg.toLowerCase() === 'none')
    throw new AuxError('EINVAL', 'mintBearer: alg "none" is not a signature');
  const k = req.key;
  let key: Uint8Array | KeyObject;
  try {
    key =
      'secret' in k
        ? typeof k.secret === 'string'
          ? new TextEncoder().encode(k.secret)
          : k.secret
        : 'privateKeyPem' in k
          ? createPrivateKey(k.privateKeyPem)
          : k.keyObject;
  } catch (e) {
    throw new AuxError('EINVAL', 'mintBearer: privateKeyPem is not a PEM private key', undefined, {
      cause: e,
    });
  }
  const iat = req.issuedAt ?? new Date();
  const exp = req.expiresAt ?? new Date(iat.getTime() + (req.ttlSec ?? 3600) * 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader(
      req.kid === undefined
        ? { alg: req.alg, typ: 'JWT' }
        : { alg: req.alg, typ: 'JWT', kid: req.kid },
    )
    .setSubject(req.sub)
    .setIssuedAt(seconds(iat))
    .setExpirationTime(seconds(exp));
  if (req.issuer !== undefined) jwt.setIssuer(req.issuer);
  if (req.audience !== undefined) jwt.setAudience(req.audience);
  if (req.notBefore !== undefined) jwt.setNotBefore(seconds(req.notBefore));
  try {
    return await jwt.sign(key);
  } catch (e) {
    throw new AuxError(
      'EINVAL',
      `mintBearer: cannot sign with ${req.alg} using this key`,
      undefined,
      { cause: e },
    );
  }
}

function seconds(d: Date): number {
  return Math.floor(d.getTime() / 1000);
}

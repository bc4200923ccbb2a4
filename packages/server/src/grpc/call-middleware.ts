/**
 * CallMiddleware: the middleware every auxctld call passes through —
 * outcome (log line, metrics and the audit line of a refusal),
 * authentication, rate limiting (per call, and per RPC inside a Session)
 * and authorization, each small and separate (see call-context.ts for the
 * shape).
 *
 * Owns who the caller is, whether it may go on, the one log line per call
 * and handing each refusal to RefusalAudit (which owns the line). It must
 * never decide what a handler does with an authorized call, and never log
 * a token, a payload or (for expected errors) a stack.
 */
import { performance } from 'node:perf_hooks';
import { LineWriter, type Logger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import { status } from '@grpc/grpc-js';
import type { RateLimiter } from '../limits/index.js';
import type { PolicyDecision, PolicyRequest } from '../policy/index.js';
import {
  type BearerVerifier,
  presentedIdentity,
  principalOfCall,
  tlsRefusalOfCall,
} from '../security/index.js';
import {
  type CallContext,
  type CallNext,
  type CallTarget,
  extendCall,
  type HandlerRefusal,
  type Middleware,
  type ServerCallLike,
} from './call-context.js';
import { grpcFailureOf } from './grpc-status.js';
import { RefusalAudit, refusalOf } from './refusal-audit.js';

/** The keys of the per-call log line and of a grant's audit line, in their order. */
export const CALL_LINE_KEYS = [
  'method',
  'principal',
  'peer',
  'code',
  'latencyMs',
  'errno',
] as const;
export const AUTHZ_LINE_KEYS = [
  'event',
  'principal',
  'method',
  'device',
  'scope',
  'allowed',
  'rule',
] as const;

/** CachedLineWriter: core's LineWriter for the last logger asked about (the server has one). */
class CachedLineWriter {
  private log: Logger | undefined;
  private writer: LineWriter | undefined;

  constructor(
    private readonly keys: readonly string[],
    private readonly messages: readonly string[],
  ) {}

  of(log: Logger): LineWriter | undefined {
    if (log !== this.log) {
      this.log = log;
      this.writer = LineWriter.forLogger(log, this.keys, this.messages);
    }
    return this.writer;
  }
}

/** CallObserver: told how each call ended (the metrics): grpc status name and duration. */
export type CallObserver = (method: string, code: string, seconds: number) => void;

/**
 * callOutcome: how each call ended, measured once: one log line (`method`,
 * `principal`, `code`, `latencyMs`) and one `observe` (the metrics). The
 * code is the one the client gets (grpcFailureOf for errors, CANCELLED when
 * the client went away). Unexpected errors are logged with their stack
 * here, since the client only reads "internal error". A call refused by a
 * check (authentication, limits, messages; see refusalOf) that no inner step
 * audited yet gets its audit line here, from outside authentication so its
 * failures are seen (with what the caller presented). It must never change
 * the call's outcome.
 */
export function callOutcome(observe?: CallObserver, refusals?: RefusalAudit): Middleware {
  const callLines = new CachedLineWriter(CALL_LINE_KEYS, ['call']);
  return async (outer, next) => {
    const start = performance.now();
    // The slot authentication fills, seen here once the inner middleware ran.
    const ctx: CallContext = outer.caller ? outer : { ...outer, caller: {} };
    const done = (code: string, level: 'info' | 'error', extra?: Record<string, unknown>) => {
      const ms = performance.now() - start;
      observe?.(ctx.method, code, ms / 1000);
      if (!ctx.log.isLevelEnabled(level)) return;
      const principal = ctx.caller?.principal;
      const peer = ctx.call.getPeer();
      const latencyMs = Math.round(ms * 1000) / 1000;
      if (level === 'info') {
        const w = callLines.of(ctx.log);
        if (
          w?.write('info', [ctx.method, principal, peer, code, latencyMs, extra?.errno], 'call')
        ) {
          return;
        }
      }
      const line = { method: ctx.method, principal, peer, code, latencyMs, ...extra };
      if (level === 'error') ctx.log.error(line, 'call failed unexpectedly');
      else ctx.log.info(line, 'call');
    };
    try {
      await next(ctx);
    } catch (err) {
      const f = grpcFailureOf(err);
      const code = status[f.code] ?? 'UNKNOWN';
      if (refusals) auditRefusal(refusals, ctx, err);
      if (f.unexpected) done(code, 'error', { err });
      else done(code, 'info', { errno: f.errno });
      throw err;
    }
    done(ctx.cancel.aborted ? 'CANCELLED' : 'OK', 'info');
  };
}

/** AuthenticationOptions: how callers prove who they are. */
export interface AuthenticationOptions {
  /** Verify `authorization: Bearer` tokens; a verified client certificate still counts. */
  readonly bearer?: BearerVerifier;
  /** Principal of calls that carry no credentials on a plaintext (loopback) server. */
  readonly anonymousPrincipal?: string;
}

/**
 * authenticateCall: the principal of a call — from a bearer token (when
 * configured and sent; then a promise, as verifying it may fetch keys),
 * else from the verified client certificate (URI SAN, else CN), else the
 * anonymous principal (plaintext only); otherwise throws EKEYREJECTED
 * saying what was wrong with what the client presented.
 */
export function authenticateCall(
  opts: AuthenticationOptions,
  call: ServerCallLike,
): string | Promise<string> {
  const header = call.metadata.get('authorization')[0];
  if (header !== undefined) {
    if (opts.bearer) return opts.bearer.verifyBearer(String(header)).then((v) => v.principal);
    // A token the server would ignore must not pass as "authenticated by certificate".
    throw new AuxError(
      'EKEYREJECTED',
      'this server does not accept bearer tokens; authenticate with a client certificate from its CA and send no token',
      { reason: 'bearer-not-accepted' },
    );
  }
  const principal = principalOfCall(call) ?? opts.anonymousPrincipal;
  if (principal !== undefined) return principal;
  const refusal = tlsRefusalOfCall(call);
  const presented = refusal
    ? `the client certificate was refused (${refusal})`
    : 'no client certificate was presented';
  throw new AuxError(
    'EKEYREJECTED',
    opts.bearer
      ? `${presented}: send "authorization: Bearer <token>" or a valid certificate from this server's CA`
      : `${presented}: use a valid certificate issued by this server's CA`,
    { reason: refusal ?? 'no-certificate' },
  );
}

/** auditRefusal: the audit line of a call's refusal, unless it is none or was audited where it was thrown. */
function auditRefusal(refusals: RefusalAudit, ctx: CallContext, err: unknown): void {
  const kind = refusalOf(err);
  if (kind === undefined) return;
  const call = ctx.call;
  refusals.recordError(err, {
    method: ctx.method,
    principal: ctx.caller?.principal,
    peer: call.getPeer(),
    presented:
      kind === 'authentication'
        ? presentedIdentity(call, call.metadata.get('authorization')[0])
        : undefined,
  });
}

/** authentication: authenticateCall as a middleware; the handler sees `principal`. */
export function authentication(opts: AuthenticationOptions): Middleware {
  const withPrincipal = (ctx: CallContext, next: CallNext, principal: string): Promise<void> => {
    if (ctx.caller) ctx.caller.principal = principal;
    return next(extendCall(ctx, { principal }));
  };
  return (ctx, next) => {
    const found = authenticateCall(opts, ctx.call);
    return typeof found === 'string'
      ? withPrincipal(ctx, next, found)
      : found.then((principal) => withPrincipal(ctx, next, principal));
  };
}

/** rateLimit: one token per call from the principal's bucket; EBUSY when empty. */
export function rateLimit(limiter: RateLimiter): Middleware {
  return (ctx, next) => {
    limiter.takeOrThrow(principalOf(ctx));
    return next(ctx);
  };
}

/** RpcAdmission: takes a token for one RPC of a running call (a Session) on `device`, or throws EBUSY. */
export type RpcAdmission = (device: string) => void;

/**
 * rpcRate: the per-principal rate limit for RPCs that run inside a call
 * (a Session's firmware RPCs), from the same buckets as `rateLimit`, so
 * RPCs cost the same whether they come by Exec or inside a Session. A
 * refusal is audited here, as only that RPC fails.
 */
export function rpcRate(
  limiter: RateLimiter,
  refusals: RefusalAudit,
): (ctx: CallContext) => RpcAdmission {
  return (ctx) => {
    const principal = principalOf(ctx);
    return (device) => {
      try {
        limiter.takeOrThrow(principal);
      } catch (err) {
        refusals.recordError(err, {
          method: ctx.method,
          principal,
          peer: ctx.call.getPeer(),
          device,
        });
        throw err;
      }
    };
  };
}

/** PolicyEvaluator: the part of PolicyStore authorization uses. */
export interface PolicyEvaluator {
  evaluate(req: PolicyRequest): PolicyDecision;
}

/**
 * authorization: gives the handler `decide` and `authorize` for this call's
 * principal and method. Handlers authorize once they know the device and
 * scope (a Session learns them from its first message). Every denial is an
 * refusal line (RefusalAudit); every grant of a device-scoped call is an
 * `authz` line.
 */
export function authorization(
  policy: PolicyEvaluator,
  audit: Logger,
  refusals: RefusalAudit,
): Middleware {
  const authzLines = new CachedLineWriter(AUTHZ_LINE_KEYS, ['allowed']);
  return (ctx, next) => {
    const principal = principalOf(ctx);
    const decide = (t: CallTarget): PolicyDecision =>
      policy.evaluate({ principal, method: ctx.method, device: t.device, scope: t.scope });
    const authorize = (t: CallTarget): PolicyDecision => {
      const d = decide(t);
      if (!d.allowed) {
        const reason = `${principal} may not call ${ctx.method} on ${t.device ?? 'this host'}${t.scope ? ` at scope ${t.scope}` : ''} (${d.reason}); ask the operator for a policy rule`;
        refusals.record({
          kind: 'authorization',
          principal,
          method: ctx.method,
          device: t.device,
          scope: t.scope,
          peer: ctx.call.getPeer(),
          code: 'PERMISSION_DENIED',
          errno: 'EPERM',
          reason,
          cause: d.reason,
        });
        throw RefusalAudit.markAudited(
          new AuxError('EPERM', reason, { device: t.device, scope: t.scope, rule: d.reason }),
        );
      }
      if (t.device !== undefined && audit.isLevelEnabled('info')) {
        const values = ['authz', principal, ctx.method, t.device, t.scope, true, d.reason];
        if (!authzLines.of(audit)?.write('info', values, 'allowed')) {
          audit.info(Object.fromEntries(AUTHZ_LINE_KEYS.map((k, i) => [k, values[i]])), 'allowed');
        }
      }
      return d;
    };
    const refuse = (r: HandlerRefusal): void =>
      refusals.record({ ...r, principal, method: ctx.method, peer: ctx.call.getPeer() });
    return next(extendCall(ctx, { decide, authorize, refuse }));
  };
}

function principalOf(ctx: CallContext): string {
  if (ctx.principal === undefined) {
    throw new AuxError('EKEYREJECTED', 'call reached a check before authentication');
  }
  return ctx.principal;
}

/**
 * CallContext: what middleware and handlers know about one gRPC call, and
 * how middleware composes (nice-grpc style: each middleware is a small async
 * function that calls `next` with an extended context, cleaning up in
 * `finally`).
 *
 * Owns the middleware shape and its composition, and the one guard a
 * handler runs before it asks the policy (`authorizeTarget`). It must never
 * know what a particular middleware does; the order is chosen in one place
 * (the server).
 */

import type { Logger } from '@auxctl/core';
import { AuxError, type FwctlScopeName } from '@auxctl/prm';
import type { Metadata } from '@grpc/grpc-js';
import type { PolicyDecision } from '../policy/index.js';
import type { AuthContextCall } from '../security/index.js';
import type { Refusal } from './refusal-audit.js';

/** CallTarget: what a call acts on, as the policy sees it. */
export interface CallTarget {
  readonly device?: string;
  readonly scope?: FwctlScopeName;
}

/** ServerCallLike: the parts of a grpc-js server call middleware reads. */
export interface ServerCallLike extends AuthContextCall {
  readonly metadata: Metadata;
  getPeer(): string;
}

/**
 * CallCancellation: one call's cancellation. `aborted` is a plain read; the
 * AbortSignal is made the first time `signal` is read, so a call that never
 * waits on it (a unary call) never pays for one.
 */
export interface CallCancellation {
  readonly aborted: boolean;
  readonly signal: AbortSignal;
}

/** CallContext: one call as it passes through the middleware chain. */
export interface CallContext {
  /** `auxctl.v1.CtlService/Exec` (no leading slash, the policy's form). */
  readonly method: string;
  readonly call: ServerCallLike;
  /** Whether the client cancelled the call or its deadline passed (grpc-js cancels the call). */
  readonly cancel: CallCancellation;
  readonly log: Logger;
  /** Set by the authentication middleware. */
  readonly principal?: string;
  /**
   * caller: one slot per call, shared by every context the chain derives
   * from it, which authentication fills too, so middleware outside it (the
   * call's outcome line, refusal audit) can name the principal.
   */
  readonly caller?: { principal?: string };
  /** decide: the policy's verdict on `target` for this call (set by authorization). */
  readonly decide?: (target: CallTarget) => PolicyDecision;
  /** authorize: as decide, throwing EPERM (and auditing) on denial. */
  readonly authorize?: (target: CallTarget) => PolicyDecision;
  /**
   * refuse: the audit line of a refusal a handler makes itself (RefusalAudit;
   * principal, method and peer filled in), e.g. a dump resume by another
   * principal answered as an unknown id. Set by authorization.
   */
  readonly refuse?: (r: HandlerRefusal) => void;
}

/** CallExtension: what a middleware adds to the context it passes on. */
export type CallExtension = Pick<CallContext, 'principal' | 'decide' | 'authorize' | 'refuse'>;

/**
 * extendCall: `ctx` with what `more` sets, as a new context. Every context
 * has the same keys in the same order, spelt out: on Node 20, a spread
 * followed by a key (`{ ...ctx, principal }`) makes V8 build a new hidden
 * class on every call (about 1 µs each, and maps for the collector),
 * where this literal reuses one, and the handlers' reads of a context stay
 * monomorphic.
 */
export function extendCall(ctx: CallContext, more: CallExtension): CallContext {
  return {
    method: ctx.method,
    call: ctx.call,
    cancel: ctx.cancel,
    log: ctx.log,
    caller: ctx.caller,
    principal: more.principal ?? ctx.principal,
    decide: more.decide ?? ctx.decide,
    authorize: more.authorize ?? ctx.authorize,
    refuse: more.refuse ?? ctx.refuse,
  };
}

/** newCallContext: the context a call starts with (no principal yet), in extendCall's shape. */
export function newCallContext(
  method: string,
  call: ServerCallLike,
  cancel: CallCancellation,
  log: Logger,
): CallContext {
  return extendCall({ method, call, cancel, log, caller: {} }, {});
}

/** HandlerRefusal: a handler's refusal, without what the call already knows. */
export type HandlerRefusal = Omit<Refusal, 'principal' | 'method' | 'peer' | 'presented'>;

/** AuthorizedCall: a call the authentication and authorization middleware have seen. */
export type AuthorizedCall = CallContext & {
  readonly principal: string;
  readonly decide: (target: CallTarget) => PolicyDecision;
  readonly authorize: (target: CallTarget) => PolicyDecision;
};

/**
 * authorizedCall: `ctx` as a call the authorization middleware has seen;
 * EPERM when it has no principal, `decide` or `authorize` (a handler reached
 * without the middleware must refuse, never allow).
 */
export function authorizedCall(ctx: CallContext): AuthorizedCall {
  if (!ctx.authorize || !ctx.decide || ctx.principal === undefined) {
    throw new AuxError('EPERM', 'call is not authorized');
  }
  return ctx as AuthorizedCall;
}

/** authorizeTarget: the policy's grant of `target` for this call; EPERM when it is denied or unauthorized. */
export function authorizeTarget(ctx: CallContext, target: CallTarget): PolicyDecision {
  return authorizedCall(ctx).authorize(target);
}

/** CallNext: the rest of the chain. */
export type CallNext = (ctx: CallContext) => Promise<void>;

/**
 * Middleware: wraps the rest of the chain. A middleware that only checks
 * may be a plain function that throws or returns `next(...)`: no promise of
 * its own (composeMiddleware turns a synchronous throw into a rejection).
 */
export type Middleware = (ctx: CallContext, next: CallNext) => Promise<void>;

/** CallChain: the composed middleware, with the handler as its last step. */
export type CallChain = (ctx: CallContext, handler: CallNext) => Promise<void>;

/** composeMiddleware: `mws[0]` outermost, then the others in order, then the handler. */
export function composeMiddleware(mws: readonly Middleware[]): CallChain {
  return (ctx, handler) => {
    const step = (i: number, c: CallContext): Promise<void> => {
      const mw = mws[i];
      try {
        // A step never throws: a synchronous throw (middleware or handler) is a rejection.
        return mw ? mw(c, (n) => step(i + 1, n)) : handler(c);
      } catch (err) {
        return Promise.reject(err);
      }
    };
    return step(0, ctx);
  };
}

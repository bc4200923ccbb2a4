/**
 * CallContext: what middleware and handlers know about one gRPC call, and
 * how middleware composes (nice-grpc style: each middleware is a small async
 * function that calls `next` with an extended context, cleaning up in
 * `finally`).
 *
 * Owns the middleware shape and its composition. It must never know what a
 * particular middleware does; the order is chosen in one place (the server).
 */
import type { Logger } from '@auxctl/core';
import type { Metadata } from '@grpc/grpc-js';
import type { PolicyDecision, PolicyScopeName } from '../policy/index.js';
import type { AuthContextCall } from '../security/index.js';

/** CallTarget: what a call acts on, as the policy sees it. */
export interface CallTarget {
  readonly device?: string;
  readonly scope?: PolicyScopeName;
}

/** ServerCallLike: the parts of a grpc-js server call middleware reads. */
export interface ServerCallLike extends AuthContextCall {
  readonly metadata: Metadata;
  getPeer(): string;
}

/** CallContext: one call as it passes through the middleware chain. */
export interface CallContext {
  /** `auxctl.v1.CtlService/Exec` (no leading slash, the policy's form). */
  readonly method: string;
  readonly call: ServerCallLike;
  /** Aborted when the client cancels or its deadline passes (grpc-js cancels the call). */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Set by the authentication middleware. */
  readonly principal?: string;
  /** decide: the policy's verdict on `target` for this call (set by authorization). */
  readonly decide?: (target: CallTarget) => PolicyDecision;
  /** authorize: as decide, throwing EPERM (and auditing) on denial. */
  readonly authorize?: (target: CallTarget) => PolicyDecision;
}

/** CallNext: the rest of the chain. */
export type CallNext = (ctx: CallContext) => Promise<void>;

/** Middleware: wraps the rest of the chain. */
export type Middleware = (ctx: CallContext, next: CallNext) => Promise<void>;

/** composeMiddleware: `mws[0]` outermost, then the others in order, then `handler`. */
export function composeMiddleware(mws: readonly Middleware[], handler: CallNext): CallNext {
  return mws.reduceRight<CallNext>((next, mw) => (ctx) => mw(ctx, next), handler);
}

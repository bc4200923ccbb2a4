/**
 * HandlerAdapters: turn async handlers into grpc-js handlers that run the
 * middleware chain.
 *
 * Owns the per-call context (its AbortSignal follows grpc-js cancellation,
 * which also fires when the client's deadline passes), reading the request
 * only after the middleware chain (authentication first) and the one way a
 * failure reaches the client: a status from grpcFailureOf. It must never
 * send an error's stack or cause, and never write after a call ended.
 */
import type { Logger } from '@auxctl/core';
import {
  type handleBidiStreamingCall,
  type handleClientStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  Metadata,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerWritableStream,
  type ServiceError,
} from '@grpc/grpc-js';
import {
  type CallCancellation,
  type CallChain,
  type CallContext,
  type CallNext,
  newCallContext,
  type ServerCallLike,
} from './call-context.js';
import { grpcFailureOf } from './grpc-status.js';
import { requestOf } from './request-guard.js';

/** AdapterEnv: what every adapted handler shares. */
export interface AdapterEnv {
  readonly chain: CallChain;
  readonly log: Logger;
}

interface Cancellable {
  on(event: 'cancelled', fn: () => void): unknown;
  readonly cancelled: boolean;
}

interface CancellableCall extends Cancellable {
  off(event: 'cancelled', fn: () => void): unknown;
}

/**
 * Cancellation: a call's CallCancellation. Its AbortSignal is made on first
 * use and follows grpc-js cancellation (which also fires when the client's
 * deadline passes) until `release()`. grpc-js also reports 'cancelled' when
 * a finished call's stream closes; the listener is gone by then, so a call
 * that ended normally never pays for an abort (whose DOMException is the
 * dearest part of a small call).
 */
class Cancellation implements CallCancellation {
  private abort: AbortController | undefined;
  private listening = false;

  constructor(private readonly call: CancellableCall) {}

  get aborted(): boolean {
    return this.call.cancelled;
  }

  get signal(): AbortSignal {
    if (!this.abort) {
      this.abort = new AbortController();
      if (this.call.cancelled) this.abort.abort();
      else {
        this.call.on('cancelled', this.onCancel);
        this.listening = true;
      }
    }
    return this.abort.signal;
  }

  release(): void {
    if (this.listening) this.call.off('cancelled', this.onCancel);
    this.listening = false;
  }

  private readonly onCancel = (): void => this.abort?.abort();
}

/** runChain: the middleware chain and handler for one call. */
function runChain(
  env: AdapterEnv,
  method: string,
  call: ServerCallLike & CancellableCall,
  handler: CallNext,
): Promise<void> {
  const cancel = new Cancellation(call);
  // then with both handlers, not finally, which costs two more promises per call.
  return env.chain(newCallContext(method, call, cancel, env.log), handler).then(
    () => cancel.release(),
    (err: unknown) => {
      cancel.release();
      throw err;
    },
  );
}

function serviceError(err: unknown): Partial<ServiceError> {
  const f = grpcFailureOf(err);
  return { code: f.code, details: f.details, metadata: new Metadata() };
}

/** unary: a handler that resolves the response. */
export function unary<Req, Res>(
  env: AdapterEnv,
  method: string,
  fn: (req: Req, ctx: CallContext) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    let res: Res | undefined;
    runChain(env, method, call, async (ctx) => {
      res = await fn(requestOf(call.request), ctx);
    }).then(
      () => callback(null, res),
      (err: unknown) => callback(serviceError(err)),
    );
  };
}

/**
 * clientStream: a handler that reads the request stream and resolves the
 * response (it passes each message through `requestOf` itself, as
 * bidiStream handlers do).
 */
export function clientStream<Req, Res>(
  env: AdapterEnv,
  method: string,
  fn: (call: ServerReadableStream<Req, Res>, ctx: CallContext) => Promise<Res>,
): handleClientStreamingCall<Req, Res> {
  return (call, callback) => {
    let res: Res | undefined;
    runChain(env, method, call, async (ctx) => {
      res = await fn(call, ctx);
    }).then(
      () => callback(null, res),
      (err: unknown) => callback(serviceError(err)),
    );
  };
}

/** streamFailure: report a failed stream once, unless the client already went away. */
function endStream(
  call: (ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>) & {
    readonly cancelled: boolean;
  },
  done: Promise<void>,
): void {
  done.then(
    () => {
      if (!call.cancelled && !call.writableEnded) call.end();
    },
    (err: unknown) => {
      // grpc-js sends a stream's status from an 'error' event; destroy() would send none.
      if (!call.cancelled && !call.writableEnded) call.emit('error', serviceError(err));
    },
  );
}

/** serverStream: a handler that writes responses and resolves when done. */
export function serverStream<Req, Res>(
  env: AdapterEnv,
  method: string,
  fn: (call: ServerWritableStream<Req, Res>, ctx: CallContext) => Promise<void>,
): handleServerStreamingCall<Req, Res> {
  return (call) => {
    endStream(
      call as ServerWritableStream<unknown, unknown>,
      runChain(env, method, call, (ctx) => {
        requestOf(call.request);
        return fn(call, ctx);
      }),
    );
  };
}

/**
 * bidiStream: a handler that reads and writes and resolves when done. It
 * passes each message it reads through `requestOf` (request-guard.ts), as
 * the adapters do for unary and server-streaming requests.
 */
export function bidiStream<Req, Res>(
  env: AdapterEnv,
  method: string,
  fn: (call: ServerDuplexStream<Req, Res>, ctx: CallContext) => Promise<void>,
): handleBidiStreamingCall<Req, Res> {
  return (call) => {
    endStream(
      call as ServerDuplexStream<unknown, unknown>,
      runChain(env, method, call, (ctx) => fn(call, ctx)),
    );
  };
}

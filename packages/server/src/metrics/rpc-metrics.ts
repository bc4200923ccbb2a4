/**
 * RpcMetrics: the middleware that counts and times every auxctl call.
 *
 * Owns the status code a call is counted under: the one the client gets
 * (grpcFailureOf for errors; CANCELLED when the client went away). It must
 * never change the call's outcome.
 */
import { performance } from 'node:perf_hooks';
import { status } from '@grpc/grpc-js';
import type { Middleware } from '../grpc/call-context.js';
import { grpcFailureOf } from '../grpc/grpc-status.js';
import type { ServerMetrics } from './server-metrics.js';

/** rpcMetrics: record `auxctl_rpc_total` and `auxctl_rpc_duration_seconds` per call. */
export function rpcMetrics(metrics: ServerMetrics): Middleware {
  return async (ctx, next) => {
    const t0 = performance.now();
    const done = (code: string): void =>
      metrics.rpc(ctx.method, code, (performance.now() - t0) / 1000);
    try {
      await next(ctx);
    } catch (err) {
      const code = grpcFailureOf(err).code;
      done(status[code] ?? 'UNKNOWN');
      throw err;
    }
    done(ctx.cancel.aborted ? 'CANCELLED' : 'OK');
  };
}

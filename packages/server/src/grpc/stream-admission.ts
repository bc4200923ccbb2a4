/**
 * Stream admission: the middleware that holds a StreamCaps slot for each
 * streaming call of the connection and principal it comes from, for as
 * long as the call runs.
 *
 * A streaming method is one whose definition streams requests or
 * responses (read from the registered service definitions, so a new
 * streaming RPC is capped without a list to keep in step). The connection
 * is the call's peer address (one per TCP connection). A refusal is EBUSY
 * (RESOURCE_EXHAUSTED) saying which cap was hit. Never: holds a slot after
 * the call ended, whatever way it ended.
 */
import type { ServiceDefinition } from '@grpc/grpc-js';
import type { StreamCaps } from '../limits/index.js';
import type { Middleware } from './call-context.js';

/** streamingMethodsOf: `package.Service/Method` of every streaming method of `services`. */
export function streamingMethodsOf(services: readonly ServiceDefinition[]): Set<string> {
  const names = new Set<string>();
  for (const def of services) {
    for (const m of Object.values(def)) {
      if (m.requestStream || m.responseStream) names.add(m.path.replace(/^\//, ''));
    }
  }
  return names;
}

/** streamAdmission: a StreamCaps slot per call of `methods`, held until the call ends. */
export function streamAdmission(caps: StreamCaps, methods: ReadonlySet<string>): Middleware {
  return (ctx, next) => {
    if (!methods.has(ctx.method)) return next(ctx);
    const release = caps.acquire(ctx.call.getPeer(), ctx.principal ?? '');
    return next(ctx).finally(release);
  };
}

/**
 * authenticatedOnly: a grpc-js server interceptor that puts calls of
 * services auxctld does not implement itself (server reflection) behind the
 * same authentication as its own, since they never pass the middleware
 * chain. A call that fails it ends with UNAUTHENTICATED before the service
 * sees it, and its refusal is audited like any other. grpc.health.v1 is left open on purpose: probes carry no
 * identity, and it tells nothing but SERVING / NOT_SERVING.
 *
 * Owns: the gate. Never: authorization (reflection describes the API, which
 * every authenticated caller may know), or methods outside `guarded`.
 */
import { Metadata, ServerInterceptingCall, type ServerInterceptor } from '@grpc/grpc-js';
import { presentedIdentity } from '../security/index.js';
import { type AuthenticationOptions, authenticateCall } from './call-middleware.js';
import { grpcFailureOf } from './grpc-status.js';
import type { RefusalAudit } from './refusal-audit.js';

/** authenticatedOnly: see the module header; `guarded(path)` picks the methods (`/pkg.Service/Method`). */
export function authenticatedOnly(
  guarded: (path: string) => boolean,
  opts: AuthenticationOptions,
  refusals: RefusalAudit,
): ServerInterceptor {
  return (method, call) => {
    // Other methods keep the call as it is (grpc-js only uses its interface;
    // its type insists on the wrapper class, which would cost every call).
    if (!guarded(method.path)) return call as ServerInterceptingCall;
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, pass) {
            const peer = {
              call,
              metadata,
              getPeer: () => call.getPeer(),
              getAuthContext: () => call.getAuthContext(),
            };
            // A promise either way: authenticateCall throws or returns a string for certificates.
            new Promise<string>((resolve) => resolve(authenticateCall(opts, peer))).then(
              () => pass(metadata),
              (err: unknown) => {
                refusals.recordError(err, {
                  method: method.path.slice(1),
                  peer: call.getPeer(),
                  presented: presentedIdentity(call, metadata.get('authorization')[0]),
                });
                const f = grpcFailureOf(err);
                call.sendStatus({ code: f.code, details: f.details, metadata: new Metadata() });
              },
            );
          },
        });
      },
    });
  };
}

/** isReflection: the server reflection methods (v1 and v1alpha). */
export function isReflection(path: string): boolean {
  return path.startsWith('/grpc.reflection.');
}

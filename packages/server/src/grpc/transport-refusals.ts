/**
 * transportRefusals: the audit line of a call grpc-js refuses by itself —
 * a request message over its receive limit (read from the 5-byte length
 * prefix, before any handler), one that decompresses past it, one in an
 * encoding it does not know, a malformed `grpc-timeout` header. No handler
 * or middleware sees those calls, so without this they would leave no
 * `refused` line anywhere.
 *
 * It is the first server interceptor, the one grpc-js hands its own base
 * call. grpc-js ends such a call by calling that base call's `sendStatus`
 * itself; every status of a handler or interceptor reaches the base call
 * through the wrapper this interceptor returns, which marks it. So the
 * base call's `sendStatus` is wrapped on that one instance, and a status
 * that arrives unmarked is one grpc-js sent on its own: it is audited
 * (kind `message`, cause `transport`, with the presented identity), then
 * sent unchanged. DEADLINE_EXCEEDED is not a refusal and is left to the
 * call's own outcome. `auxctl-server-refusals.test.ts` sends a message over
 * the transport limit and fails if a grpc-js release changes this path.
 *
 * Owns: telling grpc-js's own statuses from ours. Never: changes a status,
 * or reads a message.
 */
import {
  type Metadata,
  ServerInterceptingCall,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
  status,
} from '@grpc/grpc-js';
import { presentedIdentity } from '../security/index.js';
import type { RefusalAudit } from './refusal-audit.js';

/** transportRefusals: see the module header. */
export function transportRefusals(refusals: RefusalAudit): ServerInterceptor {
  return (method, base) => {
    let ours = false;
    let authorization: unknown;
    const sendStatus = base.sendStatus.bind(base);
    (base as { sendStatus: ServerInterceptingCallInterface['sendStatus'] }).sendStatus = (s) => {
      if (!ours && s.code !== status.OK && s.code !== status.DEADLINE_EXCEEDED) {
        audit(refusals, method.path, base, s, authorization);
      }
      sendStatus(s);
    };
    return new ServerInterceptingCall(base, {
      start(next) {
        next({
          onReceiveMetadata(metadata: Metadata, pass) {
            authorization = metadata.get('authorization')[0];
            pass(metadata);
          },
        });
      },
      sendStatus(s, next) {
        ours = true;
        next(s);
      },
    });
  };
}

function audit(
  refusals: RefusalAudit,
  path: string,
  call: ServerInterceptingCallInterface,
  s: Parameters<ServerInterceptingCallInterface['sendStatus']>[0],
  authorization: unknown,
): void {
  const code = s.code ?? status.UNKNOWN;
  refusals.record({
    kind: 'message',
    method: path.slice(1),
    peer: call.getPeer(),
    presented: presentedIdentity(call, authorization),
    code: status[code] ?? 'UNKNOWN',
    reason: s.details ?? '',
    cause: 'transport',
  });
}

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
 * base call's `sendStatus` is replaced, on that instance, by one shared
 * function that reads the call's state, and a status that arrives unmarked is one grpc-js sent on its own: it is audited
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

/** What the shared `sendStatus` needs to know of one call. */
interface CallState {
  readonly refusals: RefusalAudit;
  readonly path: string;
  /** Set once a status of ours passed the interceptor's wrapper. */
  ours: boolean;
  authorization: unknown;
}

type BaseCall = ServerInterceptingCallInterface & { [STATE]?: CallState };
type StatusOf = Parameters<ServerInterceptingCallInterface['sendStatus']>[0];

const STATE = Symbol('auxctl.transportRefusals');

/**
 * sharedSendStatus: the one function every base call's `sendStatus` is
 * set to; the call's own state rides on the call. One shared function, not
 * a closure per call: a closure stored on each of grpc-js's call objects
 * kept hundreds of finished calls reachable across young-generation
 * collections (measured: about 1.8 MB promoted per scavenge under Exec
 * load, against 0.1 MB without), and the collector's time rose with it.
 */
function sharedSendStatus(this: BaseCall, s: StatusOf): void {
  const state = this[STATE];
  if (state && !state.ours && s.code !== status.OK && s.code !== status.DEADLINE_EXCEEDED) {
    audit(state.refusals, state.path, this, s, state.authorization);
  }
  Object.getPrototypeOf(this).sendStatus.call(this, s);
}

/** transportRefusals: see the module header. */
export function transportRefusals(refusals: RefusalAudit): ServerInterceptor {
  return (method, base) => {
    const state: CallState = { refusals, path: method.path, ours: false, authorization: undefined };
    const call = base as BaseCall;
    call[STATE] = state;
    call.sendStatus = sharedSendStatus;
    return new ServerInterceptingCall(base, {
      start(next) {
        next({
          onReceiveMetadata(metadata: Metadata, pass) {
            state.authorization = metadata.get('authorization')[0];
            pass(metadata);
          },
        });
      },
      sendStatus(s, next) {
        state.ours = true;
        next(s);
      },
    });
  };
}

function audit(
  refusals: RefusalAudit,
  path: string,
  call: ServerInterceptingCallInterface,
  s: StatusOf,
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

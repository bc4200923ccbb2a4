/**
 * Call chain: the objects grpc-js (1.14) strings behind a server call — the
 * handler's stream, its `call`, then each interceptor's `nextCall` down to
 * the base call that holds the HTTP/2 stream — and what is reached through
 * them.
 *
 * Owns: walking that chain (bounded, and ending quietly where the shape is
 * not there). Never: what the caller does with what it finds.
 */

/** Links followed at most: the handler's stream, its call and the interceptors. */
const MAX_DEPTH = 8;

/**
 * findInCallChain: the first value `pick` finds on `call` or on the objects
 * behind it (`call[.call][.nextCall ...]`); undefined when none has one.
 */
export function findInCallChain<T>(
  call: object,
  pick: (c: object) => T | undefined,
): T | undefined {
  let c: unknown = call;
  for (let depth = 0; depth < MAX_DEPTH && c !== null && typeof c === 'object'; depth++) {
    const found = pick(c);
    if (found !== undefined) return found;
    const o = c as { call?: unknown; nextCall?: unknown };
    c = o.call ?? o.nextCall;
  }
  return undefined;
}

function sessionOf(c: object): object | undefined {
  const session = (c as { stream?: { session?: unknown } }).stream?.session;
  return session !== null && typeof session === 'object' ? session : undefined;
}

/**
 * http2SessionOfCall: the HTTP/2 session (one per client connection) a
 * grpc-js server call runs on (the base call's `stream.session`); undefined
 * when that shape is not there, and then nothing is cached.
 */
export function http2SessionOfCall(call: object): object | undefined {
  return findInCallChain(call, sessionOf);
}

/**
 * RequestGuard: request messages are read only after the caller is
 * authenticated, and a message that is too large or does not parse is a
 * refusal the caller and the audit log can read.
 *
 * grpc-js parses a request with the service's deserializer before any
 * handler runs, and answers INTERNAL when it throws; it refuses a message
 * over `grpc.max_receive_message_length` itself, before handlers see the
 * call. So the services are registered with a
 * deserializer that never throws (`guardService`): a message over
 * `maxBytes` or one that does not parse becomes an UnreadableRequest
 * carrying the error, and `requestOf` — called by the handler adapters
 * after the middleware chain (authentication first), and by a streaming
 * handler on each message it reads — turns it into that error:
 * RESOURCE_EXHAUSTED (EBUSY) for size, INVALID_ARGUMENT (EINVAL) for
 * shape, both with `detail.message` so RefusalAudit records them.
 * grpc-js's own limit is set above `maxBytes` (`transportReceiveLimit`),
 * so only messages beyond it are refused by grpc-js, from their 5-byte
 * length prefix, before reading the payload (transport-refusals.ts audits
 * those).
 *
 * Owns: the guarded deserializer, the marker and the two limits. Never:
 * decides who may call, or keeps the bytes of a refused message.
 */
import { AuxError } from '@auxctl/prm';
import type { ServiceDefinition } from '@grpc/grpc-js';

/** UnreadableRequest: a request message the guarded deserializer could not (or would not) read. */
export class UnreadableRequest {
  constructor(readonly error: AuxError) {}
}

/**
 * transportReceiveLimit: grpc-js's `max_receive_message_length` for a
 * server whose own limit is `maxBytes`: twice it, and at least 64 KiB more.
 * Messages up to there are read (one at a time per call) and refused by
 * requestOf, after authentication, with an audit line.
 */
export function transportReceiveLimit(maxBytes: number): number {
  return Math.max(2 * maxBytes, maxBytes + 64 * 1024);
}

/** guardedDeserializer: `deserialize` that returns an UnreadableRequest instead of throwing. */
export function guardedDeserializer<T>(
  deserialize: (bytes: Buffer) => T,
  maxBytes: number,
  typeName: string,
): (bytes: Buffer) => T {
  return (bytes) => {
    if (bytes.length > maxBytes) {
      return unreadable(
        new AuxError(
          'EBUSY',
          `request message of ${bytes.length} bytes is over this server's limit of ${maxBytes} bytes`,
          { message: 'oversize', limit: 'message size', bytes: bytes.length, cap: maxBytes },
        ),
      );
    }
    try {
      return deserialize(bytes);
    } catch (err) {
      const why = err instanceof Error ? err.message.slice(0, 120) : 'unreadable';
      return unreadable(
        new AuxError(
          'EINVAL',
          `request message is not a valid ${typeName} (${why}); send the message the method's .proto defines`,
          { message: 'malformed', bytes: bytes.length },
        ),
      );
    }
  };
}

// The marker travels where grpc-js expects the request type; requestOf tells them apart.
function unreadable<T>(e: AuxError): T {
  return new UnreadableRequest(e) as unknown as T;
}

/** guardService: `def` with every method's request deserializer guarded (see the module header). */
export function guardService<S extends ServiceDefinition>(def: S, maxBytes: number): S {
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(def)) {
    out[name] = {
      ...m,
      requestDeserialize: guardedDeserializer(m.requestDeserialize, maxBytes, `${name} request`),
    };
  }
  return out as S;
}

/** requestOf: `msg` itself, or the error of an UnreadableRequest thrown. */
export function requestOf<T>(msg: T): T {
  if ((msg as unknown) instanceof UnreadableRequest) {
    throw (msg as unknown as UnreadableRequest).error;
  }
  return msg;
}

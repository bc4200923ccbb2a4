/**
 * Session frame codec: the wire form of the two messages a Session carries
 * per firmware RPC — SessionRequest `rpc` {request_id, inbox, out_len} and
 * SessionResponse `result` {request_id, outbox} — written and read without
 * the generated codec's growing writer and reader objects.
 *
 * The generated codec builds each message through a BinaryWriter (chunks,
 * a fork per sub-message, a join and a final copy) and decodes through a
 * BinaryReader, copying the bytes fields out; at tens of thousands of RPCs a
 * second that is a visible share of both ends' CPU. Here a frame is sized
 * first and written once into a buffer of its own (small ones come from
 * Node's pool), and decoded with its bytes field as a view into the
 * received message (grpc-js hands each message its own Buffer).
 *
 * Both directions produce exactly what the generated codec does: encode is
 * byte-identical (fields in number order, proto3 defaults omitted), and any
 * input that is not one well-formed frame of those shapes — other kinds,
 * unknown or repeated fields, values past 2^53 or past a uint32 — goes to
 * the generated decoder, so errors and unknown fields behave the same.
 *
 * Owns: which Session messages take the fast path (the frame itself is
 * wire-frame.ts's). Never: the other Session messages (generated).
 */
import { SessionRequest, SessionResponse } from './gen/auxctl/v1/ctl_service.js';
import { decodeFrame, encodeFrame } from './wire-frame.js';

/** sessionRequestCodec: SessionRequest with the `rpc` fast path (see the module header). */
export const sessionRequestCodec = {
  encode(message: SessionRequest): Buffer {
    const k = message.kind;
    const fast =
      k?.$case === 'rpc'
        ? encodeFrame({ n1: k.rpc.requestId, bytes: k.rpc.inbox, n3: k.rpc.outLen })
        : undefined;
    return fast ?? Buffer.from(SessionRequest.encode(message).finish());
  },
  decode(buf: Buffer): SessionRequest {
    const f = decodeFrame(buf, true);
    return f
      ? { kind: { $case: 'rpc', rpc: { requestId: f.n1, inbox: f.bytes, outLen: f.n3 } } }
      : SessionRequest.decode(buf);
  },
};

/** sessionResponseCodec: SessionResponse with the `result` fast path (see the module header). */
export const sessionResponseCodec = {
  encode(message: SessionResponse): Buffer {
    const k = message.kind;
    const fast =
      k?.$case === 'result'
        ? encodeFrame({ n1: k.result.requestId, bytes: k.result.outbox })
        : undefined;
    return fast ?? Buffer.from(SessionResponse.encode(message).finish());
  },
  decode(buf: Buffer): SessionResponse {
    const f = decodeFrame(buf, false);
    return f
      ? { kind: { $case: 'result', result: { requestId: f.n1, outbox: f.bytes } } }
      : SessionResponse.decode(buf);
  },
};

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
 * Owns: the rpc and result fast paths. Never: the other Session messages
 * (generated).
 */
import { SessionRequest, SessionResponse } from './gen/auxctl/v1/ctl_service.js';
import { readVarint, varintBytes, writeVarint } from './wire-varint.js';

/** Tags: field 2 length-delimited (the oneof member, and inbox / outbox), 1 and 3 varint. */
const TAG_KIND = 0x12;
const TAG_ID = 0x08;
const TAG_BYTES = 0x12;
const TAG_OUT_LEN = 0x18;
const U32_MAX = 0xffff_ffff;

/** The fields of a frame this codec writes and reads (an rpc, or a result without out_len). */
interface Fields {
  readonly id: number;
  readonly bytes: Uint8Array;
  /** undefined for a result (it has no field 3). */
  readonly outLen?: number;
}

/** encodeFrame: the frame's bytes, or undefined when a value is outside what it writes. */
function encodeFrame(f: Fields): Buffer | undefined {
  const { id, bytes, outLen } = f;
  if (!Number.isSafeInteger(id) || id < 0) return undefined;
  if (outLen !== undefined && !(Number.isInteger(outLen) && outLen >= 0 && outLen <= U32_MAX)) {
    return undefined;
  }
  const inner =
    (id === 0 ? 0 : 1 + varintBytes(id)) +
    (bytes.length === 0 ? 0 : 1 + varintBytes(bytes.length) + bytes.length) +
    (outLen === undefined || outLen === 0 ? 0 : 1 + varintBytes(outLen));
  const out = Buffer.allocUnsafe(1 + varintBytes(inner) + inner);
  out[0] = TAG_KIND;
  let at = writeVarint(out, 1, inner);
  if (id !== 0) {
    out[at++] = TAG_ID;
    at = writeVarint(out, at, id);
  }
  if (bytes.length !== 0) {
    out[at++] = TAG_BYTES;
    at = writeVarint(out, at, bytes.length);
    out.set(bytes, at);
    at += bytes.length;
  }
  if (outLen !== undefined && outLen !== 0) {
    out[at++] = TAG_OUT_LEN;
    writeVarint(out, at, outLen);
  }
  return out;
}

/**
 * decodeFrame: the fields of `buf` when it is exactly one kind-2 frame whose
 * fields come in number order, each at most once (field 3 only if
 * `withOutLen`); else undefined.
 */
function decodeFrame(
  buf: Buffer,
  withOutLen: boolean,
): { id: number; bytes: Buffer; outLen: number } | undefined {
  if (buf.length < 2 || buf[0] !== TAG_KIND) return undefined;
  const len = readVarint(buf, 1, buf.length);
  if (!len || len.next + len.value !== buf.length) return undefined;
  let at = len.next;
  let id = 0;
  let bytes: Buffer = EMPTY;
  let outLen = 0;
  if (buf[at] === TAG_ID) {
    const v = readVarint(buf, at + 1, buf.length);
    if (!v) return undefined;
    id = v.value;
    at = v.next;
  }
  if (at < buf.length && buf[at] === TAG_BYTES) {
    const n = readVarint(buf, at + 1, buf.length);
    if (!n || n.next + n.value > buf.length) return undefined;
    bytes = buf.subarray(n.next, n.next + n.value);
    at = n.next + n.value;
  }
  if (withOutLen && at < buf.length && buf[at] === TAG_OUT_LEN) {
    const v = readVarint(buf, at + 1, buf.length);
    if (!v || v.value > U32_MAX) return undefined;
    outLen = v.value;
    at = v.next;
  }
  return at === buf.length ? { id, bytes, outLen } : undefined;
}

const EMPTY = Buffer.alloc(0);

/** sessionRequestCodec: SessionRequest with the `rpc` fast path (see the module header). */
export const sessionRequestCodec = {
  encode(message: SessionRequest): Buffer {
    const k = message.kind;
    const fast =
      k?.$case === 'rpc'
        ? encodeFrame({ id: k.rpc.requestId, bytes: k.rpc.inbox, outLen: k.rpc.outLen })
        : undefined;
    return fast ?? Buffer.from(SessionRequest.encode(message).finish());
  },
  decode(buf: Buffer): SessionRequest {
    const f = decodeFrame(buf, true);
    return f
      ? { kind: { $case: 'rpc', rpc: { requestId: f.id, inbox: f.bytes, outLen: f.outLen } } }
      : SessionRequest.decode(buf);
  },
};

/** sessionResponseCodec: SessionResponse with the `result` fast path (see the module header). */
export const sessionResponseCodec = {
  encode(message: SessionResponse): Buffer {
    const k = message.kind;
    const fast =
      k?.$case === 'result'
        ? encodeFrame({ id: k.result.requestId, bytes: k.result.outbox })
        : undefined;
    return fast ?? Buffer.from(SessionResponse.encode(message).finish());
  },
  decode(buf: Buffer): SessionResponse {
    const f = decodeFrame(buf, false);
    return f
      ? { kind: { $case: 'result', result: { requestId: f.id, outbox: f.bytes } } }
      : SessionResponse.decode(buf);
  },
};

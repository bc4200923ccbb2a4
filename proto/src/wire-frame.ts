/**
 * Wire frames: the one message shape the hand-written codecs
 * (dump-frame-codec.ts, session-frame-codec.ts) write and read — a oneof
 * member in field 2 (length-delimited) holding a varint field 1, a bytes
 * field 2 and, for some messages, a varint field 3: a dump chunk {offset,
 * data}, a Session rpc {request_id, inbox, out_len} and its result
 * {request_id, outbox} — and the base-128 varints it is made of, for values
 * up to 2^53 (JavaScript's safe integers).
 *
 * Encoding is what protobuf (and ts-proto) writes: fields in number order,
 * zero and empty fields left out. Decoding takes exactly that form and
 * nothing else (no other field, order or repeat), so a codec hands anything
 * unusual to the generated decoder.
 *
 * Owns: the frame's byte layout and the varints. Never: which message it is
 * (the codecs).
 */

/** FrameFields: the fields of a frame; `n3` undefined for a message without field 3. */
export interface FrameFields {
  readonly n1: number;
  readonly bytes: Uint8Array;
  readonly n3?: number;
}

/** FrameBuffer: a buffer of at least `bytes` (fresh, or a reused scratch's view). */
export type FrameBuffer = (bytes: number) => Buffer;

/** freshBuffer: a Buffer of its own (small ones from Node's pool). */
export const freshBuffer: FrameBuffer = (bytes) => Buffer.allocUnsafe(bytes);

/** Tags: field 2 length-delimited (the member, and the bytes inside it), 1 and 3 varint. */
const TAG_MEMBER = 0x12;
const TAG_N1 = 0x08;
const TAG_BYTES = 0x12;
const TAG_N3 = 0x18;
const U32_MAX = 0xffff_ffff;
const EMPTY = Buffer.alloc(0);

/**
 * encodeFrame: the frame of `f` in a buffer from `alloc`, or undefined when
 * n1 is not a safe non-negative integer or n3 not a uint32.
 */
export function encodeFrame(f: FrameFields, alloc: FrameBuffer = freshBuffer): Buffer | undefined {
  const { n1, bytes, n3 } = f;
  if (!Number.isSafeInteger(n1) || n1 < 0) return undefined;
  if (n3 !== undefined && !(Number.isInteger(n3) && n3 >= 0 && n3 <= U32_MAX)) return undefined;
  const inner =
    (n1 === 0 ? 0 : 1 + varintBytes(n1)) +
    (bytes.length === 0 ? 0 : 1 + varintBytes(bytes.length) + bytes.length) +
    (n3 === undefined || n3 === 0 ? 0 : 1 + varintBytes(n3));
  const out = alloc(1 + varintBytes(inner) + inner);
  out[0] = TAG_MEMBER;
  let at = writeVarint(out, 1, inner);
  if (n1 !== 0) {
    out[at++] = TAG_N1;
    at = writeVarint(out, at, n1);
  }
  if (bytes.length !== 0) {
    out[at++] = TAG_BYTES;
    at = writeVarint(out, at, bytes.length);
    out.set(bytes, at);
    at += bytes.length;
  }
  if (n3 !== undefined && n3 !== 0) {
    out[at++] = TAG_N3;
    writeVarint(out, at, n3);
  }
  return out;
}

/**
 * decodeFrame: the fields of `buf` when it is exactly one frame in the form
 * encodeFrame writes (field 3 only if `withN3`), its bytes a view into
 * `buf`; else undefined.
 */
export function decodeFrame(
  buf: Buffer,
  withN3: boolean,
): { n1: number; bytes: Buffer; n3: number } | undefined {
  if (buf.length < 2 || buf[0] !== TAG_MEMBER) return undefined;
  const len = readVarint(buf, 1, buf.length);
  if (!len || len.next + len.value !== buf.length) return undefined;
  let at = len.next;
  let n1 = 0;
  let bytes: Buffer = EMPTY;
  let n3 = 0;
  if (buf[at] === TAG_N1) {
    const v = readVarint(buf, at + 1, buf.length);
    if (!v) return undefined;
    n1 = v.value;
    at = v.next;
  }
  if (at < buf.length && buf[at] === TAG_BYTES) {
    const n = readVarint(buf, at + 1, buf.length);
    if (!n || n.next + n.value > buf.length) return undefined;
    bytes = buf.subarray(n.next, n.next + n.value);
    at = n.next + n.value;
  }
  if (withN3 && at < buf.length && buf[at] === TAG_N3) {
    const v = readVarint(buf, at + 1, buf.length);
    if (!v || v.value > U32_MAX) return undefined;
    n3 = v.value;
    at = v.next;
  }
  return at === buf.length ? { n1, bytes, n3 } : undefined;
}

/** varintBytes: how many bytes the varint of `n` takes. */
function varintBytes(n: number): number {
  let len = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) len++;
  return len;
}

/** writeVarint: `n` as a varint at `at`; the index after it. */
function writeVarint(buf: Buffer, at: number, n: number): number {
  let v = n;
  let i = at;
  while (v >= 0x80) {
    buf[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[i++] = v;
  return i;
}

/** readVarint: the varint at `at` below `end`; undefined when it runs past `end` or beyond 2^53. */
function readVarint(
  buf: Buffer,
  at: number,
  end: number,
): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = at; i < end && i < at + 8; i++) {
    const b = buf[i] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return Number.isSafeInteger(value) ? { value, next: i + 1 } : undefined;
    scale *= 0x80;
  }
  return undefined;
}

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
 * Owns: the frame's byte layout, and the varints and fields the
 * hand-written codecs write and read (exec-codec.ts's too). Never: which
 * message it is (the codecs).
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
/** U32_MAX: the largest uint32. */
export const U32_MAX = 0xffff_ffff;
/** EMPTY: the empty bytes field a decoder answers (never written to). */
const EMPTY = Buffer.alloc(0);

/**
 * encodeFrame: the frame of `f` in a buffer from `alloc`, or undefined when
 * n1 is not a safe non-negative integer or n3 not a uint32.
 */
export function encodeFrame(f: FrameFields, alloc: FrameBuffer = freshBuffer): Buffer | undefined {
  const { n1, bytes, n3 } = f;
  if (!Number.isSafeInteger(n1) || n1 < 0) return undefined;
  if (n3 !== undefined && !isIntUpTo(n3, U32_MAX)) return undefined;
  const inner = varintFieldBytes(n1) + bytesFieldBytes(bytes.length) + varintFieldBytes(n3 ?? 0);
  const out = alloc(1 + varintBytes(inner) + inner);
  out[0] = TAG_MEMBER;
  let at = writeVarint(out, 1, inner);
  at = writeVarintField(out, at, TAG_N1, n1);
  at = writeBytesField(out, at, TAG_BYTES, bytes);
  writeVarintField(out, at, TAG_N3, n3 ?? 0);
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
  const end = buf.length;
  if (end < 2 || buf[0] !== TAG_MEMBER) return undefined;
  const len = readVarint(buf, 1, end);
  if (!len || len.next + len.value !== end) return undefined;
  const n1 = varintFieldAt(buf, len.next, end, TAG_N1);
  if (!n1) return undefined;
  const bytes = delimitedFieldAt(buf, n1.next, end, TAG_BYTES);
  if (!bytes) return undefined;
  const n3 = withN3
    ? varintFieldAt(buf, bytes.next, end, TAG_N3, U32_MAX)
    : { value: 0, next: bytes.next };
  if (!n3 || n3.next !== end) return undefined;
  return { n1: n1.value, bytes: viewOf(buf, bytes), n3: n3.value };
}

/** isIntUpTo: `n` is an integer in 0..max. */
export function isIntUpTo(n: number, max: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= max;
}

/** varintFieldBytes: bytes a varint field of `n` takes (none for 0, which protobuf leaves out). */
export function varintFieldBytes(n: number): number {
  return n === 0 ? 0 : 1 + varintBytes(n);
}

/** bytesFieldBytes: bytes a length-delimited field of `length` bytes takes (none when empty). */
export function bytesFieldBytes(length: number): number {
  return length === 0 ? 0 : 1 + varintBytes(length) + length;
}

/** writeVarintField: field `tag` = `n` at `at`, unless 0; the index after it. */
export function writeVarintField(buf: Buffer, at: number, tag: number, n: number): number {
  if (n === 0) return at;
  buf[at] = tag;
  return writeVarint(buf, at + 1, n);
}

/** writeBytesField: field `tag` = `bytes` at `at`, unless empty; the index after it. */
export function writeBytesField(buf: Buffer, at: number, tag: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return at;
  buf[at] = tag;
  const start = writeVarint(buf, at + 1, bytes.length);
  buf.set(bytes, start);
  return start + bytes.length;
}

/**
 * varintFieldAt: the varint field `tag` at `at` (below `end`), if that is
 * where it starts: its value (at most `max`) and the index after it; when
 * another field or the end is at `at`, value 0 and `at` itself; undefined
 * when the field is malformed or above `max`.
 */
export function varintFieldAt(
  buf: Buffer,
  at: number,
  end: number,
  tag: number,
  max = Number.MAX_SAFE_INTEGER,
): { value: number; next: number } | undefined {
  if (at >= end || buf[at] !== tag) return { value: 0, next: at };
  return readVarintUpTo(buf, at + 1, end, max);
}

/**
 * delimitedFieldAt: the length-delimited field `tag` at `at` (below
 * `end`), if that is where it starts: where its content starts and the
 * index after it; when another field or the end is at `at`, an empty
 * content at `at`; undefined when it runs past `end`.
 */
export function delimitedFieldAt(
  buf: Buffer,
  at: number,
  end: number,
  tag: number,
): { start: number; next: number } | undefined {
  if (at >= end || buf[at] !== tag) return { start: at, next: at };
  return readDelimited(buf, at + 1, end);
}

/** viewOf: the content of a delimited field as a view into `buf` (EMPTY when it has none). */
export function viewOf(buf: Buffer, f: { start: number; next: number }): Buffer {
  return f.next > f.start ? buf.subarray(f.start, f.next) : EMPTY;
}

/**
 * readDelimited: where the content of the length-delimited field whose
 * length is at `at` starts, and the index after it; undefined when it runs
 * past `end`.
 */
function readDelimited(
  buf: Buffer,
  at: number,
  end: number,
): { start: number; next: number } | undefined {
  const n = readVarint(buf, at, end);
  return n && n.next + n.value <= end ? { start: n.next, next: n.next + n.value } : undefined;
}

/** varintBytes: how many bytes the varint of `n` takes. */
function varintBytes(n: number): number {
  let len = 1;
  for (let v = n; v >= 0x80; v = Math.floor(v / 0x80)) len++;
  return len;
}

/** writeVarint: `n` as a varint at `at`; the index after it. */
export function writeVarint(buf: Buffer, at: number, n: number): number {
  let v = n;
  let i = at;
  while (v >= 0x80) {
    buf[i++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[i++] = v;
  return i;
}

/** readVarintUpTo: readVarint, undefined as well when the value is above `max`. */
function readVarintUpTo(
  buf: Buffer,
  at: number,
  end: number,
  max: number,
): { value: number; next: number } | undefined {
  const v = readVarint(buf, at, end);
  return v && v.value <= max ? v : undefined;
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

/**
 * Wire varints: the protobuf base-128 integers the hand-written frame
 * codecs (dump-frame-codec.ts, session-frame-codec.ts) read and write, for
 * values up to 2^53 (JavaScript's safe integers).
 *
 * Owns: varint length, writing and bounded reading. Never: a message's
 * fields (the codecs).
 */

/** varintBytes: how many bytes the varint of `n` takes. */
export function varintBytes(n: number): number {
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

/** readVarint: the varint at `at` below `end`; undefined when it runs past `end` or beyond 2^53. */
export function readVarint(
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

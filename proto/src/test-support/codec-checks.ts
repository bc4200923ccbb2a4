/**
 * Helpers of the hand-written codecs' tests: what a decoder gave (or that it
 * threw), messages with their byte fields as plain arrays (so a view and a
 * copy of the same bytes compare equal), the check that a fast decoder
 * agrees with the generated one, arbitrary bytes, and varints written by
 * hand.
 */
import fc from 'fast-check';
import { expect } from 'vitest';

/** outcome: the message a decoder gives, or that it threw. */
export function outcome<T>(decode: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: decode() };
  } catch {
    return { ok: false };
  }
}

/** plain: `m` with its byte fields as plain arrays (views and copies compare equal). */
export const plain = (m: unknown): unknown =>
  JSON.parse(JSON.stringify(m, (_k, v) => (v instanceof Uint8Array ? [...v] : v)));

/** expectDecodedAlike: `fast` decodes `buf` as `generated` does, or fails where it fails. */
export function expectDecodedAlike(
  fast: (buf: Buffer) => unknown,
  generated: (buf: Buffer) => unknown,
  buf: Buffer,
): void {
  expect(outcome(() => plain(fast(buf)))).toEqual(outcome(() => plain(generated(buf))));
}

/** anyBytes: up to 48 arbitrary bytes, as a Buffer. */
export const anyBytes = fc.uint8Array({ maxLength: 48 }).map((b) => Buffer.from(b));

/** varint: the base-128 varint bytes of `n` (a safe non-negative integer). */
export function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  return [...out, v];
}

/**
 * Helpers of the hand-written codecs' tests: what a decoder gave (or that it
 * threw), messages with their byte fields as plain arrays (so a view and a
 * copy of the same bytes compare equal), and varints written by hand.
 */

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

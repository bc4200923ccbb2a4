import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeValue, encodeValue, ImageFormatError, type Value } from './value-codec.js';

const value: fc.Arbitrary<Value> = fc.letrec<{ v: Value }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constant(undefined),
    fc.boolean(),
    fc.double({ noNaN: true }),
    fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
    fc.string(),
    fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 5 }),
  ),
})).v;

/** plain: a decoded record has no prototype; compare as ordinary objects. */
const plain = (v: Value): unknown =>
  Array.isArray(v)
    ? v.map(plain)
    : v && typeof v === 'object' && !Buffer.isBuffer(v)
      ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
      : v;

describe('value codec', () => {
  it('decodes what it encodes, and equal values encode to equal bytes (property)', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = encodeValue(v);
        const back = decodeValue(bytes);
        expect(plain(back)).toEqual(plain(v));
        expect(encodeValue(back).equals(bytes)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses any malformed input with ImageFormatError only (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (a) => {
        try {
          decodeValue(Buffer.from(a));
        } catch (e) {
          expect(e).toBeInstanceOf(ImageFormatError);
        }
      }),
      { numRuns: 500 },
    );
    const cut = encodeValue({ a: [1, 'x', Buffer.alloc(3)] });
    for (let n = 0; n < cut.length; n++) {
      expect(() => decodeValue(cut.subarray(0, n))).toThrow(ImageFormatError);
    }
    expect(() => decodeValue(Buffer.concat([cut, Buffer.of(0)]))).toThrow(/after the value/);
  });
});

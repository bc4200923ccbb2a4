import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { USER_BASE, UserMemory } from './user-memory.js';

describe('UserMemory', () => {
  it('resolves any in-bounds range of a Buffer or its subarrays to the same bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 256 }),
        fc.nat(),
        fc.nat(),
        fc.nat(),
        (bytes, a, b, c) => {
          const mem = new UserMemory();
          const buf = Buffer.from(bytes);
          const start = a % buf.length;
          const sub = buf.subarray(start);
          const off = b % sub.length;
          const len = c % (sub.length - off + 1);
          const view = mem.resolve(mem.addressOf(sub) + BigInt(off), len);
          expect(view).toEqual(buf.subarray(start + off, start + off + len));
          if (len > 0) {
            view![0] = (view![0]! + 1) & 0xff;
            expect(buf[start + off]).toBe(view![0]);
          }
          expect(mem.addressOf(sub) - mem.addressOf(buf)).toBe(BigInt(start));
        },
      ),
    );
  });

  it('an address outside every region, or a range past its end, resolves to nothing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4096 }),
        fc.bigInt({ min: 0n, max: USER_BASE - 1n }),
        (n, low) => {
          const mem = new UserMemory();
          const buf = Buffer.alloc(n);
          const at = mem.addressOf(buf);
          const end = BigInt(buf.buffer.byteLength - buf.byteOffset);
          expect(mem.resolve(at, Number(end) + 1)).toBeUndefined();
          expect(mem.resolve(low, 1)).toBeUndefined();
          expect(mem.resolve(at + (1n << 40n), 1)).toBeUndefined();
          expect(mem.resolve(0n, 0)).toEqual(Buffer.alloc(0));
        },
      ),
    );
  });
});

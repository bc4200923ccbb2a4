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

  it('keeps the 1,024 most recently given addresses mapped; an older one resolves to nothing', () => {
    const mem = new UserMemory();
    // Buffer.alloc: each its own ArrayBuffer (Buffer.from([..]) would share Node's pool).
    const first = Buffer.alloc(3, 1);
    const kept = Buffer.alloc(3, 4);
    const firstAt = mem.addressOf(first);
    const keptAt = mem.addressOf(kept);
    for (let i = 0; i < 1023; i++) {
      mem.addressOf(Buffer.alloc(1));
      // `kept` is given again now and then: each time it is the newest mapping.
      if (i % 100 === 0) mem.addressOf(kept);
    }
    expect(mem.resolve(firstAt, 3)).toBeUndefined();
    expect(mem.resolve(keptAt, 3)).toEqual(kept);
    // Given again, an unmapped buffer is mapped again at the same address.
    expect(mem.addressOf(first)).toBe(firstAt);
    expect(mem.resolve(firstAt, 3)).toEqual(first);
  });
});

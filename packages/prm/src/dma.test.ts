import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DmaSpace, PAGE_SIZE } from './dma.js';

describe('DmaSpace', () => {
  it('maps a buffer to page-aligned addresses and resolves views of it', () => {
    const dma = new DmaSpace();
    const buf = Buffer.alloc(3 * PAGE_SIZE + 10);
    const addr = dma.map(buf);
    expect(addr % BigInt(PAGE_SIZE)).toBe(0n);
    const v = dma.resolve(addr + BigInt(PAGE_SIZE) - 2n, 4);
    expect(v).toBeDefined();
    v!.fill(7);
    expect(buf.subarray(PAGE_SIZE - 2, PAGE_SIZE + 2)).toEqual(Buffer.alloc(4, 7));
    expect(dma.pageAddresses(addr)).toHaveLength(4);
    expect(dma.resolve(addr + BigInt(buf.length) - 1n, 2)).toBeUndefined();
  });

  it('never resolves unmapped memory, zero, or a neighbour', () => {
    const dma = new DmaSpace();
    const a = dma.map(Buffer.alloc(100));
    const b = dma.map(Buffer.alloc(100));
    expect(dma.resolve(0n, 1)).toBeUndefined();
    expect(dma.resolve(a + 100n, 1)).toBeUndefined();
    expect(dma.resolve(b, 100)).toBeDefined();
    expect(dma.unmap(a + 8n)).toBe(false);
    expect(dma.unmap(a)).toBe(true);
    expect(dma.unmap(a)).toBe(false);
    expect(dma.resolve(a, 1)).toBeUndefined();
    expect(dma.mappings).toBe(1);
  });

  it('resolves exactly the in-range requests (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 * PAGE_SIZE }),
        fc.integer({ min: -PAGE_SIZE, max: 6 * PAGE_SIZE }),
        fc.nat(2 * PAGE_SIZE),
        (size, off, len) => {
          const dma = new DmaSpace();
          const buf = Buffer.alloc(size);
          const addr = dma.map(buf);
          const v = dma.resolve(addr + BigInt(off), len);
          const inRange = off >= 0 && off + len <= size;
          expect(v !== undefined).toBe(inRange);
          if (v) expect(v.byteOffset - buf.byteOffset).toBe(off);
        },
      ),
    );
  });
});

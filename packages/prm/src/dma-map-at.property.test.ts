import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DmaSpace, PAGE_SIZE } from './dma.js';
import { AuxError } from './errors.js';

const P = BigInt(PAGE_SIZE);
const errno = (fn: () => void): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof AuxError ? e.code : 'not an AuxError';
  }
};

describe('DmaSpace.mapAt', () => {
  it('maps at the chosen address; EINVAL unaligned or zero, EEXIST on overlap', () => {
    const dma = new DmaSpace();
    const buf = Buffer.alloc(2 * PAGE_SIZE + 1, 3);
    dma.mapAt(0x4000_0000n, buf);
    expect(dma.resolve(0x4000_0000n + 2n * P, 1)).toEqual(Buffer.from([3]));
    expect(dma.pageAddresses(0x4000_0000n)).toHaveLength(3);
    expect(errno(() => dma.mapAt(0x4000_0001n, Buffer.alloc(1)))).toBe('EINVAL');
    expect(errno(() => dma.mapAt(0n, Buffer.alloc(1)))).toBe('EINVAL');
    expect(errno(() => dma.mapAt(2n ** 53n, Buffer.alloc(1)))).toBe('EINVAL');
    expect(errno(() => dma.mapAt(0x4000_0000n + 2n * P, Buffer.alloc(1)))).toBe('EEXIST');
    expect(errno(() => dma.mapAt(0x4000_0000n - P, Buffer.alloc(PAGE_SIZE + 1)))).toBe('EEXIST');
    expect(dma.mappings).toBe(1);
    expect(dma.unmap(0x4000_0000n)).toBe(true);
    expect(dma.mappings).toBe(0);
    expect(dma.resolve(0x4000_0000n, 1)).toBeUndefined();
  });

  it('map never hands out a page mapAt took', () => {
    const dma = new DmaSpace();
    const first = dma.map(Buffer.alloc(1));
    dma.mapAt(first + 2n * P, Buffer.alloc(3 * PAGE_SIZE));
    const next = dma.map(Buffer.alloc(PAGE_SIZE));
    expect(next >= first + 5n * P).toBe(true);
    expect(dma.mappings).toBe(3);
  });

  it('accepts exactly the aligned, non-overlapping requests; a refused one changes nothing (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            page: fc.integer({ min: 0, max: 64 }),
            misalign: fc.integer({ min: 0, max: PAGE_SIZE - 1 }),
            aligned: fc.boolean(),
            bytes: fc.integer({ min: 1, max: 4 * PAGE_SIZE }),
          }),
          { maxLength: 12 },
        ),
        (reqs) => {
          const dma = new DmaSpace();
          const taken = new Set<number>();
          for (const r of reqs) {
            const iova = BigInt(r.page) * P + (r.aligned ? 0n : BigInt(r.misalign || 1));
            const pages = Array.from(
              { length: Math.ceil(r.bytes / PAGE_SIZE) },
              (_, i) => r.page + i,
            );
            const before = dma.mappings;
            const code = errno(() => dma.mapAt(iova, Buffer.alloc(r.bytes)));
            if (!r.aligned || r.page === 0) {
              expect(code).toBe('EINVAL');
            } else if (pages.some((p) => taken.has(p))) {
              expect(code).toBe('EEXIST');
            } else {
              expect(code).toBeUndefined();
              for (const p of pages) taken.add(p);
            }
            expect(dma.mappings).toBe(code ? before : before + 1);
          }
          for (let p = 1; p < 70; p++) {
            expect(dma.resolve(BigInt(p) * P, 1) !== undefined).toBe(taken.has(p));
          }
          // regions: every mapping once, ascending, each resolving to its own buffer.
          const regions = dma.regions();
          expect(regions).toHaveLength(dma.mappings);
          expect(regions.map((r) => r.iova)).toEqual(
            [...regions.map((r) => r.iova)].sort((a, b) => (a < b ? -1 : 1)),
          );
          for (const r of regions)
            expect(dma.resolve(r.iova, r.buf.length)?.buffer).toBe(r.buf.buffer);
        },
      ),
      { numRuns: 200 },
    );
  });
});

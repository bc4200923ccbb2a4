import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IovaBitmap } from './iova-bitmap.js';

describe('IovaBitmap', () => {
  it('sets exactly the pages the written spans touch inside its own span', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 12, max: 16 }),
        fc.integer({ min: 0, max: 32 }),
        fc.integer({ min: 1, max: 200 }),
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 300 << 12 }),
            len: fc.integer({ min: 0, max: 40 << 12 }),
          }),
          {
            maxLength: 8,
          },
        ),
        (shift, firstPage, pages, writes) => {
          const ps = 1n << BigInt(shift);
          const iova = BigInt(firstPage) * ps;
          const bm = new IovaBitmap(iova, BigInt(pages) * ps, ps);
          const want = new Set<bigint>();
          for (const w of writes) {
            bm.setRange(BigInt(w.at), BigInt(w.len));
            for (let p = 0n; p < BigInt(pages); p++) {
              const lo = iova + p * ps;
              if (w.len > 0 && BigInt(w.at) < lo + ps && lo < BigInt(w.at + w.len)) want.add(lo);
            }
          }
          expect(bm.dirtyPages()).toEqual([...want].sort((a, b) => (a < b ? -1 : 1)));
          expect(bm.bytes.length).toBe(Math.ceil(pages / 64) * 8);
        },
      ),
      { numRuns: 300 },
    );
  });
});

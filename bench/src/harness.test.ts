import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median, timeInterleaved } from './harness.js';

describe('bench harness', () => {
  it('median is the middle of the sorted values (mean of the two middle ones for an even count)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, min: -1e9, max: 1e9 }), { minLength: 1 }),
        (xs) => {
          const s = [...xs].sort((a, b) => a - b);
          const m = median(xs);
          const below = s.filter((x) => x < m).length;
          const above = s.filter((x) => x > m).length;
          expect(below).toBeLessThanOrEqual(xs.length / 2);
          expect(above).toBeLessThanOrEqual(xs.length / 2);
        },
      ),
    );
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('timeInterleaved runs every function once per round, rotating which goes first', async () => {
    const order: number[] = [];
    const fns = [0, 1, 2].map((k) => () => {
      order.push(k);
    });
    const times = await timeInterleaved(fns, 3);
    expect(order).toEqual([0, 1, 2, 1, 2, 0, 2, 0, 1]);
    expect(times).toHaveLength(3);
    for (const row of times) for (const t of row) expect(t).toBeGreaterThanOrEqual(0);
  });
});

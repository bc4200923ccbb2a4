import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compareRates,
  inFlight,
  median,
  ratioSpread,
  roundList,
  runFacts,
  timeInterleaved,
} from './harness.js';

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

  it('property: roundList and ratioSpread write per-round ratios with 3 decimals', () => {
    const ratios = fc.array(fc.double({ noNaN: true, min: 0, max: 100 }), { minLength: 1 });
    fc.assert(
      fc.property(ratios, (xs) => {
        const listed = roundList(xs).split(' ');
        expect(listed.map(Number)).toEqual(xs.map((x) => Number(x.toFixed(3))));
        const [lo, hi] = ratioSpread(xs).split('-').map(Number);
        expect(lo).toBe(Number(Math.min(...xs).toFixed(3)));
        expect(hi).toBe(Number(Math.max(...xs).toFixed(3)));
      }),
    );
    expect(roundList([0.5, 1.25])).toBe('0.500 1.250');
    expect(ratioSpread([1.2, 0.75, 0.9])).toBe('0.750-1.200');
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

  it('inFlight runs n callers of perCaller calls each, at most n at once', async () => {
    let running = 0;
    let peak = 0;
    let calls = 0;
    await inFlight(
      4,
      async () => {
        running++;
        calls++;
        peak = Math.max(peak, running);
        await new Promise((r) => setImmediate(r));
        running--;
      },
      3,
    );
    expect(calls).toBe(12);
    expect(peak).toBe(4);
  });

  it('compareRates gives both sides the same batches per round and the median of the round ratios', async () => {
    const spin = (n: number) => () => {
      let x = 0;
      for (let i = 0; i < n; i++) x += Math.sqrt(i);
      return x;
    };
    let base = 0;
    let subj = 0;
    const c = await compareRates(
      () => {
        base++;
        return spin(20_000)();
      },
      () => {
        subj++;
        return spin(60_000)();
      },
      { perBatch: 1, ms: 80, rounds: 5 },
    );
    expect(c.roundRatios).toHaveLength(5);
    expect(c.ratio).toBe(median(c.roundRatios));
    // The subject does three times the work per batch: it is clearly the slower side.
    expect(c.ratio).toBeLessThan(0.9);
    expect(c.subjectPerSec).toBeLessThan(c.baselinePerSec);
    expect(c.pooledRatio).toBeLessThan(0.9);
    expect(base).toBeGreaterThanOrEqual(subj);
  });

  it('runFacts names the cores, the Node version and the commit measured', () => {
    const f = runFacts();
    expect(f.cores).toBeGreaterThan(0);
    expect(f.node).toBe(process.version);
    expect(f.commit).toMatch(/^([0-9a-f]{40}(\+dirty)?|unknown)$/);
  });
});

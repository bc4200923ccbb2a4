import { type AuxError, isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter, type Release } from './concurrency-limiter.js';

function refusal(f: () => unknown): AuxError | undefined {
  try {
    f();
  } catch (err) {
    if (isAuxError(err, 'EBUSY')) return err;
    throw err;
  }
  return undefined;
}

describe('ConcurrencyLimiter', () => {
  it('enforces the per-key cap, naming it', () => {
    const cl = new ConcurrencyLimiter({ perKey: 2, global: 10, name: 'sessions' });
    cl.acquire('alice');
    cl.acquire('alice');
    const err = refusal(() => cl.acquire('alice'));
    expect(err?.detail).toMatchObject({ limit: 'per-key', key: 'alice', cap: 2, inUse: 2 });
    expect(err?.message).toMatch(/^sessions: 2 of 2 allowed for alice/);
    expect(cl.acquire('bob')).toBeTypeOf('function');
    expect(cl.inUse()).toBe(3);
  });

  it('enforces the global cap, naming it', () => {
    const cl = new ConcurrencyLimiter({ perKey: 2, global: 3, name: 'concurrent dumps' });
    cl.acquire('a');
    cl.acquire('b');
    const release = cl.acquire('c');
    expect(refusal(() => cl.acquire('d'))?.detail).toMatchObject({ limit: 'global', cap: 3 });
    release();
    expect(cl.acquire('d')).toBeTypeOf('function');
  });

  it('releases once however often release is called, and forgets idle keys', () => {
    const cl = new ConcurrencyLimiter({ perKey: 1 });
    const r1 = cl.acquire('a');
    r1();
    const r2 = cl.acquire('a');
    r1();
    expect(cl.inUse('a')).toBe(1);
    expect(refusal(() => cl.acquire('a'))).toBeDefined();
    r2();
    r2();
    expect(cl.inUse()).toBe(0);
    expect(cl.keys).toBe(0);
  });

  it('accepts a zero cap (feature off) and refuses bad caps', () => {
    expect(refusal(() => new ConcurrencyLimiter({ global: 0 }).acquire('a'))).toBeDefined();
    expect(() => new ConcurrencyLimiter({ perKey: -1 })).toThrow(/perKey/);
    expect(() => new ConcurrencyLimiter({ global: 1.5 })).toThrow(/global/);
  });

  it('keeps held counts within the caps and never negative (model check)', () => {
    const op = fc.oneof(
      fc.record({ acquire: fc.constantFrom('a', 'b', 'c') }),
      fc.record({ release: fc.nat() }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(op, { maxLength: 100 }),
        (perKey, global, ops) => {
          const cl = new ConcurrencyLimiter({ perKey, global });
          const handles: { key: string; release: Release; live: boolean }[] = [];
          const model = new Map<string, number>();
          const total = () => [...model.values()].reduce((s, n) => s + n, 0);
          for (const o of ops) {
            if ('acquire' in o) {
              const k = o.acquire;
              const fits = (model.get(k) ?? 0) < perKey && total() < global;
              const err = refusal(() =>
                handles.push({ key: k, release: cl.acquire(k), live: true }),
              );
              expect(err === undefined).toBe(fits);
              if (fits) model.set(k, (model.get(k) ?? 0) + 1);
            } else if (handles.length > 0) {
              const h = handles[o.release % handles.length];
              if (!h) continue;
              h.release();
              if (h.live) model.set(h.key, (model.get(h.key) ?? 0) - 1);
              h.live = false;
            }
            expect(cl.inUse()).toBe(total());
            expect(cl.inUse()).toBeLessThanOrEqual(global);
            for (const k of ['a', 'b', 'c']) {
              expect(cl.inUse(k)).toBe(model.get(k) ?? 0);
              expect(cl.inUse(k)).toBeGreaterThanOrEqual(0);
              expect(cl.inUse(k)).toBeLessThanOrEqual(perKey);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

import { AuxError, isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimiter } from './rate-limiter.js';

function fakeClock(start = 0) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms), set: (ms: number) => (t = ms) };
}

describe('RateLimiter', () => {
  it('allows a burst, then refuses with the time until the next token', () => {
    const clock = fakeClock();
    const rl = new RateLimiter({ ratePerSec: 2, burst: 3, now: clock.now });
    expect([1, 2, 3].map(() => rl.take('alice').allowed)).toEqual([true, true, true]);
    expect(rl.take('alice')).toEqual({ allowed: false, retryAfterMs: 500 });
    clock.advance(200);
    expect(rl.take('alice')).toEqual({ allowed: false, retryAfterMs: 300 });
    clock.advance(300);
    expect(rl.take('alice')).toEqual({ allowed: true, retryAfterMs: 0 });
    expect(rl.take('alice').allowed).toBe(false);
    expect(rl.take('bob').allowed).toBe(true);
  });

  it('refills up to the burst only', () => {
    const clock = fakeClock();
    const rl = new RateLimiter({ ratePerSec: 10, burst: 2, now: clock.now, maxKeys: 5 });
    rl.take('k');
    clock.advance(60_000);
    expect([1, 2, 3].map(() => rl.take('k').allowed)).toEqual([true, true, false]);
  });

  it('treats a clock that goes backwards as no time passing', () => {
    const clock = fakeClock(10_000);
    const rl = new RateLimiter({ ratePerSec: 1, burst: 1, now: clock.now });
    expect(rl.take('k').allowed).toBe(true);
    clock.set(0);
    expect(rl.take('k').allowed).toBe(false);
    clock.set(11_000);
    expect(rl.take('k').allowed).toBe(true);
  });

  it('charges a cost and refuses costs it could never grant', () => {
    const clock = fakeClock();
    const rl = new RateLimiter({ ratePerSec: 4, burst: 4, now: clock.now });
    expect(rl.take('k', 3).allowed).toBe(true);
    expect(rl.take('k', 2)).toEqual({ allowed: false, retryAfterMs: 250 });
    expect(() => rl.take('k', 5)).toThrow(AuxError);
    expect(() => rl.take('k', 0)).toThrow(/cost/);
    expect(() => new RateLimiter({ ratePerSec: 0, burst: 1 })).toThrow(/ratePerSec/);
    expect(() => new RateLimiter({ ratePerSec: 1, burst: 0.5 })).toThrow(/burst/);
  });

  it('takeOrThrow refuses with EBUSY and the retry time', () => {
    const clock = fakeClock();
    const rl = new RateLimiter({ ratePerSec: 1, burst: 1, now: clock.now, name: 'RPC rate' });
    rl.takeOrThrow('alice');
    let caught: unknown;
    try {
      rl.takeOrThrow('alice');
    } catch (err) {
      caught = err;
    }
    expect(isAuxError(caught, 'EBUSY')).toBe(true);
    expect((caught as AuxError).detail).toEqual({
      limit: 'RPC rate',
      key: 'alice',
      retryAfterMs: 1000,
    });
    expect((caught as AuxError).message).toMatch(/RPC rate limit for alice/);
  });

  it('drops buckets idle for a refill period, so many keys do not accumulate', () => {
    const clock = fakeClock();
    const rl = new RateLimiter({ ratePerSec: 10, burst: 5, now: clock.now }); // refill = 500 ms
    for (let i = 0; i < 1000; i++) {
      rl.take(`k${i}`);
      clock.advance(1);
    }
    expect(rl.size).toBeLessThanOrEqual(501);
    clock.advance(500);
    rl.take('last');
    expect(rl.size).toBe(1);
  });

  it('never keeps more than maxKeys buckets', () => {
    const rl = new RateLimiter({ ratePerSec: 1, burst: 1, now: () => 0, maxKeys: 3 });
    for (const k of ['a', 'b', 'c', 'd', 'e']) rl.take(k);
    expect(rl.size).toBe(3);
    expect(rl.take('e').allowed).toBe(false); // recent keys keep their state
  });

  it('never allows more than burst + rate x elapsed in any run of calls', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 200 }),
        (rate, burst, gaps) => {
          const clock = fakeClock();
          const rl = new RateLimiter({ ratePerSec: rate, burst, now: clock.now });
          let allowed = 0;
          for (const gap of gaps) {
            clock.advance(gap);
            const d = rl.take('k');
            if (d.allowed) allowed++;
            else expect(d.retryAfterMs).toBeGreaterThan(0);
          }
          expect(allowed).toBeLessThanOrEqual(burst + Math.floor((clock.now() * rate) / 1000));
        },
      ),
    );
  });

  it('decides and keeps buckets exactly as the plain LRU token-bucket model does', () => {
    // The model: every take prunes idle buckets and re-inserts the key's bucket last.
    class Model {
      readonly buckets = new Map<string, { tokens: number; at: number }>();
      constructor(
        readonly rate: number,
        readonly burst: number,
        readonly maxKeys: number,
      ) {}
      take(key: string, cost: number, t: number): { allowed: boolean; retryAfterMs: number } {
        const perMs = this.rate / 1000;
        for (const [k, b] of this.buckets) {
          if (t - b.at < this.burst / perMs) break;
          this.buckets.delete(k);
        }
        const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
        b.tokens = Math.min(this.burst, b.tokens + Math.max(0, t - b.at) * perMs);
        b.at = Math.max(b.at, t);
        this.buckets.delete(key);
        this.buckets.set(key, b);
        if (this.buckets.size > this.maxKeys) {
          this.buckets.delete(this.buckets.keys().next().value as string);
        }
        if (b.tokens + 1e-9 >= cost) {
          b.tokens = Math.max(0, b.tokens - cost);
          return { allowed: true, retryAfterMs: 0 };
        }
        return { allowed: false, retryAfterMs: Math.ceil((cost - b.tokens) / perMs) };
      }
    }
    const step = fc.record({
      key: fc.constantFrom('a', 'b', 'c'),
      gap: fc.oneof(fc.constant(0), fc.integer({ min: -50, max: 3000 })),
      cost: fc.integer({ min: 1, max: 3 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 3, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(step, { minLength: 1, maxLength: 120 }),
        (rate, burst, maxKeys, steps) => {
          const clock = fakeClock(1000);
          const rl = new RateLimiter({ ratePerSec: rate, burst, maxKeys, now: clock.now });
          const model = new Model(rate, burst, maxKeys);
          for (const { key, gap, cost } of steps) {
            clock.advance(gap);
            expect(rl.take(key, cost)).toEqual(model.take(key, cost, clock.now()));
            expect(rl.size).toBe(model.buckets.size);
          }
        },
      ),
    );
  });
});

import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SourceContext } from '../sources/device-source.js';
import { type ExecContextKey, ExecContexts, execContextKey } from './exec-contexts.js';

interface Fake {
  ctx: SourceContext;
  closes: number;
  pristine: boolean;
}

function fake(): Fake {
  const f: Fake = { closes: 0, pristine: true, ctx: undefined as unknown as SourceContext };
  f.ctx = {
    get pristine() {
      return f.pristine && f.closes === 0;
    },
    close: async () => {
      f.closes++;
    },
  } as unknown as SourceContext;
  return f;
}

const A = execContextKey('spiffe://auxctl/a', '0000:08:00.0', false);
const B = execContextKey('spiffe://auxctl/b', '0000:08:00.0', false);

/** give: keep `ctx` in `pool`, or close it when keep() says no (as Exec does). */
async function give(pool: ExecContexts, key: ExecContextKey, ctx: SourceContext): Promise<void> {
  if (!pool.keep(key, ctx)) await ctx.close();
}

describe('ExecContexts', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands a kept context back to the same principal, device and privileges only', async () => {
    const pool = new ExecContexts({ idleMs: 1000, perKey: 4 });
    const c = fake();
    await give(pool, A, c.ctx);
    expect(c.closes).toBe(0);
    expect(pool.take(B)).toBeUndefined();
    expect(pool.take(execContextKey('spiffe://auxctl/a', '0000:08:00.0', true))).toBeUndefined();
    expect(pool.take(execContextKey('spiffe://auxctl/a', '0000:09:00.0', false))).toBe(undefined);
    expect(pool.take(A)).toBe(c.ctx);
    expect(pool.take(A)).toBeUndefined();
    await pool.close();
  });

  it('closes at once what is not pristine, what exceeds perKey, and everything when idleMs is 0', async () => {
    const pool = new ExecContexts({ idleMs: 1000, perKey: 1 });
    const dirty = fake();
    dirty.pristine = false;
    await give(pool, A, dirty.ctx);
    expect(dirty.closes).toBe(1);
    const first = fake();
    const second = fake();
    await give(pool, A, first.ctx);
    await give(pool, A, second.ctx);
    expect([first.closes, second.closes]).toEqual([0, 1]);
    await pool.close();
    expect(first.closes).toBe(1);
    const off = new ExecContexts({ idleMs: 0, perKey: 8 });
    const c = fake();
    await give(off, A, c.ctx);
    expect(c.closes).toBe(1);
    expect(off.size).toBe(0);
    // keep() only says no; closing is the caller's.
    const refused = fake();
    expect(off.keep(A, refused.ctx)).toBe(false);
    expect(refused.closes).toBe(0);
  });

  it('skips a kept context that stopped being pristine (its device went away)', async () => {
    const pool = new ExecContexts({ idleMs: 1000, perKey: 4 });
    const gone = fake();
    const live = fake();
    await give(pool, A, live.ctx);
    await give(pool, A, gone.ctx);
    gone.pristine = false;
    expect(pool.take(A)).toBe(live.ctx);
    await pool.close();
  });

  it('closes contexts idle for idleMs, and none younger', async () => {
    vi.useFakeTimers();
    let now = 0;
    const pool = new ExecContexts({ idleMs: 1000, perKey: 4, now: () => now });
    const old = fake();
    await give(pool, A, old.ctx);
    now = 600;
    const young = fake();
    await give(pool, B, young.ctx);
    now = 1000;
    await vi.advanceTimersByTimeAsync(1000);
    expect(old.closes).toBe(1);
    expect(young.closes).toBe(0);
    now = 1600;
    await vi.advanceTimersByTimeAsync(1000);
    expect(young.closes).toBe(1);
    expect(pool.size).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps one last-in first-out list per principal, device and privileges', async () => {
    const keyArb = fc
      .record({
        principal: fc.constantFrom('spiffe://auxctl/a', 'spiffe://auxctl/b', ''),
        device: fc.constantFrom('0000:08:00.0', '0000:08:00.1', ''),
        rawio: fc.boolean(),
      })
      // A fresh key object (and fresh strings) each time, as every Exec makes its own.
      .map((k) => execContextKey(`${k.principal}`, `${k.device}`, k.rawio));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: keyArb, take: fc.boolean() }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 3 }),
        async (steps, perKey) => {
          const pool = new ExecContexts({ idleMs: 1000, perKey });
          const model = new Map<string, SourceContext[]>();
          for (const { key, take } of steps) {
            const id = JSON.stringify([key.principal, key.device, key.rawio]);
            const list = model.get(id) ?? [];
            model.set(id, list);
            if (take) {
              expect(pool.take(key)).toBe(list.pop());
              continue;
            }
            const c = fake();
            const kept = pool.keep(key, c.ctx);
            expect(kept).toBe(list.length < perKey);
            if (kept) list.push(c.ctx);
          }
          expect(pool.size).toBe([...model.values()].reduce((n, l) => n + l.length, 0));
          await pool.close();
        },
      ),
    );
  });

  it('after close() nothing is kept and every context was closed exactly once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ who: fc.constantFrom(A, B), pristine: fc.boolean(), take: fc.boolean() }),
        ),
        fc.integer({ min: 0, max: 3 }),
        async (steps, perKey) => {
          const pool = new ExecContexts({ idleMs: 1000, perKey });
          const all: Fake[] = [];
          const taken = new Set<SourceContext>();
          for (const s of steps) {
            if (s.take) {
              const c = pool.take(s.who);
              if (c) taken.add(c);
              continue;
            }
            const c = fake();
            c.pristine = s.pristine;
            all.push(c);
            await give(pool, s.who, c.ctx);
          }
          await pool.close();
          expect(pool.size).toBe(0);
          for (const c of all) {
            // A context taken back is the caller's again: the pool must not have closed it.
            expect(c.closes).toBe(taken.has(c.ctx) ? 0 : 1);
          }
        },
      ),
    );
  });
});

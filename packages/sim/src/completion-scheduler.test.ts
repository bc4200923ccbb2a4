import { afterEach, describe, expect, it, vi } from 'vitest';
import { CompletionScheduler, LATENCY_PROFILES, type Scheduled } from './completion-scheduler.js';

interface Item extends Scheduled {
  readonly id: number;
}

const item = (id: number): Item => ({ id, where: 0, due: 0 });

function rig(model: { perCommandUs: number; processors: number }, now: () => number) {
  const batches: number[][] = [];
  const s = new CompletionScheduler<Item>(model, now, (due) => batches.push(due.map((w) => w.id)));
  return { s, batches };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CompletionScheduler', () => {
  it('with no cost, hands everything scheduled in one burst over on the next microtask', async () => {
    const { s, batches } = rig(LATENCY_PROFILES.none, () => 0);
    const items = [item(1), item(2), item(3)];
    for (const w of items) s.schedule(w, 0);
    s.schedule(items[1]!, 0); // already queued: no duplicate
    expect(batches).toEqual([]);
    await Promise.resolve();
    expect(batches).toEqual([[1, 2, 3]]);
  });

  it('hands over in deadline order, one batch per moment, across delays and processors', async () => {
    vi.useFakeTimers();
    const { s, batches } = rig({ perCommandUs: 1000, processors: 2 }, () => Date.now());
    const start = Date.now();
    s.schedule(item(1), 10); // processor 0: due +1 ms, +10 ms delay -> +11
    s.schedule(item(2), 0); // processor 1: +1
    s.schedule(item(3), 0); // processor 0 frees first at +1: +2
    s.schedule(item(4), 0); // processor 1: +2
    await vi.advanceTimersByTimeAsync(1);
    expect(Date.now() - start).toBe(1);
    expect(batches).toEqual([[2]]);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[2], [3, 4]]);
    await vi.advanceTimersByTimeAsync(9);
    expect(batches).toEqual([[2], [3, 4], [1]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('cancel and clear drop work and stop every timer', async () => {
    vi.useFakeTimers();
    const { s, batches } = rig(LATENCY_PROFILES.none, () => Date.now());
    const a = item(1);
    const b = item(2);
    s.schedule(a, 50);
    s.schedule(b, 80);
    s.cancel(a);
    await vi.advanceTimersByTimeAsync(60);
    expect(batches).toEqual([]);
    s.clear();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(batches).toEqual([]);
    s.schedule(a, 0);
    s.clear();
    await Promise.resolve();
    expect(batches).toEqual([]);
  });
});

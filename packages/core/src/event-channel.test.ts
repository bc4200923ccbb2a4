import { describe, expect, it } from 'vitest';
import { EventChannel } from './event-channel.js';

describe('EventChannel', () => {
  it('delivers to listeners in order and isolates a throwing one', () => {
    const errors: unknown[] = [];
    const ch = new EventChannel<number>((e) => errors.push(e));
    const seen: string[] = [];
    ch.subscribe(() => {
      throw new Error('boom');
    });
    const off = ch.subscribe((n) => seen.push(`a${n}`));
    ch.subscribe((n) => seen.push(`b${n}`));
    ch.publish(1);
    off();
    ch.publish(2);
    expect(seen).toEqual(['a1', 'b1', 'b2']);
    expect(errors).toHaveLength(2);
  });

  it('streams events, bounds a slow consumer and unsubscribes on return', async () => {
    const ch = new EventChannel<number>();
    const s = ch.stream(3);
    for (let i = 0; i < 5; i++) ch.publish(i);
    expect(s.dropped).toBe(2);
    const got: number[] = [];
    for await (const e of s) {
      got.push(e);
      if (got.length === 3) break;
    }
    expect(got).toEqual([2, 3, 4]);
    expect(ch.listenerCount).toBe(0);
  });

  it('wakes a waiting consumer', async () => {
    const ch = new EventChannel<string>();
    const s = ch.stream();
    const next = s.next();
    ch.publish('x');
    expect(await next).toEqual({ value: 'x', done: false });
    await s.return?.();
    expect(await s.next()).toEqual({ value: undefined, done: true });
  });
});

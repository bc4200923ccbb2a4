import { type CoreDevice, type CoreEvent, EventChannel } from '@auxctl/core';
import { describe, expect, it } from 'vitest';
import { DeviceEventLog } from './device-event-log.js';

function fakeCore(): { core: CoreDevice; events: EventChannel<CoreEvent> } {
  const events = new EventChannel<CoreEvent>();
  return { core: { events } as unknown as CoreDevice, events };
}

const taint = (n: number): CoreEvent => ({ type: 'taint', core: 'dev', reason: `r${n}` });

describe('DeviceEventLog', () => {
  it('numbers events strictly increasing and keeps a bounded history', () => {
    const { core, events } = fakeCore();
    const log = new DeviceEventLog(() => [core], { history: 4 });
    const live: number[] = [];
    const stop = log.listen((e) => live.push(e.sequence));
    for (let i = 0; i < 10; i++) events.publish(taint(i));
    expect(live).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const r = log.since(2);
    expect(r.events.map((e) => e.sequence)).toEqual([7, 8, 9, 10]);
    expect([r.expired, r.firstExpired]).toEqual([4, 3]);
    expect(log.since(8).expired).toBe(0);
    stop();
    log.close();
    expect(events.listenerCount).toBe(0);
  });
});

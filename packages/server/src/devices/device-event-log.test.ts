import { type CoreEvent, EventChannel } from '@auxctl/core';
import { Device } from '@auxctl/proto';
import { describe, expect, it } from 'vitest';
import { DeviceEventLog, type FollowedDevices } from './device-event-log.js';

function fakeDevice(): { device: Followed; events: EventChannel<CoreEvent> } {
  const events = new EventChannel<CoreEvent>();
  const device: Followed = {
    name: 'dev',
    state: 'up',
    events,
    describe: () => Device.fromPartial({ name: 'dev' }),
  };
  return { device, events };
}

type Followed = ReturnType<FollowedDevices['devices']>[number];

const taint = (n: number): CoreEvent => ({ type: 'taint', core: 'dev', reason: `r${n}` });

describe('DeviceEventLog', () => {
  it('numbers events strictly increasing and keeps a bounded history', () => {
    const { device, events } = fakeDevice();
    const log = new DeviceEventLog({ devices: () => [device] }, { history: 4 });
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

  it('announces a device that appears with its description, then logs its events until it closes', () => {
    const announce = new Set<(d: Followed) => void>();
    const log = new DeviceEventLog({
      devices: () => [],
      onAppeared: (fn) => {
        announce.add(fn);
        return () => announce.delete(fn);
      },
    });
    const seen: string[] = [];
    log.listen((e) => seen.push(e.event.type));
    const { device, events } = fakeDevice();
    for (const fn of announce) fn(device);
    for (const fn of announce) fn(device); // announced twice: followed once
    events.publish(taint(1));
    events.publish({ type: 'state', core: 'dev', state: 'closed', previous: 'up' });
    events.publish(taint(2));
    expect(seen).toEqual(['device-appeared', 'taint', 'state']);
    expect(events.listenerCount).toBe(0);
    log.close();
    expect(announce.size).toBe(0);
  });
});

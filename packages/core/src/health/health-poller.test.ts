import { HealthBuffer } from '@auxctl/prm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HealthPoller, type HealthSample } from './health-poller.js';

function fakeDevice() {
  const buf = HealthBuffer.alloc();
  let counter = 0;
  return {
    buf,
    running: true,
    readHealth: () => Buffer.from(buf),
    readHealthCounter() {
      if (this.running) counter++;
      return counter;
    },
  };
}

function recorder() {
  const fatal: Array<[string, HealthSample]> = [];
  const synd: HealthSample[] = [];
  return {
    fatal,
    synd,
    events: {
      onFatal: (r: 'syndrome' | 'counter', s: HealthSample) => fatal.push([r, s]),
      onSyndrome: (s: HealthSample) => synd.push(s),
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('HealthPoller', () => {
  it('reports a fatal syndrome (rfr set) once until rearmed', () => {
    const dev = fakeDevice();
    const rec = recorder();
    const p = new HealthPoller(dev, rec.events);
    p.poll();
    HealthBuffer.set(dev.buf, 'synd', 0x1);
    HealthBuffer.set(dev.buf, 'rfr', 1);
    HealthBuffer.set(dev.buf, 'ext_synd', 0x1234);
    p.poll();
    p.poll();
    expect(rec.fatal).toHaveLength(1);
    expect(rec.fatal[0]![0]).toBe('syndrome');
    expect(rec.fatal[0]![1].extSynd).toBe(0x1234);
    p.rearm();
    p.poll();
    expect(rec.fatal).toHaveLength(2);
  });

  it('declares the firmware dead after three polls with a frozen counter', () => {
    const dev = fakeDevice();
    const rec = recorder();
    const p = new HealthPoller(dev, rec.events);
    p.poll();
    dev.running = false;
    p.poll();
    p.poll();
    expect(rec.fatal).toHaveLength(0);
    p.poll();
    p.poll();
    expect(rec.fatal.map(([r]) => r)).toEqual(['counter']);
    expect(rec.fatal[0]![1].misses).toBe(3);
  });

  it('reports a non-fatal syndrome once per change', () => {
    const dev = fakeDevice();
    const rec = recorder();
    const p = new HealthPoller(dev, rec.events);
    HealthBuffer.set(dev.buf, 'synd', 0x10);
    p.poll();
    p.poll();
    HealthBuffer.set(dev.buf, 'synd', 0x9);
    p.poll();
    expect(rec.synd.map((s) => s.synd)).toEqual([0x10, 0x9]);
    expect(rec.fatal).toHaveLength(0);
  });

  it('polls on a jittered timer until stopped', () => {
    vi.useFakeTimers();
    const dev = fakeDevice();
    const rec = recorder();
    const p = new HealthPoller(dev, rec.events, {
      intervalMs: 2000,
      jitterMs: 1000,
      random: () => 0.5,
    });
    const spy = vi.spyOn(p, 'poll');
    p.start();
    vi.advanceTimersByTime(2499);
    expect(spy).toHaveBeenCalledTimes(0);
    vi.advanceTimersByTime(1);
    expect(spy).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(2500 * 3);
    expect(spy).toHaveBeenCalledTimes(4);
    p.stop();
    vi.advanceTimersByTime(10_000);
    expect(spy).toHaveBeenCalledTimes(4);
    expect(p.running).toBe(false);
  });
});

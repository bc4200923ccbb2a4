import { type DmaSpace, PpcntGroup } from '@auxctl/prm';
import { SimWire } from '@auxctl/sim';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readPortCounters } from '../device/port-commands.js';
import {
  type Channel,
  channel,
  flush,
  frame,
  type Node,
  nodes,
} from './test-support/data-path-rig.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const c of cleanups.splice(0).reverse()) await c();
});

const BCAST = Buffer.from('ffffffffffff', 'hex');

/** forget: a channel's memory after its device was reset (its objects died with it). */
function forget(dma: DmaSpace, c: Channel): void {
  c.sq.release();
  c.rq.release();
  c.txCq.release();
  c.rxCq.release();
  dma.unmap(c.rxAddr);
  dma.unmap(c.txAddr);
}

async function pair() {
  const r = await nodes(2);
  cleanups.push(r.close);
  const [a, b] = r.nodes as [Node, Node];
  const w = new SimWire({ device: a.sim }, { device: b.sim });
  cleanups.push(() => w.unplug());
  const ca = await channel(a.h);
  const cb = await channel(b.h);
  return { a, b, ca, cb, w };
}

describe('reset and fatal errors on the data path', () => {
  it('a reset mid-traffic leaves no objects and completes nothing in flight', async () => {
    const { a, b, ca, cb } = await pair();
    cleanups.push(() => cb.close());
    cb.fill(8);
    for (let i = 0; i < 8; i++) ca.send(frame(BCAST, 100), i * 256);
    // The doorbells are pending (processed on the next turn); the device resets first.
    await a.sim.reset();
    expect(a.sim.engine.objectCounts()).toEqual({});
    await flush();
    expect(ca.txCqes).toHaveLength(0);
    expect(cb.rxCqes).toHaveLength(0);
    forget(a.sim.dma, ca);
    await a.core.recover();
    expect(b.core.state).toBe('up');
  });

  it('after a fatal error the device writes no CQE, and the peer sees the link go down', async () => {
    const { a, b, ca, cb } = await pair();
    cleanups.push(() => forget(a.sim.dma, ca));
    cleanups.push(() => cb.close());
    cb.fill(4);
    ca.send(frame(BCAST, 64));
    await flush();
    expect(cb.rxCqes).toHaveLength(1);
    b.events.length = 0;
    a.sim.faults.fatal();
    ca.send(frame(BCAST, 64));
    await flush();
    expect(ca.txCqes).toHaveLength(1);
    expect(cb.rxCqes).toHaveLength(1);
    expect(b.events).toContainEqual({ type: 'port', core: b.core.name, port: 1, state: 'down' });
    await a.core.recover();
  });

  it('a wire with latency delivers on its timer, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    const r = await nodes(2);
    cleanups.push(r.close);
    const [a, b] = r.nodes as [Node, Node];
    const w = new SimWire({ device: a.sim }, { device: b.sim }, { latencyUs: 500 });
    cleanups.push(() => w.unplug());
    const ca = await channel(a.h);
    const cb = await channel(b.h);
    cleanups.push(() => ca.close());
    cleanups.push(() => cb.close());
    cb.fill(4);
    for (let i = 0; i < 3; i++) ca.send(frame(BCAST, 64 + i), i * 128);
    await flush();
    expect(ca.txCqes).toHaveLength(3);
    expect(cb.rxCqes).toHaveLength(0);
    vi.advanceTimersByTime(1);
    await flush();
    expect(cb.rxCqes.map((c) => c.byteCnt)).toEqual([64, 65, 66]);
  });

  it('unplugging a wire with latency drops the frames still on it: none arrive later', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const r = await nodes(2);
    cleanups.push(r.close);
    const [a, b] = r.nodes as [Node, Node];
    const w = new SimWire({ device: a.sim }, { device: b.sim }, { latencyUs: 500 });
    const ca = await channel(a.h);
    const cb = await channel(b.h);
    cleanups.push(() => ca.close());
    cleanups.push(() => cb.close());
    cb.fill(4);
    for (let i = 0; i < 3; i++) ca.send(frame(BCAST, 64 + i), i * 128);
    await flush();
    expect(w.stats()).toEqual({ transmitted: 3, lost: 0 });
    w.unplug();
    expect(w.stats()).toEqual({ transmitted: 3, lost: 3 });
    vi.advanceTimersByTime(5);
    await flush();
    expect(cb.rxCqes).toHaveLength(0);
  });

  it('a loopback wire on one port delivers a device its own frames', async () => {
    const r = await nodes(1);
    cleanups.push(r.close);
    const n = r.nodes[0]!;
    const w = new SimWire({ device: n.sim }, { device: n.sim });
    cleanups.push(() => w.unplug());
    const c = await channel(n.h);
    cleanups.push(() => c.close());
    c.fill(2);
    const f = frame(BCAST, 128, 0x11);
    c.send(f);
    await flush();
    expect(c.rxCqes).toHaveLength(1);
    expect(c.rxBuf.subarray(0, 128).equals(f)).toBe(true);
    const p = await readPortCounters(n.h, 1, PpcntGroup.IEEE_802_3);
    expect([p.get('a_frames_transmitted_ok'), p.get('a_frames_received_ok')]).toEqual([1n, 1n]);
  });

  it('refuses bad wire options and a second wire on a port', async () => {
    const r = await nodes(2);
    cleanups.push(r.close);
    const [a, b] = r.nodes as [Node, Node];
    expect(() => new SimWire({ device: a.sim }, { device: b.sim }, { lossRate: 2 })).toThrow(
      /lossRate/,
    );
    expect(() => new SimWire({ device: a.sim, port: 2 }, { device: b.sim })).toThrow(/no port 2/);
    const w = new SimWire({ device: a.sim }, { device: b.sim });
    expect(() => new SimWire({ device: a.sim }, { device: b.sim })).toThrow(/already has a wire/);
    w.unplug();
    expect(() => w.connect()).toThrow(/unplugged/);
  });
});

import { SocketWire } from '@auxctl/sim';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { readPaos, writePaos } from '../device/port-commands.js';
import { channel, flush, frame, nodes } from './test-support/data-path-rig.js';

// Two simulated devices joined by a SocketWire over loopback TCP — the cable
// two auxctld processes' devices share — driven through core's data path.

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const BCAST = Buffer.from('ffffffffffff', 'hex');

async function pair() {
  const r = await nodes(2);
  cleanups.push(r.close);
  const [a, b] = r.nodes as [(typeof r.nodes)[0], (typeof r.nodes)[0]];
  const wa = await SocketWire.listen({ device: a.sim }, { host: '127.0.0.1', port: 0 });
  cleanups.push(async () => wa.close());
  const wb = SocketWire.connect({ device: b.sim }, wa.address, { retryMs: 20 });
  cleanups.push(async () => wb.close());
  const ca = await channel(a.h);
  const cb = await channel(b.h);
  cleanups.push(async () => {
    await ca.close();
    await cb.close();
  });
  await vi.waitFor(async () => expect((await readPaos(b.h, 1)).oper).toBe('up'));
  await vi.waitFor(async () => expect((await readPaos(a.h, 1)).oper).toBe('up'));
  return { a, b, ca, cb, wa, wb };
}

describe('Ethernet over a SocketWire', () => {
  it('brings both links up once connected and carries frames both ways, byte-exact and in order', async () => {
    const { ca, cb, wa, wb } = await pair();
    cb.fill(64);
    ca.fill(64);
    const frames = Array.from({ length: 40 }, (_, i) => frame(BCAST, 60 + i * 7, i));
    for (const f of frames) ca.send(f);
    await vi.waitFor(() => expect(cb.rxCqes).toHaveLength(40));
    for (const [i, f] of frames.entries()) {
      expect(cb.rxCqes[i]?.byteCnt).toBe(f.length);
    }
    expect(cb.rxCqes.every((c) => c.syndrome === undefined)).toBe(true);
    cb.send(frame(BCAST, 1500, 0x5a));
    await vi.waitFor(() => expect(ca.rxCqes).toHaveLength(1));
    expect(ca.rxBuf.subarray(0, 1500).equals(frame(BCAST, 1500, 0x5a))).toBe(true);
    expect(wa.stats()).toEqual({ sent: 40, received: 1, dropped: 0 });
    expect(wb.stats()).toEqual({ sent: 1, received: 40, dropped: 0 });
  });

  it('PAOS admin down at one end takes the far link down; up brings it back', async () => {
    const { a, b } = await pair();
    await writePaos(b.h, 1, 'down');
    await vi.waitFor(async () => expect((await readPaos(a.h, 1)).oper).toBe('down'));
    expect(a.events).toContainEqual({ type: 'port', core: a.core.name, port: 1, state: 'down' });
    await writePaos(b.h, 1, 'up');
    await vi.waitFor(async () => expect((await readPaos(a.h, 1)).oper).toBe('up'));
  });

  it('the connecting end waits for a listener that is not up yet, and redials after a loss', async () => {
    const r = await nodes(2);
    cleanups.push(r.close);
    const [a, b] = r.nodes as [(typeof r.nodes)[0], (typeof r.nodes)[0]];
    // Find a free port, then leave it free for a while.
    const probe = await SocketWire.listen({ device: a.sim }, { host: '127.0.0.1', port: 0 });
    const address = probe.address;
    probe.close();
    const wb = SocketWire.connect({ device: b.sim }, address, { retryMs: 20 });
    cleanups.push(async () => wb.close());
    await new Promise((res) => setTimeout(res, 60));
    expect(wb.connected).toBe(false);
    expect((await readPaos(b.h, 1)).oper).toBe('down');
    const wa = await SocketWire.listen({ device: a.sim }, address);
    cleanups.push(async () => wa.close());
    await wb.whenConnected();
    await vi.waitFor(async () => expect((await readPaos(b.h, 1)).oper).toBe('up'));
    // The listener goes away and comes back: the connecting end redials.
    wa.close();
    await vi.waitFor(async () => expect((await readPaos(b.h, 1)).oper).toBe('down'));
    const again = await SocketWire.listen({ device: a.sim }, address);
    cleanups.push(async () => again.close());
    await vi.waitFor(async () => expect((await readPaos(a.h, 1)).oper).toBe('up'));
  });

  it('a far end that goes away takes the link down; frames sent then are dropped, not queued', async () => {
    const { a, b, ca, wa, wb } = await pair();
    wb.close();
    await vi.waitFor(async () => expect((await readPaos(a.h, 1)).oper).toBe('down'));
    expect((await readPaos(b.h, 1)).oper).toBe('down');
    expect(wa.connected).toBe(false);
    ca.send(frame(BCAST, 64));
    await flush();
    // A port that is down sends nothing: the frame never reaches the wire.
    expect(wa.stats().sent).toBe(0);
    // The listening end takes a new far end.
    const again = SocketWire.connect({ device: b.sim }, wa.address);
    cleanups.push(async () => again.close());
    await vi.waitFor(async () => expect((await readPaos(a.h, 1)).oper).toBe('up'));
  });

  it('refuses a port that already has a wire', async () => {
    const { a, wa } = await pair();
    await expect(
      SocketWire.listen({ device: a.sim }, { host: '127.0.0.1', port: 0 }),
    ).rejects.toMatchObject({ code: 'EBUSY' });
    expect(wa.connected).toBe(true);
  });
});

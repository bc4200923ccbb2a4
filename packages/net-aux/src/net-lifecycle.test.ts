import { queryNicVportContext, readPaos, readPmtu } from '@auxctl/core';
import { afterEach, describe, expect, it } from 'vitest';
import type { NetDevice } from './net-device.js';
import { ethFrame, flush, type NetRig, netRig } from './test-support/net-rig.js';

const rigs: NetRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

/** pump: send frames from `from` to `to` on every turn of the event loop until stopped. */
function pump(from: NetDevice, to: Buffer) {
  let on = true;
  let offered = 0;
  let errors = 0;
  const done = (async () => {
    while (on) {
      for (let i = 0; i < 4; i++) {
        try {
          from.xmit(ethFrame(to, from.mac, 100, offered & 0xff));
          offered++;
        } catch {
          errors++;
        }
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    get offered() {
      return offered;
    },
    get errors() {
      return errors;
    },
    async stop() {
      on = false;
      await done;
    },
  };
}

describe('suspend / resume across the core reload', () => {
  it('keeps name, MAC, MTU and open state, rebuilds the queues, and traffic resumes', async () => {
    const r = await netRig();
    rigs.push(r);
    const [a, b] = r.devs as [NetDevice, NetDevice];
    await a.setMtu(4000);
    await b.setMtu(4000);
    await b.setMac('02:00:00:00:be:ef');
    let received = 0;
    b.onFrame(() => received++);
    const before = [r.objects(0), r.objects(1)];
    const links: boolean[] = [];
    const whileParked: boolean[] = [];
    a.events.subscribe((e) => {
      if (e.type !== 'link') return;
      links.push(e.up);
      // Sending while the reload has the netdev parked: counted, never thrown.
      if (!e.up) whileParked.push(a.xmit(ethFrame(b.mac, a.mac, 64)));
    });
    const p = pump(a, b.mac);
    await flush(6);
    expect(received).toBeGreaterThan(0);
    // A burst whose doorbells are still pending when the reload starts.
    for (let i = 0; i < 32; i++) a.xmit(ethFrame(b.mac, a.mac, 200, i));
    await r.cores[0]!.reload();
    await r.cores[1]!.reload();
    const atReload = received;
    await flush(8);
    await p.stop();
    expect(p.errors).toBe(0);
    expect(received).toBeGreaterThan(atReload);
    // Parked while its own core reloaded, and again while the peer's port went away.
    expect(links[0]).toBe(false);
    expect(links.at(-1)).toBe(true);
    expect(whileParked).toEqual([false]);
    expect((await a.stats()).tx_carrier_dropped).toBe(1n);
    expect(r.registry.names()).toEqual([a.name, b.name]);
    expect(r.registry.require(b.name)).toBe(b);
    expect([a.isOpen, b.isOpen, a.linkUp, b.linkUp]).toEqual([true, true, true, true]);
    expect([a.mtu, b.mtu]).toEqual([4000, 4000]);
    expect((await readPmtu(r.handle(1), 1)).admin).toBe(4022);
    const ctx = await queryNicVportContext(r.handle(1));
    expect(ctx.mac.toString('hex')).toBe('02000000beef');
    expect(ctx.mtu).toBe(4022);
    expect([r.objects(0), r.objects(1)]).toEqual(before);
    // Frames of the new MTU still fit the rebuilt rings.
    const big = ethFrame(b.mac, a.mac, 4018, 0x77);
    const got: Buffer[] = [];
    b.onFrame((f) => got.push(f));
    expect(a.xmit(big)).toBe(true);
    await flush();
    expect(got.at(-1)?.equals(big)).toBe(true);
  });

  it('a stopped netdev stays stopped (port down) after a reload', async () => {
    const r = await netRig();
    rigs.push(r);
    const [a, b] = r.devs as [NetDevice, NetDevice];
    await b.stop();
    await r.cores[1]!.reload();
    await flush();
    expect(b.isOpen).toBe(false);
    expect(r.objects(1)).toEqual({});
    expect(await readPaos(r.handle(1), 1)).toEqual({ admin: 'down', oper: 'down' });
    expect(a.linkUp).toBe(false);
    await b.open();
    await flush();
    expect(a.linkUp).toBe(true);
  });

  it('statistics while parked are the software ones, and xmit only counts', async () => {
    const r = await netRig();
    rigs.push(r);
    const [a, b] = r.devs as [NetDevice, NetDevice];
    await a.suspend();
    expect(a.linkUp).toBe(false);
    expect(a.xmit(ethFrame(b.mac, a.mac, 64))).toBe(false);
    const s = await a.stats();
    expect(s.tx_carrier_dropped).toBe(1n);
    expect(s.tx_packets_phy).toBeUndefined();
    expect(r.objects(0)).toEqual({});
    await a.resume();
    await flush();
    expect(a.linkUp).toBe(true);
  });
});

describe('device removal', () => {
  it('mid-traffic: 0 firmware objects and no mapping of the netdev left; later calls ENODEV', async () => {
    const r = await netRig();
    rigs.push(r);
    const [a, b] = r.devs as [NetDevice, NetDevice];
    await b.stop();
    const baseline = r.sims[1]!.dma.mappings;
    await b.open();
    await flush();
    const frames = b.frames();
    const next = frames.next();
    const ab = pump(a, b.mac);
    const ba = pump(b, a.mac);
    await flush(4);
    expect((await next).done).toBe(false);
    const adev = r.cores[1]!.auxDevices().find((d) => d.devName.includes('.eth.'))!;
    await r.bus.unbind(adev.devName);
    await flush(4);
    await ab.stop();
    await ba.stop();
    expect(r.objects(1)).toEqual({});
    expect(r.sims[1]!.dma.mappings).toBe(baseline);
    expect(ab.errors).toBe(0);
    expect(ba.errors).toBeGreaterThan(0);
    expect(r.registry.names()).toEqual([a.name]);
    expect(b.active).toBe(false);
    expect(() => b.xmit(ethFrame(a.mac, b.mac, 64))).toThrow(
      expect.objectContaining({ code: 'ENODEV' }),
    );
    await expect(b.stats()).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(b.open()).rejects.toMatchObject({ code: 'ENODEV' });
    for (;;) if ((await frames.next()).done) break;
    expect(a.linkUp).toBe(false);
    // Binding again gives a fresh netdev of the same name that carries traffic.
    await r.bus.bind(adev.devName, 'mlx5e');
    const b2 = r.registry.require(b.name);
    expect(b2).not.toBe(b);
    await b2.open();
    await flush();
    let got = 0;
    b2.onFrame(() => got++);
    a.xmit(ethFrame(b2.mac, a.mac, 64));
    await flush();
    expect(got).toBe(1);
  });

  it('closing the core with open netdevs mid-traffic releases everything', async () => {
    const r = await netRig();
    const [a, b] = r.devs as [NetDevice, NetDevice];
    const p = pump(a, b.mac);
    await flush(3);
    await r.cores[1]!.close();
    expect(r.sims[1]!.engine.objectCounts()).toEqual({});
    expect(r.registry.names()).toEqual([a.name]);
    await flush(3);
    await p.stop();
    expect(p.errors).toBe(0);
    await r.close();
  });
});

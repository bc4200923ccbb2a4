import { readPmtu, readPortCounters } from '@auxctl/core';
import { PpcntGroup } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import type { NetEvent } from './net-device.js';
import { BCAST, ethFrame, flush, type NetRig, netRig } from './test-support/net-rig.js';

const rigs: NetRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

async function pair(o: Parameters<typeof netRig>[0] = {}): Promise<NetRig> {
  const r = await netRig(o);
  rigs.push(r);
  return r;
}

describe('NetDevice: frames between two netdevs over a wire', () => {
  it('registers eth<id> per device with distinct identity-derived MACs, stopped until opened', async () => {
    const r = await pair({ open: false });
    const [a, b] = r.devs as [NonNullable<(typeof r.devs)[0]>, NonNullable<(typeof r.devs)[0]>];
    expect(r.registry.names()).toEqual([`eth${r.cores[0]!.id}`, `eth${r.cores[1]!.id}`]);
    expect(a.isOpen).toBe(false);
    expect(a.linkUp).toBe(false);
    expect(a.mac[0]! & 0x03).toBe(0x02);
    expect(a.mac.equals(b.mac)).toBe(false);
    expect(a.mtu).toBe(1500);
    expect(a.maxMtu).toBe(9216 - 22);
    expect(r.registry.list()[0]).toMatchObject({
      name: a.name,
      up: false,
      linkUp: false,
      mtu: 1500,
    });
    expect(r.objects(0)).toEqual({});
    await a.open();
    await b.open();
    await flush();
    expect([a.linkUp, b.linkUp]).toEqual([true, true]);
  });

  it('ping-pong: a frame to the peer MAC comes back byte-exact through onFrame and frames()', async () => {
    const r = await pair();
    const [a, b] = r.devs as [NonNullable<(typeof r.devs)[0]>, NonNullable<(typeof r.devs)[0]>];
    b.onFrame((f) => {
      const reply = Buffer.from(f);
      f.copy(reply, 0, 6, 12);
      b.mac.copy(reply, 6);
      expect(b.xmit(reply)).toBe(true);
    });
    const it = a.frames();
    const sent: Buffer[] = [];
    for (let i = 0; i < 20; i++) {
      const f = ethFrame(b.mac, a.mac, 60 + i * 70, i);
      f.writeUInt32BE(0xc0ffee00 + i, 20);
      sent.push(f);
      expect(a.xmit(f)).toBe(true);
    }
    for (const f of sent) {
      const got = await it.next();
      expect(got.done).toBe(false);
      const back = got.value as Buffer;
      expect(back.subarray(0, 6).equals(a.mac)).toBe(true);
      expect(back.subarray(6, 12).equals(b.mac)).toBe(true);
      expect(back.subarray(12).equals(f.subarray(12))).toBe(true);
    }
    await it.return?.();
    const sa = await a.stats();
    const sb = await b.stats();
    expect([sa.tx_packets, sa.rx_packets, sb.rx_packets, sb.tx_packets]).toEqual([
      20n,
      20n,
      20n,
      20n,
    ]);
    const bytes = BigInt(sent.reduce((n, f) => n + f.length, 0));
    expect([sa.tx_bytes, sb.rx_bytes]).toEqual([bytes, bytes]);
    expect(sb.rx_vport_unicast_packets).toBe(20n);
    expect(sa.tx_packets_phy).toBe(20n);
  });

  it('drops frames for another unicast MAC at the vport (rx_discards_phy), takes broadcast', async () => {
    const r = await pair();
    const [a, b] = r.devs as [NonNullable<(typeof r.devs)[0]>, NonNullable<(typeof r.devs)[0]>];
    const got: Buffer[] = [];
    b.onFrame((f) => got.push(f));
    a.xmit(ethFrame(Buffer.from('020000000099', 'hex'), a.mac, 64));
    a.xmit(ethFrame(BCAST, a.mac, 64));
    await flush();
    expect(got).toHaveLength(1);
    const sb = await b.stats();
    expect(sb.rx_discards_phy).toBe(1n);
    expect(sb.rx_broadcast_phy).toBe(1n);
    expect(sb.rx_vport_broadcast_packets).toBe(1n);
  });

  it('setMac: validated, programmed, and frames to the new address arrive', async () => {
    const r = await pair();
    const [a, b] = r.devs as [NonNullable<(typeof r.devs)[0]>, NonNullable<(typeof r.devs)[0]>];
    await expect(b.setMac('01:00:5e:00:00:01')).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(b.setMac(Buffer.alloc(6))).rejects.toMatchObject({ code: 'EINVAL' });
    await b.setMac('02:aa:bb:cc:dd:ee');
    expect(b.info().mac).toBe('02:aa:bb:cc:dd:ee');
    const got: Buffer[] = [];
    b.onFrame((f) => got.push(f));
    a.xmit(ethFrame(Buffer.from('02aabbccddee', 'hex'), a.mac, 80));
    await flush();
    expect(got).toHaveLength(1);
  });
});

describe('NetDevice: MTU', () => {
  it('refuses MTUs outside 68..max with EINVAL and changes nothing', async () => {
    const r = await pair();
    const a = r.devs[0]!;
    const events: NetEvent[] = [];
    a.events.subscribe((e) => events.push(e));
    for (const bad of [67, 0, -1, a.maxMtu + 1, 1500.5, Number.NaN]) {
      await expect(a.setMtu(bad)).rejects.toMatchObject({ code: 'EINVAL' });
    }
    expect(a.mtu).toBe(1500);
    expect((await readPmtu(r.handle(0), 1)).admin).toBe(1522);
    expect(events).toEqual([]);
    await a.setMtu(68);
    await a.setMtu(a.maxMtu);
    expect(a.mtu).toBe(9194);
    expect(events).toEqual([
      { type: 'mtu', device: a.name, mtu: 68 },
      { type: 'mtu', device: a.name, mtu: 9194 },
    ]);
  });

  it('jumbo frames pass once both ends raise the MTU; an oversize frame is EINVAL at xmit', async () => {
    const r = await pair();
    const [a, b] = r.devs as [NonNullable<(typeof r.devs)[0]>, NonNullable<(typeof r.devs)[0]>];
    const jumbo = ethFrame(b.mac, a.mac, 9000 + 18, 0x5a);
    expect(() => a.xmit(jumbo)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => a.xmit(Buffer.alloc(13))).toThrow(/14 to 1518 bytes/);
    await a.setMtu(9000);
    const got: Buffer[] = [];
    b.onFrame((f) => got.push(f));
    expect(a.xmit(jumbo)).toBe(true);
    await flush();
    expect(got).toHaveLength(0);
    expect((await b.stats()).rx_oversize_pkts_phy).toBe(1n);
    await b.setMtu(9000);
    expect((await readPmtu(r.handle(1), 1)).admin).toBe(9022);
    expect(a.xmit(jumbo)).toBe(true);
    await flush();
    expect(got).toHaveLength(1);
    expect(got[0]!.equals(jumbo)).toBe(true);
    const s = await a.stats();
    expect(s.tx_dropped).toBe(0n);
  });
});

describe('NetDevice: link state', () => {
  it('follows the wire: link events at both ends, drops while down, traffic again after', async () => {
    const r = await pair();
    const [a, b] = r.devs as [NonNullable<(typeof r.devs)[0]>, NonNullable<(typeof r.devs)[0]>];
    const ea: NetEvent[] = [];
    const eb: NetEvent[] = [];
    a.events.subscribe((e) => ea.push(e));
    b.events.subscribe((e) => eb.push(e));
    const got: Buffer[] = [];
    b.onFrame((f) => got.push(f));
    r.wire!.disconnect();
    await flush();
    expect(ea).toEqual([{ type: 'link', device: a.name, up: false }]);
    expect(eb).toEqual([{ type: 'link', device: b.name, up: false }]);
    expect(a.linkUp).toBe(false);
    expect(a.xmit(ethFrame(b.mac, a.mac, 64))).toBe(false);
    expect(a.xmit(ethFrame(b.mac, a.mac, 64))).toBe(false);
    expect((await a.stats()).tx_carrier_dropped).toBe(2n);
    r.wire!.connect();
    await flush();
    expect(ea.at(-1)).toEqual({ type: 'link', device: a.name, up: true });
    expect(eb.at(-1)).toEqual({ type: 'link', device: b.name, up: true });
    expect(a.xmit(ethFrame(b.mac, a.mac, 64))).toBe(true);
    await flush();
    expect(got).toHaveLength(1);
  });

  it('stop() takes the port down (the peer loses carrier); open() brings it back', async () => {
    const r = await pair();
    const [a, b] = r.devs as [NonNullable<(typeof r.devs)[0]>, NonNullable<(typeof r.devs)[0]>];
    const ea: NetEvent[] = [];
    a.events.subscribe((e) => ea.push(e));
    await b.stop();
    await flush();
    expect(b.isOpen).toBe(false);
    expect(r.objects(1)).toEqual({});
    expect(ea).toEqual([{ type: 'link', device: a.name, up: false }]);
    await b.open();
    await flush();
    expect([a.linkUp, b.linkUp]).toEqual([true, true]);
    const port = await readPortCounters(r.handle(0), 1, PpcntGroup.IEEE_802_3);
    expect(port.get('a_frames_transmitted_ok')).toBe(0n);
  });
});

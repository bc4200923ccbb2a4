import { afterEach, describe, expect, it } from 'vitest';
import type { NetDevice } from './net-device.js';
import { createNetDriver } from './net-driver.js';
import { NetRegistry } from './net-registry.js';
import { ethFrame, flush, type NetRig, netRig } from './test-support/net-rig.js';

const rigs: NetRig[] = [];
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close();
});

describe('createNetDriver', () => {
  it('refuses ring sizes outside 1..15 with EINVAL', () => {
    for (const bad of [0, 16, 2.5, -1]) {
      expect(() => createNetDriver({ logSqSize: bad })).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
      expect(() => createNetDriver({ logRqSize: bad })).toThrow(/logRqSize/);
    }
    const d = createNetDriver();
    expect(d.idTable).toEqual([{ name: 'mlx5_core.eth' }]);
    expect(d.registry).toBeInstanceOf(NetRegistry);
    expect(typeof d.suspend).toBe('function');
    expect(typeof d.resume).toBe('function');
  });

  it('names interfaces with the naming option; a bad or taken name leaves the device unbound', async () => {
    const r = await netRig({ driver: { naming: (h) => `lan${h.coreId}` }, open: false });
    rigs.push(r);
    expect(r.registry.names()).toEqual([`lan${r.cores[0]!.id}`, `lan${r.cores[1]!.id}`]);
    const bad = await netRig({ n: 1, driver: { naming: () => 'a/b' }, open: false });
    rigs.push(bad);
    expect(bad.registry.names()).toEqual([]);
    expect(bad.objects(0)).toEqual({});
    const same = await netRig({ driver: { naming: () => 'wan' }, open: false });
    rigs.push(same);
    expect(same.registry.names()).toEqual(['wan']);
  });
});

describe('receive subscribers and recovery', () => {
  it('a subscriber that throws does not keep the frame from the others', async () => {
    const r = await netRig();
    rigs.push(r);
    const [a, b] = r.devs as [NetDevice, NetDevice];
    const got: number[] = [];
    b.onFrame(() => {
      throw new Error('bad subscriber');
    });
    const off = b.onFrame((f) => got.push(f.length));
    a.xmit(ethFrame(b.mac, a.mac, 90));
    await flush();
    off();
    a.xmit(ethFrame(b.mac, a.mac, 91));
    await flush();
    expect(got).toEqual([90]);
    expect((await b.stats()).rx_packets).toBe(2n);
  });

  it('a fatal error and recovery: the netdev parks, comes back open, and carries traffic', async () => {
    const r = await netRig();
    rigs.push(r);
    const [a, b] = r.devs as [NetDevice, NetDevice];
    const before = r.objects(0);
    r.sims[0]!.faults.fatal();
    expect(a.xmit(ethFrame(b.mac, a.mac, 64))).toBe(true);
    await r.cores[0]!.recover();
    await flush();
    expect([a.isOpen, a.linkUp, b.linkUp]).toEqual([true, true, true]);
    expect(r.objects(0)).toEqual(before);
    let got = 0;
    b.onFrame(() => got++);
    expect(a.xmit(ethFrame(b.mac, a.mac, 64))).toBe(true);
    await flush();
    expect(got).toBe(1);
  });
});

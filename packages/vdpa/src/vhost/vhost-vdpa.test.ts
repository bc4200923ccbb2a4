import {
  Avail,
  featureBit,
  readDesc,
  Used,
  VIRTIO_ID_NET,
  VIRTIO_NET_HDR_BYTES,
  VirtioF,
  VirtioStatus,
  VringDescF,
  writeDesc,
} from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { VdpaBus } from '../bus/vdpa-bus.js';
import { registerSimNetMgmtDev } from '../test-support/sim-net-mgmtdev.js';
import { userRing } from '../test-support/user-ring.js';
import { createVirtioNetDriver, VirtioNetRegistry } from '../virtio-net/virtio-net-driver.js';
import { createVhostVdpaDriver, VhostVdpaRegistry } from './vhost-vdpa-driver.js';

const S = VirtioStatus;
const FEATURES = featureBit(VirtioF.VERSION_1) | featureBit(VirtioF.ACCESS_PLATFORM);

async function rig(device: { suspendable?: boolean } = {}) {
  const bus = new VdpaBus();
  const nets = new VirtioNetRegistry();
  const vhosts = new VhostVdpaRegistry();
  const sim = registerSimNetMgmtDev(bus, { device });
  // virtio_vdpa registers first: without an override it would take every device.
  await bus.registerDriver(createVirtioNetDriver({ registry: nets }));
  await bus.registerDriver(createVhostVdpaDriver({ registry: vhosts }));
  const vdev = await bus.mgmt.devAdd({ name: 'v0', mgmtdev: 'vdpasim_net' });
  await bus.unbind('v0');
  bus.setDriverOverride('v0', 'vhost_vdpa');
  await bus.bind('v0', 'vhost_vdpa');
  return { bus, nets, vhosts, sim, vdev, dev: sim.devices.get('v0')! };
}

describe('vhost-vdpa user access', () => {
  it('binds by driver override and opens exclusively (second open EBUSY)', async () => {
    const { vhosts, nets, vdev } = await rig();
    expect(vdev.driverName).toBe('vhost_vdpa');
    expect(nets.names()).toEqual([]);
    expect(vhosts.names()).toEqual(['vhost-vdpa-0']);
    const h = vhosts.open('vhost-vdpa-0');
    expect(() => vhosts.open('vhost-vdpa-0')).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    await h.close();
    await vhosts.open('vhost-vdpa-0').close();
    expect(() => vhosts.open('vhost-vdpa-9')).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });

  it('drives the status sequence and both rings by hand, and release resets and unmaps', async () => {
    const { vhosts, dev } = await rig();
    const baseline = dev.dma.mappings;
    const h = vhosts.open('vhost-vdpa-0');
    expect(h.getDeviceId()).toBe(VIRTIO_ID_NET);
    expect(h.getConfig(0, 6).toString('hex')).toBe('020000000001');
    await h.setStatus(S.ACKNOWLEDGE);
    await h.setStatus(S.ACKNOWLEDGE | S.DRIVER);
    h.setFeatures(FEATURES);
    await h.setStatus(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK);
    expect(h.getStatus() & S.FEATURES_OK).toBe(S.FEATURES_OK);
    expect(() => h.setFeatures(FEATURES)).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    const rx = userRing(h, 0, 4);
    const tx = userRing(h, 1, 4);
    const calls: number[] = [];
    h.setVringCall(0, () => calls.push(0));
    h.setVringCall(1, () => calls.push(1));
    await h.setVringEnable(0, true);
    await h.setVringEnable(1, true);
    await h.setStatus(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK);

    // One writable RX buffer, one readable TX packet (header + frame).
    const rxBuf = Buffer.alloc(128);
    writeDesc(rx.desc, 0, { addr: h.dmaMap(rxBuf), len: 128, flags: VringDescF.WRITE, next: 0 });
    Avail.setEntry(rx.avail, 0, 0);
    Avail.setIdx(rx.avail, 1);
    const frameBytes = Buffer.alloc(60, 0xab);
    const txBuf = Buffer.concat([Buffer.alloc(VIRTIO_NET_HDR_BYTES), frameBytes]);
    writeDesc(tx.desc, 2, { addr: h.dmaMap(txBuf), len: txBuf.length, flags: 0, next: 0 });
    Avail.setEntry(tx.avail, 0, 2);
    Avail.setIdx(tx.avail, 1);
    h.kick(1);

    expect(calls).toEqual([0, 1]);
    expect([Used.idx(tx.used), Used.id(tx.used, 0)]).toEqual([1, 2]);
    expect([Used.idx(rx.used), Used.len(rx.used, 0)]).toEqual([1, 72]);
    expect(rxBuf.subarray(VIRTIO_NET_HDR_BYTES, 72)).toEqual(frameBytes);
    expect(await h.getVringBase(1)).toBe(1);
    expect(await h.vqStats(1)).toEqual({ received_desc: 1n, completed_desc: 1n });
    expect(readDesc(tx.desc, 2).len).toBe(72);
    expect(h.mappings).toBe(8);

    await h.close();
    expect(dev.ops.getStatus()).toBe(0);
    expect(dev.dma.mappings).toBe(baseline);
    expect(() => h.getStatus()).toThrow(expect.objectContaining({ code: 'ENODEV' }));
  });

  it('suspends and resumes keeping vring bases; set base is refused while running', async () => {
    const { vhosts } = await rig();
    const h = vhosts.open('vhost-vdpa-0');
    h.setFeatures(FEATURES);
    await h.setStatus(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK);
    const tx = userRing(h, 1, 4);
    // The user's avail index starts where the base says (a restored ring).
    Avail.setIdx(tx.avail, 0xfffe);
    h.setVringBase(1, 0xfffe);
    await h.setVringEnable(1, true);
    await h.setStatus(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK);
    expect(() => h.setVringBase(1, 5)).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    await h.suspend();
    // Two packets made available while suspended cross the 16-bit wrap on resume.
    const pkt = h.dmaMap(Buffer.alloc(VIRTIO_NET_HDR_BYTES + 60));
    for (const [slot, d] of [
      [2, 0],
      [3, 1],
    ] as const) {
      writeDesc(tx.desc, d, { addr: pkt, len: VIRTIO_NET_HDR_BYTES + 60, flags: 0, next: 0 });
      Avail.setEntry(tx.avail, slot, d);
    }
    Avail.setIdx(tx.avail, 0);
    h.kick(1);
    expect(await h.getVringBase(1)).toBe(0xfffe);
    h.setVringBase(1, 0xfffe);
    await h.resume();
    expect(await h.getVringBase(1)).toBe(0);
    expect(Used.idx(tx.used)).toBe(0);
    expect([Used.id(tx.used, 2), Used.id(tx.used, 3)]).toEqual([0, 1]);
    expect(h.getStatus() & S.NEEDS_RESET).toBe(0);
    await h.close();
  });

  it('refuses bad requests with EINVAL, EOPNOTSUPP and ENOENT', async () => {
    const { vhosts } = await rig({ suspendable: false });
    const h = vhosts.open('vhost-vdpa-0');
    await expect(h.suspend()).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
    await expect(h.resume()).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
    const bad: [() => unknown, string][] = [
      [() => h.setFeatures(1n << 50n), 'EINVAL'],
      [() => h.getConfig(10, 4), 'EINVAL'],
      [() => h.getConfig(-1, 1), 'EINVAL'],
      [() => h.setVringNum(3, 4), 'EINVAL'],
      [() => h.setVringNum(0, 3), 'EINVAL'],
      [() => h.setVringNum(0, 512), 'EINVAL'],
      [() => h.kick(-1), 'EINVAL'],
      [() => h.setVringBase(0, 0x10000), 'EINVAL'],
      [() => h.setStatus(0x100), 'EINVAL'],
      [() => h.dmaUnmap(0x1000n), 'ENOENT'],
    ];
    for (const [fn, errno] of bad) {
      await expect((async () => fn())()).rejects.toMatchObject({ code: errno });
    }
    await h.setStatus(S.ACKNOWLEDGE | S.DRIVER);
    await expect(h.setStatus(S.ACKNOWLEDGE)).rejects.toMatchObject({ code: 'EINVAL' });
    await h.setStatus(0);
    expect(h.getStatus()).toBe(0);
  });

  it('revokes an open handle when the device is unbound or deleted', async () => {
    const { bus, vhosts } = await rig();
    const h = vhosts.open('vhost-vdpa-0');
    await bus.mgmt.devDel('v0');
    expect(() => h.getFeatures()).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    expect(vhosts.names()).toEqual([]);
  });
});

import { featureBit, VirtioF, VirtioNetF, VirtioStatus } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { VdpaBus } from '../bus/vdpa-bus.js';
import type { VdpaEvent } from '../bus/vdpa-events.js';
import { registerSimNetMgmtDev } from '../test-support/sim-net-mgmtdev.js';
import { SIM_NET_FEATURES } from '../test-support/vdpa-sim-net.js';
import type { VirtioNetEvent } from './virtio-net-device.js';
import { createVirtioNetDriver, VirtioNetRegistry } from './virtio-net-driver.js';

const S = VirtioStatus;

async function rig(devAdd: object = {}, simOpts: Parameters<typeof registerSimNetMgmtDev>[1] = {}) {
  const bus = new VdpaBus();
  const registry = new VirtioNetRegistry();
  const sim = registerSimNetMgmtDev(bus, simOpts);
  await bus.registerDriver(createVirtioNetDriver({ registry, queueSize: 8 }));
  const events: VdpaEvent[] = [];
  bus.events.subscribe((e) => events.push(e));
  const vdev = await bus.mgmt.devAdd({ name: 'vn0', mgmtdev: 'vdpasim_net', ...devAdd });
  return { bus, registry, sim, vdev, events, dev: sim.devices.get('vn0')! };
}

function frame(n: number, len = 60): Buffer {
  const f = Buffer.alloc(len, n & 0xff);
  f.writeUInt32BE(n, 12);
  return f;
}

describe('virtio-net on vdpa: the status sequence', () => {
  it('resets, acknowledges, negotiates with VERSION_1 and ACCESS_PLATFORM, then DRIVER_OK', async () => {
    const { registry, events, vdev } = await rig({ mac: '00:11:22:33:44:55', mtu: 9000 });
    const statuses = events.flatMap((e) => (e.type === 'status' ? [e.status] : []));
    expect(statuses).toEqual([
      0,
      S.ACKNOWLEDGE,
      S.ACKNOWLEDGE | S.DRIVER,
      S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK,
      S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK,
    ]);
    const net = registry.require('vn0');
    expect(net.features).toBe(SIM_NET_FEATURES);
    expect(vdev.config.getDriverFeatures()).toBe(SIM_NET_FEATURES);
    expect([net.mtu, net.mac.toString('hex')]).toEqual([9000, '001122334455']);
    expect(vdev.driverName).toBe('virtio_vdpa');
  });

  it('marks FAILED and stays unbound when the device refuses FEATURES_OK', async () => {
    // The software device insists on ACCESS_PLATFORM at FEATURES_OK; provision one
    // that does not offer it, so the driver cannot accept it and the device refuses.
    const noPlatform = SIM_NET_FEATURES & ~featureBit(VirtioF.ACCESS_PLATFORM);
    const { registry, events, vdev } = await rig({}, { device: { features: noPlatform } });
    const statuses = events.flatMap((e) => (e.type === 'status' ? [e.status] : []));
    // The FEATURES_OK write reads back without it; the driver marks FAILED and lets go (reset).
    expect(statuses).toEqual([
      0,
      S.ACKNOWLEDGE,
      S.ACKNOWLEDGE | S.DRIVER,
      S.ACKNOWLEDGE | S.DRIVER,
      S.ACKNOWLEDGE | S.DRIVER | S.FAILED,
      0,
    ]);
    expect(vdev.driverName).toBeUndefined();
    expect(registry.names()).toEqual([]);
  });

  it('reports NEEDS_RESET, refuses sends, and recovers by re-initialising', async () => {
    const { registry, events, dev, vdev } = await rig();
    const net = registry.require('vn0');
    const netEvents: VirtioNetEvent[] = [];
    net.events.subscribe((e) => netEvents.push(e));
    dev.injectNeedsReset();
    expect(net.needsReset).toBe(true);
    expect(events).toContainEqual({ type: 'needs-reset', device: 'vn0' });
    expect(() => net.send(frame(1))).toThrow(expect.objectContaining({ code: 'EIO' }));
    await net.recover();
    expect(vdev.getStatus()).toBe(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK);
    expect(netEvents.map((e) => e.type)).toEqual(['needs-reset', 'recovered']);
    const got: Buffer[] = [];
    net.onFrame((f) => got.push(f));
    expect(net.send(frame(2))).toBe(true);
    expect(got).toEqual([frame(2)]);
  });

  it('releases every ring and buffer mapping and resets the device when unbound', async () => {
    const { bus, dev, vdev } = await rig();
    expect(dev.dma.mappings).toBeGreaterThan(0);
    await bus.unbind('vn0');
    expect(dev.dma.mappings).toBe(0);
    expect(vdev.getStatus()).toBe(0);
  });
});

describe('virtio-net on vdpa: frames', () => {
  it.each([
    ['with', SIM_NET_FEATURES],
    ['without', SIM_NET_FEATURES & ~featureBit(VirtioF.RING_EVENT_IDX)],
  ])('sends frames and receives them back through RX buffers (%s event idx)', async (_w, f) => {
    const { registry, dev } = await rig({ device_features: f.toString() });
    const net = registry.require('vn0');
    const got: Buffer[] = [];
    net.onFrame((f) => got.push(f));
    // More frames than ring entries: TX reclaim and RX re-posting must both work.
    for (let i = 0; i < 40; i++) expect(net.send(frame(i, 60 + i))).toBe(true);
    expect(got).toEqual(Array.from({ length: 40 }, (_, i) => frame(i, 60 + i)));
    expect(net.stats).toMatchObject({ txPackets: 40, rxPackets: 40, txBusy: 0 });
    expect(dev.counters).toMatchObject({ txPackets: 40, rxPackets: 40, rxDropped: 0 });
  });

  it('carries frames both ways between two connected devices', async () => {
    const bus = new VdpaBus();
    const registry = new VirtioNetRegistry();
    const sim = registerSimNetMgmtDev(bus);
    await bus.registerDriver(createVirtioNetDriver({ registry, queueSize: 8 }));
    await bus.mgmt.devAdd({ name: 'a', mgmtdev: 'vdpasim_net' });
    await bus.mgmt.devAdd({ name: 'b', mgmtdev: 'vdpasim_net' });
    sim.devices.get('a')!.connect(sim.devices.get('b')!);
    const [a, b] = [registry.require('a'), registry.require('b')];
    const atA: Buffer[] = [];
    const atB: Buffer[] = [];
    a.onFrame((f) => atA.push(f));
    b.onFrame((f) => {
      atB.push(f);
      b.send(f); // echo
    });
    a.send(frame(7));
    expect(atB).toEqual([frame(7)]);
    expect(atA).toEqual([frame(7)]);
  });

  it('refuses runt and oversize frames with EINVAL', async () => {
    const { registry } = await rig({ mtu: 1500 });
    const net = registry.require('vn0');
    expect(() => net.send(Buffer.alloc(13))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => net.send(Buffer.alloc(1515))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => net.send(frame(1), 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('keeps ring indexes across suspend and resume: queued frames arrive after resume', async () => {
    const { registry, dev, vdev } = await rig();
    const net = registry.require('vn0');
    const got: Buffer[] = [];
    net.onFrame((f) => got.push(f));
    for (let i = 0; i < 3; i++) net.send(frame(i));
    const before = (await vdev.config.getVqState(1)).availIndex;
    await vdev.config.suspend?.();
    net.send(frame(3));
    net.send(frame(4));
    expect(got).toHaveLength(3);
    expect((await vdev.config.getVqState(1)).availIndex).toBe(before);
    await vdev.config.resume?.();
    expect(got).toEqual([0, 1, 2, 3, 4].map((i) => frame(i)));
    expect((await vdev.config.getVqState(1)).availIndex).toBe(before + 2);
    expect(dev.counters.rxDropped).toBe(0);
  });

  it('counts txBusy when every TX buffer is in flight', async () => {
    const { registry, vdev } = await rig();
    const net = registry.require('vn0');
    await vdev.config.suspend?.();
    const sent = Array.from({ length: 9 }, (_, i) => net.send(frame(i)));
    expect(sent).toEqual([...Array(8).fill(true), false]);
    expect(net.stats.txBusy).toBe(1);
  });
});

describe('virtio-net on vdpa: control queue', () => {
  it('sets the MAC and the number of queue pairs through the control queue', async () => {
    const { registry, dev, bus } = await rig({ max_vqp: 4 });
    const net = registry.require('vn0');
    expect(net.maxVqPairs).toBe(4);
    await net.setMac(Buffer.from('020000000042', 'hex'));
    expect(dev.mac.toString('hex')).toBe('020000000042');
    await net.setQueuePairs(3);
    expect(dev.curVqPairs).toBe(3);
    await expect(net.setQueuePairs(5)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(bus.mgmt.devConfig('vn0')).toMatchObject({ mac: '02:00:00:00:00:42', maxVqPairs: 4 });
    const got: number[] = [];
    net.onFrame((_f, pair) => got.push(pair));
    net.send(frame(1), 2);
    expect(got).toEqual([2]);
  });

  it('refuses control commands whose feature was not negotiated (EOPNOTSUPP)', async () => {
    const noCtrl = SIM_NET_FEATURES & ~featureBit(VirtioNetF.CTRL_VQ);
    const { registry } = await rig({ device_features: noCtrl.toString() });
    const net = registry.require('vn0');
    expect(net.features & featureBit(VirtioNetF.MQ)).toBe(0n);
    await expect(net.setMac(Buffer.alloc(6, 2))).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
    await expect(net.setQueuePairs(1)).rejects.toMatchObject({ code: 'EOPNOTSUPP' });
  });

  it('reports a device refusal of a control command as EINVAL', async () => {
    const { registry, dev } = await rig({ max_vqp: 2 });
    const net = registry.require('vn0');
    // The device accepts at most its max pairs; ask it directly for more via the raw command.
    Object.defineProperty(net, 'maxVqPairs', { value: 8 });
    await expect(net.setQueuePairs(8)).rejects.toMatchObject({ code: 'EINVAL' });
    expect(dev.curVqPairs).toBe(1);
  });
});

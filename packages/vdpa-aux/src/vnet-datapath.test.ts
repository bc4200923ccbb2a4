import { silentLogger } from '@auxctl/core';
import { CtlRegistry, createCtlDriver, resourceDumpObjects } from '@auxctl/ctl-aux';
import {
  featureBit,
  RSC_DUMP_ALL,
  VirtioStatus as S,
  SegmentType,
  VirtioF,
  VirtioNetF,
  VirtqState,
} from '@auxctl/prm';
import type { VdpaEvent } from '@auxctl/vdpa';
import { afterEach, describe, expect, it } from 'vitest';
import { ethFrame, flush, type VnetRig, vnetRig } from './test-support/vnet-rig.js';

// A virtio-net interface on an SF's vdpa device and the PF's netdev talk
// through the embedded switch: the SF's data queues are firmware
// virtqueues, its control queue is served by mlx5_vdpa in software.

let rig: VnetRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const VIRTIO_MAC = Buffer.from('02aabbccdd01', 'hex');

async function upDevice(r: VnetRig, extra: Record<string, unknown> = {}) {
  const sf = await r.sf(3);
  await r.vdpa.mgmt.devAdd({ name: 'vdpa0', mgmtdev: sf.mgmtdev, mac: VIRTIO_MAC, ...extra });
  await flush();
  return { sf, net: r.nets.require('vdpa0'), vdev: r.vdpa.find('vdpa0')! };
}

describe('mlx5_vdpa: the status sequence', () => {
  it('comes up through virtio_vdpa: features negotiated, firmware queues RDY, status DRIVER_OK', async () => {
    rig = await vnetRig();
    const statuses: number[] = [];
    rig.vdpa.events.subscribe((e: VdpaEvent) => {
      if (e.type === 'status') statuses.push(e.status);
    });
    const { sf, net, vdev } = await upDevice(rig);
    expect(statuses).toEqual([
      0,
      S.ACKNOWLEDGE,
      S.ACKNOWLEDGE | S.DRIVER,
      S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK,
      S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK,
    ]);
    for (const bit of [VirtioF.VERSION_1, VirtioF.ACCESS_PLATFORM]) {
      expect(net.features & featureBit(bit)).not.toBe(0n);
    }
    expect(net.features & featureBit(VirtioNetF.CTRL_VQ)).not.toBe(0n);
    expect(net.mac.equals(VIRTIO_MAC)).toBe(true);
    expect(vdev.config.getVendorId()).toBe(0x15b3);
    // RX 0 and TX 1 are firmware queues; the control queue (2) is not.
    expect(sf.objects().VIRTIO_NET_Q).toBe(2);
    expect(await vdev.config.getVqState(0)).toEqual({ availIndex: 0 });
  });

  it('refuses driver features without ACCESS_PLATFORM or with MQ but no CTRL_VQ, ignores clearing DRIVER_OK, and reset frees the queues', async () => {
    rig = await vnetRig();
    const { sf, vdev } = await upDevice(rig);
    const ops = vdev.config;
    const ok = featureBit(VirtioF.VERSION_1) | featureBit(VirtioF.ACCESS_PLATFORM);
    expect(() => ops.setDriverFeatures(featureBit(VirtioF.VERSION_1))).toThrow(
      expect.objectContaining({ code: 'EOPNOTSUPP' }),
    );
    expect(() => ops.setDriverFeatures(ok | featureBit(VirtioNetF.MQ))).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    const running = vdev.getStatus();
    await vdev.setStatus(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK);
    expect(vdev.getStatus()).toBe(running);
    expect(sf.objects().VIRTIO_NET_Q).toBe(2);
    const gen = ops.getGeneration?.();
    await vdev.reset();
    expect(vdev.getStatus()).toBe(0);
    expect(ops.getGeneration?.()).toBe((gen ?? 0) + 1);
    expect(sf.objects().VIRTIO_NET_Q ?? 0).toBe(0);
    expect(ops.getDriverFeatures()).toBe(0n);
  });
});

describe('mlx5_vdpa: frames through the embedded switch', () => {
  for (const size of [64, 1500]) {
    it(`carries ${size}-byte frames from the SF's virtio-net to the PF's netdev and back, past ring wrap`, async () => {
      rig = await vnetRig();
      const { net } = await upDevice(rig);
      const pf = rig.pfNet;
      const atPf: Buffer[] = [];
      const atVirtio: Buffer[] = [];
      pf.onFrame((f) => atPf.push(Buffer.from(f)));
      net.onFrame((f) => atVirtio.push(Buffer.from(f)));
      const n = 150; // more than two rings of 64
      for (let i = 0; i < n; i++) {
        while (!net.send(ethFrame(pf.mac, net.mac, size, i & 0xff))) await flush(2);
        if (i % 16 === 15) await flush(2);
      }
      await flush();
      expect(atPf.map((f) => f[20])).toEqual(Array.from({ length: n }, (_, i) => i & 0xff));
      expect(atPf.every((f) => f.length === size)).toBe(true);
      for (let i = 0; i < n; i++) {
        while (!pf.xmit(ethFrame(net.mac, pf.mac, size, i & 0xff))) await flush(2);
        if (i % 16 === 15) await flush(2);
      }
      await flush();
      expect(atVirtio.map((f) => f[20])).toEqual(Array.from({ length: n }, (_, i) => i & 0xff));
      expect(atVirtio.every((f) => f.length === size)).toBe(true);
      expect(net.stats).toMatchObject({ txPackets: n, rxPackets: n });
      const vdev = rig.vdpa.find('vdpa0')!;
      const tx = await vdev.config.getVendorVqStats!(1);
      expect(tx).toMatchObject({
        received_desc: BigInt(n),
        completed_desc: BigInt(n),
        error_type: 0n,
      });
      expect(await vdev.config.getVqState(1)).toEqual({ availIndex: n });
    });
  }

  it('serves the control queue in software: a new MAC steers frames to it, queue pairs are set', async () => {
    rig = await vnetRig();
    const { sf, net } = await upDevice(rig, { max_vqp: 2 });
    const pf = rig.pfNet;
    const atVirtio: Buffer[] = [];
    net.onFrame((f) => atVirtio.push(Buffer.from(f)));
    const mac = Buffer.from('02aabbccdd02', 'hex');
    await net.setMac(mac);
    pf.xmit(ethFrame(mac, pf.mac, 100, 1));
    pf.xmit(ethFrame(VIRTIO_MAC, pf.mac, 100, 2));
    await flush();
    expect(atVirtio.map((f) => f[20])).toEqual([1]);
    await net.setQueuePairs(2);
    await expect(net.setQueuePairs(3)).rejects.toMatchObject({ code: 'EINVAL' });
    const vdev = rig.vdpa.find('vdpa0')!;
    // Two pairs: four firmware queues; the control queue is index 4.
    expect(sf.objects().VIRTIO_NET_Q).toBe(4);
    expect(await vdev.config.getVendorVqStats!(4)).toMatchObject({
      received_desc: 2n,
      completed_desc: 2n,
    });
  });

  it("reports the function's link in the config status, following the port", async () => {
    rig = await vnetRig();
    await upDevice(rig);
    expect(rig.vdpa.mgmt.devConfig('vdpa0').linkUp).toBe(true);
    rig.wire.disconnect();
    await flush();
    expect(rig.vdpa.mgmt.devConfig('vdpa0').linkUp).toBe(false);
    rig.wire.connect();
    await flush();
    expect(rig.vdpa.mgmt.devConfig('vdpa0').linkUp).toBe(true);
  });

  it("shows the device's virtqueues in the SF's ctl resource dump", async () => {
    rig = await vnetRig();
    const registry = new CtlRegistry();
    await rig.aux.registerDriver(createCtlDriver({ registry, audit: silentLogger }));
    const { sf } = await upDevice(rig);
    const ctl = sf.core.auxDevices().find((d) => d.devName.includes('.ctl.'))!;
    const ctx = await registry.open(`mlx5ctl-${ctl.devName}`, {
      principal: 'admin',
      caps: { sys_admin: true },
    });
    const dump = await resourceDumpObjects(ctx, {
      segmentType: SegmentType.VIRTIO_NET_Q,
      numOfObj1: RSC_DUMP_ALL,
    });
    expect(dump.errors).toEqual([]);
    expect(dump.objects.map((o) => o.context.get('queue_index'))).toEqual([0n, 1n]);
    expect(dump.objects.map((o) => o.context.get('state'))).toEqual([
      BigInt(VirtqState.RDY),
      BigInt(VirtqState.RDY),
    ]);
    await ctx.close();
  });
});

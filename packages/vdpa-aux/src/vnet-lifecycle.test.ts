import {
  Avail,
  featureBit,
  VirtioStatus as S,
  Used,
  VIRTIO_NET_HDR_BYTES,
  VirtioF,
  VringDescF,
  writeDesc,
} from '@auxctl/prm';

import { userRing } from '@auxctl/vdpa/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { ethFrame, flush, type VnetRig, vnetRig } from './test-support/vnet-rig.js';

let rig: VnetRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const MAC = Buffer.from('02aabbccdd07', 'hex');

describe('mlx5_vdpa across a reload of its function', () => {
  it('parks and restores the firmware queues where the rings stopped: nothing lost, nothing twice', async () => {
    rig = await vnetRig();
    const sf = await rig.sf(7);
    await rig.vdpa.mgmt.devAdd({ name: 'v', mgmtdev: sf.mgmtdev, mac: MAC });
    await flush();
    const net = rig.nets.require('v');
    const pf = rig.pfNet;
    const vdev = rig.vdpa.find('v')!;
    const atPf: number[] = [];
    const atVirtio: number[] = [];
    pf.onFrame((f) => atPf.push(f.readUInt16BE(20)));
    net.onFrame((f) => atVirtio.push(f.readUInt16BE(20)));
    const frame = (dst: Buffer, src: Buffer, seq: number) => {
      const f = ethFrame(dst, src, 64);
      f.writeUInt16BE(seq, 20);
      return f;
    };
    for (let i = 0; i < 40; i++) expect(net.send(frame(pf.mac, MAC, i))).toBe(true);
    await flush();
    const queuesBefore = [...(await Promise.all([0, 1].map((i) => vdev.config.getVqState(i))))];
    expect(queuesBefore).toEqual([{ availIndex: 0 }, { availIndex: 40 }]);

    // A PF with SFs refuses a reload (as mlx5 does); the SF's own function reloads.
    await expect(rig.pf.reload()).rejects.toMatchObject({ code: 'EBUSY' });
    // Frames the driver queues while the firmware is down wait in its ring.
    const reload = sf.core.reload();
    for (let i = 40; i < 60; i++) expect(net.send(frame(pf.mac, MAC, i))).toBe(true);
    await reload;
    await flush();
    for (let i = 60; i < 80; i++) expect(net.send(frame(pf.mac, MAC, i))).toBe(true);
    for (let i = 0; i < 30; i++) pf.xmit(frame(MAC, pf.mac, 1000 + i));
    await flush();

    expect(atPf).toEqual(Array.from({ length: 80 }, (_, i) => i));
    expect(atVirtio).toEqual(Array.from({ length: 30 }, (_, i) => 1000 + i));
    expect(await vdev.config.getVqState(1)).toEqual({ availIndex: 80 });
    expect(await vdev.config.getVqState(0)).toEqual({ availIndex: 30 });
    expect(vdev.getStatus() & S.NEEDS_RESET).toBe(0);
    expect(sf.objects().VIRTIO_NET_Q).toBe(2);
  });
});

async function vhostUp(r: VnetRig) {
  const sf = await r.sf(9);
  await r.vdpa.mgmt.devAdd({ name: 'u', mgmtdev: sf.mgmtdev, mac: MAC });
  const mappings = r.sim.dma.mappings;
  const h = r.vhosts.open('vhost-vdpa-0');
  const features = featureBit(VirtioF.VERSION_1) | featureBit(VirtioF.ACCESS_PLATFORM);
  await h.setStatus(S.ACKNOWLEDGE | S.DRIVER);
  h.setFeatures(features);
  await h.setStatus(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK);
  const rx = userRing(h, 0, 8);
  const tx = userRing(h, 1, 8);
  await h.setVringEnable(0, true);
  await h.setVringEnable(1, true);
  await h.setStatus(S.ACKNOWLEDGE | S.DRIVER | S.FEATURES_OK | S.DRIVER_OK);
  return { sf, h, rx, tx, mappings };
}

describe('mlx5_vdpa through vhost-vdpa (user-driven rings)', () => {
  it('sends from a user ring, suspends and resumes keeping the base, and close leaves no mapping', async () => {
    rig = await vnetRig({ consumer: 'vhost' });
    const { sf, h, tx, mappings } = await vhostUp(rig);
    const atPf: Buffer[] = [];
    rig.pfNet.onFrame((f) => atPf.push(Buffer.from(f)));
    const frame = ethFrame(rig.pfNet.mac, MAC, 200, 0x42);
    const pkt = Buffer.concat([Buffer.alloc(VIRTIO_NET_HDR_BYTES), frame]);
    const addr = h.dmaMap(pkt);
    for (let i = 0; i < 3; i++) {
      writeDesc(tx.desc, i, { addr, len: pkt.length, flags: 0, next: 0 });
      Avail.setEntry(tx.avail, i, i);
    }
    Avail.setIdx(tx.avail, 2);
    h.kick(1);
    await flush();
    expect(atPf).toHaveLength(2);
    expect(await h.getVringBase(1)).toBe(2);
    expect(() => h.setVringBase(1, 0)).toThrow(expect.objectContaining({ code: 'EBUSY' }));

    await h.suspend();
    Avail.setIdx(tx.avail, 3);
    h.kick(1);
    await flush();
    expect(atPf).toHaveLength(2);
    expect(await h.getVringBase(1)).toBe(2);
    await h.resume();
    await flush();
    expect(atPf).toHaveLength(3);
    expect(Used.idx(tx.used)).toBe(3);
    expect(atPf.every((f) => f.equals(frame))).toBe(true);

    await h.close();
    expect(sf.objects().VIRTIO_NET_Q ?? 0).toBe(0);
    expect(rig.sim.dma.mappings).toBe(mappings);
  });

  it('a base set while a queue is disabled takes effect when it is enabled again', async () => {
    rig = await vnetRig({ consumer: 'vhost' });
    const { h, tx } = await vhostUp(rig);
    const atPf: number[] = [];
    rig.pfNet.onFrame((f) => atPf.push(f[20]!));
    const post = (slot: number, fill: number) => {
      const pkt = Buffer.concat([
        Buffer.alloc(VIRTIO_NET_HDR_BYTES),
        ethFrame(rig!.pfNet.mac, MAC, 80, fill),
      ]);
      writeDesc(tx.desc, slot, { addr: h.dmaMap(pkt), len: pkt.length, flags: 0, next: 0 });
      Avail.setEntry(tx.avail, slot, slot);
    };
    post(0, 1);
    Avail.setIdx(tx.avail, 1);
    h.kick(1);
    await flush();
    await h.setVringEnable(1, false);
    expect(await h.getVringBase(1)).toBe(1);
    // Two more chains; the user moves the base past the first of them.
    post(1, 2);
    post(2, 3);
    Avail.setIdx(tx.avail, 3);
    h.setVringBase(1, 2);
    await h.setVringEnable(1, true);
    await flush();
    expect(atPf).toEqual([1, 3]);
    expect(await h.getVringBase(1)).toBe(3);
    expect(Used.idx(tx.used)).toBe(3);
    await h.close();
  });

  it('a malformed ring puts the device in NEEDS_RESET; its other queue and the SF keep working', async () => {
    rig = await vnetRig({ consumer: 'vhost' });
    const { h, rx, tx } = await vhostUp(rig);
    const calls: number[] = [];
    h.setVringCall(0, () => calls.push(0));
    // RX buffers first, then a TX chain pointing at memory nobody mapped.
    const bufs = Array.from({ length: 4 }, () => Buffer.alloc(2048));
    bufs.forEach((b, i) => {
      writeDesc(rx.desc, i, { addr: h.dmaMap(b), len: b.length, flags: VringDescF.WRITE, next: 0 });
      Avail.setEntry(rx.avail, i, i);
    });
    Avail.setIdx(rx.avail, 4);
    h.kick(0);
    writeDesc(tx.desc, 0, { addr: 0x7fff_0000_0000n, len: 100, flags: 0, next: 0 });
    Avail.setEntry(tx.avail, 0, 0);
    Avail.setIdx(tx.avail, 1);
    h.kick(1);
    await flush();
    expect(h.getStatus() & S.NEEDS_RESET).toBe(S.NEEDS_RESET);
    expect(await h.vqStats(1)).toMatchObject({ error_type: expect.any(BigInt) });
    expect((await h.vqStats(1)).error_type).not.toBe(0n);

    // RX still delivers.
    rig.pfNet.xmit(ethFrame(MAC, rig.pfNet.mac, 300, 7));
    await flush();
    expect(Used.idx(rx.used)).toBe(1);
    expect(Used.len(rx.used, 0)).toBe(VIRTIO_NET_HDR_BYTES + 300);
    expect(calls.length).toBeGreaterThan(0);

    // A reset clears it and the device can start over.
    await h.setStatus(0);
    expect(h.getStatus()).toBe(0);
    await h.close();
  });
});

describe('mlx5_vdpa leaves nothing behind', () => {
  it('deleting the vdpa device, the SF, or the PF leaves 0 queues, 0 uids and 0 DMA mappings', async () => {
    rig = await vnetRig();
    const emptyPf = rig.pfObjects();
    const pfMappings = rig.sim.dma.mappings;
    const sf = await rig.sf(5);
    const sfBaseline = sf.objects();
    const sfMappings = rig.sim.dma.mappings;
    // dev del
    await rig.vdpa.mgmt.devAdd({ name: 'x', mgmtdev: sf.mgmtdev, max_vqp: 2 });
    await flush();
    rig.nets.require('x').send(ethFrame(rig.pfNet.mac, MAC, 64));
    await flush();
    expect(sf.objects().VIRTIO_NET_Q).toBe(4);
    await rig.vdpa.mgmt.devDel('x');
    expect(sf.objects()).toEqual(sfBaseline);
    expect(sf.objects().UCTX ?? 0).toBe(0);
    expect(rig.sim.dma.mappings).toBe(sfMappings);
    // SF delete with a live device
    await rig.vdpa.mgmt.devAdd({ name: 'y', mgmtdev: sf.mgmtdev });
    await flush();
    await rig.pf.portFunctions.delete(sf.port);
    expect(rig.vdpa.listDevices()).toEqual([]);
    expect(rig.nets.names()).toEqual([]);
    expect(rig.vdpa.mgmt.showMgmtDev()).toEqual([]);
    expect(rig.pfObjects()).toEqual(emptyPf);
    expect(rig.sim.dma.mappings).toBe(pfMappings);
    // PF close with an SF and a live device: rig.close() checks 0 mappings.
    const sf2 = await rig.sf(6);
    await rig.vdpa.mgmt.devAdd({ name: 'z', mgmtdev: sf2.mgmtdev });
    await flush();
    await rig.close();
    rig = undefined;
  });
});

import type { DeviceBackend } from '@auxctl/prm';
import { SimWire } from '@auxctl/sim';
import {
  FeatureFlag,
  MigState as M,
  type MigDataFile,
  type MigStateValue,
  migStateData,
  readMigData,
  type VfioDeviceFd,
  VfioFeature,
} from '@auxctl/vfio';
import { type MigRig, migRig } from '@auxctl/vfio-mlx5/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Guest } from './guest.js';
import { GuestRam, type RamPage } from './guest-ram.js';

// A guest moved live between two simulated PFs whose uplinks are cabled,
// the way a VMM drives it: guest memory (GuestRam, with the device's DMA
// log and the CPU's writes), the VF's state through vfio migration v2, and
// the vCPU's registers. A FLOW guest on A's VF 0 talks to an ECHO guest on
// B's VF 1 across the cable before the move and through B's eswitch after.

const MAC = {
  a0: Buffer.from('020000000a00', 'hex'),
  b0: Buffer.from('020000000b00', 'hex'),
  b1: Buffer.from('020000000b01', 'hex'),
};
const MiB = 1024 * 1024;
const rigs: MigRig[] = [];
const wires: SimWire[] = [];
const guests: Guest[] = [];
afterEach(async () => {
  for (const g of guests.splice(0)) g.powerOff();
  for (const w of wires.splice(0)) w.unplug();
  for (const r of rigs.splice(0)) await r.close();
});

const setState = async (fd: VfioDeviceFd, s: MigStateValue) =>
  (await fd.deviceFeature(VfioFeature.MIG_DEVICE_STATE | FeatureFlag.SET, migStateData(s))).file;

async function drain(f: MigDataFile): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of readMigData(f, { readBytes: 4096 })) parts.push(b);
  return Buffer.concat(parts);
}

async function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (let i = 0; i < 100_000 && !cond(); i++) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** host: a PF whose VFs (one per MAC) are migratable, have their MACs and are bound to mlx5_vfio_pci. */
async function host(n: number, macs: Buffer[]) {
  const rig = await migRig({ host: n });
  rigs.push(rig);
  await rig.enableVfs(
    macs.length,
    macs.map((_, i) => i),
  );
  for (const [i, mac] of macs.entries()) {
    await rig.core.portFunctions.set(rig.core.sriov.indexOf(i), {
      hwAddr: mac.toString('hex').replace(/(..)(?!$)/g, '$1:'),
    });
    await rig.bindVfio(i);
  }
  const fds = await Promise.all(macs.map((_, i) => rig.devices.open<DeviceBackend>(rig.vfBdf(i))));
  return { rig, fds };
}

async function boot(fd: VfioDeviceFd<DeviceBackend>, o: Parameters<typeof Guest.boot>[1]) {
  const g = await Guest.boot(fd, o);
  guests.push(g);
  return g;
}

describe('a guest moved live between two cabled PFs', () => {
  it('carries on: its flow goes on through the destination, nothing is left on either side', async () => {
    const a = await host(0, [MAC.a0]);
    const b = await host(1, [MAC.b0, MAC.b1]);
    wires.push(new SimWire({ device: a.rig.sim }, { device: b.rig.sim }));
    const [srcFd] = a.fds as [VfioDeviceFd<DeviceBackend>];
    const [dstFd, echoFd] = b.fds as [VfioDeviceFd<DeviceBackend>, VfioDeviceFd<DeviceBackend>];
    const echo = await boot(echoFd, { program: 'echo', memoryBytes: MiB });
    const flow = await boot(srcFd, { program: 'flow', memoryBytes: 4 * MiB, peer: MAC.b1 });
    expect(flow.stats()).toMatchObject({
      program: 'flow',
      mac: MAC.a0.toString('hex'),
      memoryBytes: 4 * MiB,
    });
    await until(() => flow.stats().echoed >= 20, '20 echoes across the cable');

    // Pre-copy: all of guest memory while the guest runs, then what it dirtied.
    const ram = new GuestRam(srcFd);
    await ram.startTracking();
    const file = (await setState(srcFd, M.PRE_COPY))!;
    const sent: RamPage[] = ram.allPages();
    expect(sent.length * 4096).toBe(ram.bytes);
    expect(ram.bytes).toBeGreaterThan(4 * MiB);
    const device: Buffer[] = [await drain(file)];
    const before = flow.stats().echoed;
    await until(() => flow.stats().echoed >= before + 5, 'echoes during pre-copy');
    const round2 = await ram.dirtyPages();
    // Received frames and CQEs are the device's writes: its DMA log reported them.
    expect(ram.deviceDirtied).toBeGreaterThan(0);
    expect(round2.length).toBeLessThan(sent.length / 10);
    sent.push(...round2);
    device.push(await drain(file));

    // Stop-copy: the vCPU pauses, the device stops, the rest goes.
    await flow.pause();
    const last = (await setState(srcFd, M.STOP_COPY)) ?? file;
    sent.push(...(await ram.dirtyPages()));
    device.push(await drain(last));
    const vcpu = flow.vcpu();
    const atMove = flow.stats();
    await setState(srcFd, M.STOP);
    const layout = ram.layout();
    await ram.stopTracking();

    // The destination: memory at the same addresses, the device's state, the vCPU.
    const dram = new GuestRam(dstFd);
    dram.applyLayout(layout);
    for (const p of sent) dram.writePage(p);
    await setState(dstFd, M.STOP);
    const w = (await setState(dstFd, M.RESUMING))!;
    await w.write(Buffer.concat(device));
    await setState(dstFd, M.STOP);
    await setState(dstFd, M.RUNNING);
    const moved = Guest.resume(dstFd, vcpu);
    guests.push(moved);
    expect(moved.stats()).toEqual(atMove);
    // The source lets go: the guest is the destination's now.
    flow.powerOff();
    await srcFd.reset();
    ram.release();

    await until(() => moved.stats().echoed >= atMove.echoed + 20, '20 echoes after the move');
    const s = moved.stats();
    expect(s.completionErrors).toBe(0);
    // Every send WQE completes once: at most the latest one or two are still in flight.
    const posted = s.sent + s.retransmits;
    expect(s.sendCompletions).toBeLessThanOrEqual(posted);
    expect(s.sendCompletions).toBeGreaterThanOrEqual(posted - 2);
    expect(s.mac).toBe(MAC.a0.toString('hex'));

    // Everything stops: each PF as it was, each VF domain empty.
    for (const [g, fd, r] of [
      [moved, dstFd, dram],
      [echo, echoFd, new GuestRam(echoFd)],
    ] as const) {
      g.powerOff();
      await fd.reset();
      r.release();
    }
    for (const h of [a, b]) {
      expect(h.rig.pfObjects()).toEqual(h.rig.baseline.objects);
      expect(h.rig.sim.dma.mappings).toBe(h.rig.baseline.mappings);
      for (const vf of h.rig.sim.engine.virtualFunctions.list()) {
        expect(vf.firmware.dmaSpace.mappings).toBe(0);
        expect(vf.firmware.objectCounts()).toEqual({});
      }
    }
  }, 60_000);
});

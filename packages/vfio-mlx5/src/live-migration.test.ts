import { AuxiliaryBus, allocPd, CoreDevice, IdAllocator } from '@auxctl/core';
import { type DeviceBackend, isAuxError } from '@auxctl/prm';
import {
  FeatureFlag,
  MigState as M,
  type MigDataFile,
  type MigStateValue,
  migStateData,
  readMigData,
  readMigState,
  type VfioDeviceFd,
  VfioFeature,
} from '@auxctl/vfio';
import { afterEach, describe, expect, it } from 'vitest';
import { type MigRig, migRig } from './testing/mig-rig.js';

const code = (c: string) => (e: unknown) => isAuxError(e) && e.code === c;
const rigs: MigRig[] = [];
const guests: CoreDevice[] = [];
afterEach(async () => {
  for (const g of guests.splice(0)) await g.close();
  for (const r of rigs.splice(0)) await r.close();
});

const setState = async (fd: VfioDeviceFd, s: MigStateValue) =>
  (await fd.deviceFeature(VfioFeature.MIG_DEVICE_STATE | FeatureFlag.SET, migStateData(s))).file;
const getState = async (fd: VfioDeviceFd) =>
  readMigState(
    (await fd.deviceFeature(VfioFeature.MIG_DEVICE_STATE | FeatureFlag.GET, Buffer.alloc(8))).data,
  ).state;

/** drain: read until the temporary end (ENOMSG) or the end (empty), 4 KiB at a time. */
async function drain(f: MigDataFile): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const b of readMigData(f, { readBytes: 4096 })) parts.push(b);
  return Buffer.concat(parts);
}

/** A host: a PF with VF 0 migratable and bound to mlx5_vfio_pci, opened by the VMM. */
async function host(n: number) {
  const rig = await migRig({ host: n });
  rigs.push(rig);
  await rig.enableVfs(1, [0]);
  await rig.bindVfio(0);
  const fd = await rig.devices.open<DeviceBackend>(rig.vfBdf(0));
  const vfFw = () => rig.sim.engine.virtualFunctions.get(1)!.firmware;
  return { rig, fd, vfFw };
}

/** The guest's mlx5_core: a core device on the VF's region, with a PD of its own. */
async function bootGuest(fd: VfioDeviceFd<DeviceBackend>): Promise<CoreDevice> {
  const guest = await CoreDevice.probe({
    backend: fd.region,
    bus: new AuxiliaryBus(),
    ids: new IdAllocator(),
    kind: 'vf',
    auxTable: [],
    health: { poll: false },
  });
  guests.push(guest);
  await allocPd(guest.queue);
  return guest;
}

/** objectsOf: a function's objects in creation order, without the table's private sequence. */
const objectsOf = (fw: { objects(): Iterable<object> }) =>
  [...fw.objects()].map((o) => {
    const { seq: _seq, ...rest } = o as { seq?: number };
    return rest;
  });

/** The source's side: pre-copy, a change while running, stop-copy; the whole stream. */
async function saveStream(src: Awaited<ReturnType<typeof host>>, guest: CoreDevice) {
  const f = (await setState(src.fd, M.PRE_COPY))!;
  const info = await f.precopyInfo();
  expect(info.initialBytes).toBeGreaterThan(0n);
  const initial = await drain(f);
  expect(BigInt(initial.length)).toBe(info.initialBytes);
  await allocPd(guest.queue);
  const dirty = await f.precopyInfo();
  expect(dirty.dirtyBytes).toBeGreaterThan(0n);
  const more = await drain(f);
  const same = await setState(src.fd, M.STOP_COPY);
  expect(same).toBeDefined();
  const rest = await drain(same!);
  expect(await same!.read(1)).toEqual(Buffer.alloc(0));
  await setState(src.fd, M.STOP);
  expect(same!.closed).toBe(true);
  return Buffer.concat([initial, more, rest]);
}

/** expectClean: the guest gone, each PF has the objects, uids, keys and DMA mappings it started with. */
async function expectClean(guest: CoreDevice, ...hosts: Awaited<ReturnType<typeof host>>[]) {
  await guest.close();
  for (const h of hosts) {
    expect(h.rig.pfObjects()).toEqual(h.rig.baseline.objects);
    expect(h.rig.sim.dma.mappings).toBe(h.rig.baseline.mappings);
  }
}

describe('live migration of a VF between two simulated PFs', () => {
  it("moves the VF: the destination holds the source's state, both PFs are left clean", async () => {
    const src = await host(0);
    const dst = await host(1);
    const guest = await bootGuest(src.fd);
    const stream = await saveStream(src, guest);

    await setState(dst.fd, M.STOP);
    const w = (await setState(dst.fd, M.RESUMING))!;
    for (let at = 0; at < stream.length; at += 1000) await w.write(stream.subarray(at, at + 1000));
    await setState(dst.fd, M.STOP);
    expect(objectsOf(dst.vfFw())).toEqual(objectsOf(src.vfFw()));
    // The PD allocated before pre-copy and the one the increment carried.
    expect(objectsOf(dst.vfFw()).map((o) => (o as { type?: string }).type)).toEqual(['PD', 'PD']);
    expect(dst.vfFw().state).toBe(src.vfFw().state);
    await setState(dst.fd, M.RUNNING);
    expect(await getState(dst.fd)).toBe(M.RUNNING);
    expect(w.closed).toBe(true);
    await expectClean(guest, src, dst);
  });

  const spoilers = [
    [
      'a corrupt image',
      (s: Buffer) => {
        const c = Buffer.from(s);
        c[c.length - 40] = (c[c.length - 40] ?? 0) ^ 0xff;
        return c;
      },
    ],
    ['a truncated stream', (s: Buffer) => s.subarray(0, s.length - 100)],
  ] as const;
  for (const [what, spoil] of spoilers) {
    it(`refuses ${what} on the destination, leaves it clean and the source running again`, async () => {
      const src = await host(0);
      const dst = await host(1);
      const guest = await bootGuest(src.fd);
      const stream = spoil(await saveStream(src, guest));

      await setState(dst.fd, M.STOP);
      const w = (await setState(dst.fd, M.RESUMING))!;
      await w.write(stream);
      await expect(setState(dst.fd, M.STOP)).rejects.toSatisfy(code('EINVAL'));
      expect(await getState(dst.fd)).toBe(M.ERROR);
      expect(w.closed).toBe(true);
      // ERROR until the VMM resets the function; then nothing of the source is left on it.
      await dst.fd.reset();
      expect(await getState(dst.fd)).toBe(M.RUNNING);
      expect(objectsOf(dst.vfFw())).toEqual([]);

      await setState(src.fd, M.RUNNING);
      expect(await getState(src.fd)).toBe(M.RUNNING);
      // The guest carries on on the source.
      await allocPd(guest.queue);
      await expectClean(guest, src, dst);
    });
  }

  it('unbinding or disabling a VF with open data files releases their PF memory', async () => {
    const src = await host(0);
    const guest = await bootGuest(src.fd);
    const f = (await setState(src.fd, M.PRE_COPY))!;
    await drain(f);
    expect(src.rig.sim.dma.mappings).toBeGreaterThan(src.rig.baseline.mappings);
    await src.rig.pci.unbind(src.rig.vfBdf(0));
    expect(f.closed).toBe(true);
    await expect(f.read(1)).rejects.toSatisfy(code('EBADF'));
    await expect(setState(src.fd, M.RUNNING)).rejects.toSatisfy(code('ENOTCONN'));
    await src.fd.close();
    await guest.close();
    expect(src.rig.pfObjects()).toEqual(src.rig.baseline.objects);
    expect(src.rig.sim.dma.mappings).toBe(src.rig.baseline.mappings);

    const other = await host(1);
    const w = (await setState(other.fd, M.STOP_COPY))!;
    await other.rig.pci.writeNumVfs(other.rig.pf.bdf, 0);
    expect(w.closed).toBe(true);
    expect(other.rig.pfObjects()).toEqual(other.rig.baseline.objects);
    expect(other.rig.sim.dma.mappings).toBe(other.rig.baseline.mappings);
  });
});

import { CreateUctxIn, CreateUctxOut, GeneralObjType, Op } from '@auxctl/prm';
import type { SimFunction } from '@auxctl/sim';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuxiliaryDriver } from '../bus/auxiliary-driver.js';
import type { CoreDevice } from '../device/core-device.js';
import type { CoreHandle } from '../device/core-handle.js';
import { buildInbox } from '../device/firmware-commands.js';
import { destroyUctx } from '../device/memory-commands.js';
import { sfRig } from '../device/test-support/sf-rig.js';
import { flush } from './test-support/data-path-rig.js';
import { type VirtqRig, virtqRig } from './test-support/virtq-rig.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const vnetOf = (core: CoreDevice): CoreHandle | undefined =>
  core.auxDevices().find((d) => d.devName.includes('.vnet.'))?.shared;

async function newUid(h: CoreHandle): Promise<number> {
  const out = await h.cmdExec(buildInbox(CreateUctxIn, Op.CREATE_UCTX), CreateUctxOut.bytes);
  return CreateUctxOut.get(out, 'uid');
}

/** A PF with one active SF; `driver` (if any) is registered for mlx5_core.vnet first. */
async function setup(driver?: AuxiliaryDriver<CoreHandle>) {
  const rig = await sfRig({ standIn: false });
  cleanups.push(() => rig.close());
  if (driver) await rig.bus.registerDriver(driver);
  const port = await rig.core.portFunctions.add({ pfnum: 0, sfnum: 7 });
  const sf = (await rig.core.portFunctions.activate(port)).nestedCore!;
  return { rig, port, sf, sfSim: sf.backend as SimFunction };
}

describe('virtqueue lifecycle', () => {
  it('leaves no object, uid or mapping after the driver destroys what it made on its uid', async () => {
    const { rig, port, sf, sfSim } = await setup();
    const h = vnetOf(sf)!;
    await h.openDataPath();
    const before = rig.sim.dma.mappings;
    const uid = await newUid(h);
    const v = await virtqRig(h, uid);
    await v.queue(0);
    await v.queue(1);
    expect(sfSim.engine.objectCounts(uid)).toMatchObject({ VIRTIO_NET_Q: 2, VIRTIO_Q_COUNTERS: 2 });
    await v.close();
    expect(sfSim.engine.objectCounts(uid)).toEqual({});
    await destroyUctx(h, uid);
    expect(sfSim.engine.objectCounts().UCTX ?? 0).toBe(0);
    expect(rig.sim.dma.mappings).toBe(before);
    await rig.core.portFunctions.delete(port);
  });

  it('frees every queue of a uid with DESTROY_UCTX, whatever the driver forgot', async () => {
    const { port, rig, sf, sfSim } = await setup();
    const h = vnetOf(sf)!;
    await h.openDataPath();
    const uid = await newUid(h);
    const v = await virtqRig(h, uid);
    await v.queue(0);
    await v.queue(3);
    await destroyUctx(h, uid);
    expect(sfSim.engine.objectCounts(uid)).toEqual({});
    expect(sfSim.engine.objectCounts().VIRTIO_NET_Q ?? 0).toBe(0);
    await rig.core.portFunctions.delete(port);
  });

  it('leaves nothing when the SF, then the PF, goes away under a bound vnet driver', async () => {
    const rigs = new Map<string, VirtqRig>();
    const driver: AuxiliaryDriver<CoreHandle> = {
      name: 'test-vnet',
      idTable: [{ name: 'mlx5_core.vnet' }],
      async probe(adev) {
        const h = adev.shared!;
        await h.openDataPath();
        const v = await virtqRig(h);
        await v.queue(0);
        await v.queue(1);
        rigs.set(adev.devName, v);
      },
      async remove(adev) {
        await rigs.get(adev.devName)?.close();
        rigs.delete(adev.devName);
      },
    };
    const { rig, port, sf, sfSim } = await setup(driver);
    expect(rigs.size).toBe(1);
    expect(sfSim.engine.objectCounts().VIRTIO_NET_Q).toBe(2);
    await flush();
    await rig.core.portFunctions.delete(port);
    expect(rigs.size).toBe(0);
    expect(sf.state).toBe('closed');
    expect(rig.sim.dma.mappings).toBe(rig.baseline);
    await rig.core.close();
    expect(rig.sim.engine.objectCounts()).toEqual({});
    expect(rig.sim.dma.mappings).toBe(0);
  });

  it('follows enable_vnet at the next rescan, and reports object changes only to their handler', async () => {
    const { rig, port, sf } = await setup();
    expect(vnetOf(sf)).toBeDefined();
    sf.params.set('enable_vnet', false);
    expect(vnetOf(sf)).toBeDefined(); // driverinit: nothing changes until the driver reads it
    await sf.rescan();
    expect(vnetOf(sf)).toBeUndefined();
    expect(() => sf.params.set('enable_vnet', 'no')).toThrow(/boolean/);
    expect(() => sf.params.set('enable_vnot', true)).toThrow(/unknown parameter/);
    sf.params.set('enable_vnet', true);
    await sf.rescan();
    const h = vnetOf(sf)!;
    expect(() => h.onObjectChange(GeneralObjType.VIRTIO_NET_Q, 1, () => {})).toThrow(
      /openDataPath/,
    );
    await h.openDataPath();
    const off = h.onObjectChange(GeneralObjType.VIRTIO_NET_Q, 1, () => {});
    expect(() => h.onObjectChange(GeneralObjType.VIRTIO_NET_Q, 1, () => {})).toThrow(/already/);
    off();
    await rig.core.portFunctions.delete(port);
  });
});

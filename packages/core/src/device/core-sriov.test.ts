import { AuxError, HealthSyndrome, isAuxError } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { pfCoreOf } from './core-pci-driver.js';
import { allocPd } from './memory-commands.js';
import type { PortFunctionInfo } from './port-functions.js';
import { type SriovRig, sriovRig } from './test-support/sriov-rig.js';
import { UserContexts } from './user-contexts.js';

let rig: SriovRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const code = (c: string) => (e: unknown) => isAuxError(e) && e.code === c;
const devices = (r: SriovRig) => r.bus.listDevices().map((d) => d.device);
const vfPorts = (ports: PortFunctionInfo[]) => ports.filter((p) => p.flavour === 'pcivf');

describe('SR-IOV on a core device', () => {
  it('sriov_numvfs 2 brings up two VF core devices, each with its own eth, rdma, ctl and vnet', async () => {
    rig = await sriovRig();
    const { pci, pf, core } = rig;
    expect(pf.sriov).toMatchObject({ totalVfs: 4, offset: 2, stride: 1, vfDeviceId: 0x101e });
    expect(core.kind).toBe('pf');

    expect(await pci.writeNumVfs(pf.bdf, '2\n')).toBe(2);
    const vfs = pci.list().filter((f) => f.physfn === pf.bdf);
    expect(vfs.map((f) => [f.bdf, f.deviceId, f.driver])).toEqual([
      ['0000:08:00.2', 0x101e, 'mlx5_core'],
      ['0000:08:00.3', 0x101e, 'mlx5_core'],
    ]);
    const vf0 = rig.coreOf('0000:08:00.2');
    expect(vf0).toMatchObject({ kind: 'vf', name: '0000:08:00.2', state: 'up' });
    expect(vf0.identity.bdf).toBe('0000:08:00.2');
    // Its own function: vhca_id = VF index + 1, and its own queue.
    expect(vf0.caps.vhca_id).toBe(1);
    expect(rig.coreOf('0000:08:00.3').caps.vhca_id).toBe(2);
    expect(vf0.queue).not.toBe(core.queue);
    expect(devices(rig)).toEqual([
      'mlx5_core.eth.0',
      'mlx5_core.rdma.0',
      'mlx5_core.ctl.0',
      'mlx5_core.eth.1',
      'mlx5_core.rdma.1',
      'mlx5_core.ctl.1',
      'mlx5_core.vnet.1',
      'mlx5_core.eth.2',
      'mlx5_core.rdma.2',
      'mlx5_core.ctl.2',
      'mlx5_core.vnet.2',
    ]);
    expect(rig.bus.find('mlx5_core.vnet.1')?.parent).toBe('0000:08:00.2');
    expect(rig.calls).toContain('probe mlx5_core.vnet.2');
    // The vfio-style way to the PF: through the driver model.
    expect(pfCoreOf(pci, pci.find('0000:08:00.3')!)).toBe(core);
    expect(() => pfCoreOf(pci, pf)).toThrow(/not a VF/);
  });

  it('lists VF port functions beside SF ports and refuses state and delete on them', async () => {
    rig = await sriovRig();
    const { pci, pf, core } = rig;
    const sf = await core.portFunctions.add({ pfnum: 0, sfnum: 9 });
    // SF function ids start after the last VF's.
    expect(sf.functionId).toBe(5);
    await pci.writeNumVfs(pf.bdf, 2);
    const ports = core.portFunctions.list();
    expect(ports.map((p) => [p.flavour, p.index])).toEqual([
      ['pcivf', 1],
      ['pcivf', 2],
      ['pcisf', 5],
    ]);
    const { nestedCore, ...vf1 } = vfPorts(ports)[1]!;
    expect(vf1).toEqual({
      flavour: 'pcivf',
      index: 2,
      pfnum: 0,
      vfnum: 1,
      functionId: 2,
      hwAddr: '00:00:00:00:00:00',
      roce: true,
      migratable: false,
    });
    expect(nestedCore).toBe(rig.coreOf('0000:08:00.3'));
    for (const op of [
      () => core.portFunctions.activate(1),
      () => core.portFunctions.deactivate(1),
      () => core.portFunctions.delete(1),
    ]) {
      await expect(op()).rejects.toSatisfy(code('EOPNOTSUPP'));
    }
    await expect(core.portFunctions.set(sf.index, { migratable: true })).rejects.toSatisfy(
      code('EOPNOTSUPP'),
    );
    await expect(core.portFunctions.set(1, { maxUctx: 4 })).rejects.toSatisfy(code('EOPNOTSUPP'));
    // The VF is in use by the core driver: its attributes wait until it is unbound.
    await expect(core.portFunctions.set(1, { migratable: true })).rejects.toSatisfy(code('EBUSY'));
    await pci.unbind('0000:08:00.2');
    const set = await core.portFunctions.set(1, { migratable: true, hwAddr: '02:00:00:00:00:01' });
    expect(set).toMatchObject({ flavour: 'pcivf', migratable: true, hwAddr: '02:00:00:00:00:01' });
    expect(rig.sim.engine.virtualFunctions.get(1)?.attrs.migratable).toBe(true);
    await pci.bind('0000:08:00.2', 'mlx5_core');
    expect(rig.coreOf('0000:08:00.2').caps.vhca_id).toBe(1);
    await core.portFunctions.delete(sf.index);
    await pci.writeNumVfs(pf.bdf, 0);
    expect(core.portFunctions.list()).toEqual([]);
  });

  it('with sriov_drivers_autoprobe 0 VFs stay unbound until bound, and set applies before they boot', async () => {
    rig = await sriovRig();
    const { pci, pf, core } = rig;
    pci.setDriversAutoprobe(pf.bdf, false);
    await pci.writeNumVfs(pf.bdf, 1);
    expect(pci.find('0000:08:00.2')?.driverName).toBeUndefined();
    expect(devices(rig)).toEqual(['mlx5_core.eth.0', 'mlx5_core.rdma.0', 'mlx5_core.ctl.0']);
    await core.portFunctions.set(1, { hwAddr: '02:00:00:00:00:42', roce: false });
    await expect(pci.bind('0000:08:00.2', 'mlx5_core')).rejects.toSatisfy(code('ENODEV'));
    pci.setDriverOverride('0000:08:00.2', 'mlx5_core');
    await pci.reprobe('0000:08:00.2');
    const vf = rig.coreOf('0000:08:00.2');
    expect(vf.caps.roce).toBe(0);
    // No RoCE: the VF publishes no rdma aux device.
    expect(devices(rig).filter((d) => d.endsWith('.1'))).toEqual([
      'mlx5_core.eth.1',
      'mlx5_core.ctl.1',
      'mlx5_core.vnet.1',
    ]);
  });

  it('disabling VFs leaves no firmware object, uid or DMA mapping behind', async () => {
    rig = await sriovRig();
    const { pci, pf, sim } = rig;
    await pci.writeNumVfs(pf.bdf, 2);
    const vf = rig.coreOf('0000:08:00.2');
    const fw = sim.engine.virtualFunctions.get(1)!.firmware;
    const uctxs = new UserContexts<{ uid: number; detach(): Promise<void> }>(
      vf.queue,
      () => new AuxError('ENODEV', 'gone'),
    );
    const ctx = await uctxs.open(0, (uid) => ({ uid, detach: async () => {} }));
    await allocPd(vf.queue, ctx.uid);
    expect(fw.objectCounts()).toMatchObject({ UCTX: 1 });
    expect(fw.objectCounts(ctx.uid).PD).toBe(1);
    // The VF's driver maps into the VF's own domain, never the PF's.
    const vfDma = sim.engine.virtualFunctions.backend(1).dma;
    expect(vfDma.mappings).toBeGreaterThan(0);
    expect(sim.dma.mappings).toBe(rig.baseline);

    await pci.writeNumVfs(pf.bdf, '0');
    expect(vf.state).toBe('closed');
    expect(fw.objectCounts()).toEqual({});
    expect(fw.state).toBe('disabled');
    expect(sim.engine.virtualFunctions.list()).toEqual([]);
    expect(vfDma.mappings).toBe(0);
    expect(sim.dma.mappings).toBe(rig.baseline);
    expect(pci.list().map((f) => f.bdf)).toEqual([pf.bdf]);
    expect(devices(rig)).toEqual(['mlx5_core.eth.0', 'mlx5_core.rdma.0', 'mlx5_core.ctl.0']);
    expect(rig.ids.inUse).toBe(1);
  });

  it("a PF's recovery enables its VFs again and gives each back to the driver it had", async () => {
    rig = await sriovRig();
    const { pci, pf, core, sim } = rig;
    await pci.writeNumVfs(pf.bdf, 3);
    // VF 1 is configured while unbound, then bound again; VF 2 stays unbound.
    await pci.unbind('0000:08:00.3');
    const port1 = vfPorts(core.portFunctions.list())[1]!;
    await core.portFunctions.set(port1.index, { migratable: true, hwAddr: '02:00:00:00:0b:01' });
    await pci.bind('0000:08:00.3', 'mlx5_core');
    await pci.unbind('0000:08:00.4');
    const before = [rig.coreOf('0000:08:00.2'), rig.coreOf('0000:08:00.3')];

    sim.faults.fatal(HealthSyndrome.HW_FATAL_ERR);
    await core.recover();

    expect(core.state).toBe('up');
    for (const old of before) expect(old.state).toBe('closed');
    expect(pci.list().map((f) => [f.bdf, f.driver])).toEqual([
      [pf.bdf, 'mlx5_core'],
      ['0000:08:00.2', 'mlx5_core'],
      ['0000:08:00.3', 'mlx5_core'],
      ['0000:08:00.4', undefined],
    ]);
    expect(sim.engine.virtualFunctions.list().map((v) => v.functionId)).toEqual([1, 2, 3]);
    // New core devices on the re-enabled VFs answer commands; the port keeps its attributes.
    const vf1 = rig.coreOf('0000:08:00.3');
    expect(vf1).toMatchObject({ state: 'up', kind: 'vf' });
    expect(vf1.caps.vhca_id).toBe(2);
    const ctx = await new UserContexts<{ uid: number; detach(): Promise<void> }>(
      vf1.queue,
      () => new AuxError('ENODEV', 'gone'),
    ).open(0, (uid) => ({ uid, detach: async () => {} }));
    await allocPd(vf1.queue, ctx.uid);
    const port = vfPorts(core.portFunctions.list())[1]!;
    expect([port.migratable, port.hwAddr]).toEqual([true, '02:00:00:00:0b:01']);
    expect(port.nestedCore).toBe(vf1);
    await pci.writeNumVfs(pf.bdf, 0);
    expect(sim.engine.virtualFunctions.list()).toEqual([]);
    expect(sim.dma.mappings).toBe(rig.baseline);
  });

  it('a PF with VFs refuses reload; removing the PF takes its VFs down first', async () => {
    rig = await sriovRig();
    const { pci, pf, core, sim } = rig;
    await pci.writeNumVfs(pf.bdf, 3);
    await expect(core.reload()).rejects.toSatisfy(code('EBUSY'));
    const vf = rig.coreOf('0000:08:00.4');
    await pci.removeFunction(pf);
    expect(vf.state).toBe('closed');
    expect(core.state).toBe('closed');
    expect(sim.engine.virtualFunctions.list()).toEqual([]);
    expect(rig.bus.listDevices()).toEqual([]);
    expect(rig.ids.inUse).toBe(0);
    expect(sim.dma.mappings).toBe(0);
  });
});

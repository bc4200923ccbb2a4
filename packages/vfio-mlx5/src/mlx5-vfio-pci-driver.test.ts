import { PCI_VENDOR_ID_MELLANOX } from '@auxctl/core';
import { type DeviceBackend, isAuxError } from '@auxctl/prm';
import { FeatureFlag, MigFlag, MigState, migStateData, readU64, VfioFeature } from '@auxctl/vfio';
import { afterEach, describe, expect, it } from 'vitest';
import { MLX5_VFIO_PCI_DRIVER_NAME, type Mlx5VfioBinding } from './mlx5-vfio-pci-driver.js';
import { type MigRig, migRig } from './testing/mig-rig.js';

const code = (c: string) => (e: unknown) => isAuxError(e) && e.code === c;
let rig: MigRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('mlx5_vfio_pci matching', () => {
  it('never binds a VF by itself, with autoprobe on or off', async () => {
    rig = await migRig();
    const { pci, pf } = rig;
    await pci.writeNumVfs(pf.bdf, 2);
    // Autoprobe on: the core driver takes the VFs, never the variant driver.
    expect(
      pci
        .list()
        .filter((f) => f.physfn)
        .map((f) => f.driver),
    ).toEqual(['mlx5_core', 'mlx5_core']);
    await pci.unbind(rig.vfBdf(0));
    await pci.reprobe(rig.vfBdf(0));
    expect(pci.find(rig.vfBdf(0))?.driverName).toBe('mlx5_core');
    await pci.writeNumVfs(pf.bdf, 0);
    await rig.enableVfs(2, [0]);
    expect(
      pci
        .list()
        .filter((f) => f.physfn)
        .map((f) => f.driver),
    ).toEqual([undefined, undefined]);
    await expect(pci.bind(rig.vfBdf(0), MLX5_VFIO_PCI_DRIVER_NAME)).rejects.toSatisfy(
      code('ENODEV'),
    );
    pci.setDriversAutoprobe(pf.bdf, true);
    await pci.reprobe(rig.vfBdf(0));
    expect(pci.find(rig.vfBdf(0))?.driverName).toBe('mlx5_core');
    expect(rig.devices.list()).toEqual([]);
  });

  it('binds a migratable VF once driver_override names it', async () => {
    rig = await migRig();
    await rig.enableVfs(2, [1]);
    await rig.bindVfio(1);
    const vf = rig.pci.find(rig.vfBdf(1))!;
    expect(vf.driverName).toBe(MLX5_VFIO_PCI_DRIVER_NAME);
    expect((vf.drvdata as Mlx5VfioBinding).vhcaId).toBe(2);
    expect(rig.devices.list()).toEqual([vf.bdf]);
    const fd = await rig.devices.open<DeviceBackend>(vf.bdf);
    // The user's region is the VF's own function, not the PF's.
    expect(fd.region.identity.bdf).toBe(vf.bdf);
    const mig = await fd.deviceFeature(VfioFeature.MIGRATION | FeatureFlag.GET, Buffer.alloc(8));
    expect(Number(readU64(mig.data)) & (MigFlag.STOP_COPY | MigFlag.P2P)).toBe(3);
    await fd.close();
  });

  it('refuses a VF whose port function is not migratable, with a clear EOPNOTSUPP', async () => {
    rig = await migRig();
    await rig.enableVfs(1);
    const bdf = rig.vfBdf(0);
    rig.pci.setDriverOverride(bdf, MLX5_VFIO_PCI_DRIVER_NAME);
    await expect(rig.pci.bind(bdf, MLX5_VFIO_PCI_DRIVER_NAME)).rejects.toSatisfy(
      (e) => code('EOPNOTSUPP')(e) && /not migratable/.test((e as Error).message),
    );
    expect(rig.pci.find(bdf)?.driverName).toBeUndefined();
    expect(rig.devices.list()).toEqual([]);
    // Made migratable while unbound, it binds.
    await rig.core.portFunctions.set(rig.core.sriov.indexOf(0), { migratable: true });
    await rig.pci.bind(bdf, MLX5_VFIO_PCI_DRIVER_NAME);
    expect(rig.pci.find(bdf)?.driverName).toBe(MLX5_VFIO_PCI_DRIVER_NAME);
  });

  it("never binds a PF or another vendor's function, even when named by override", async () => {
    rig = await migRig();
    const { pci, pf } = rig;
    await pci.unbind(pf.bdf);
    pci.setDriverOverride(pf.bdf, MLX5_VFIO_PCI_DRIVER_NAME);
    await expect(pci.bind(pf.bdf, MLX5_VFIO_PCI_DRIVER_NAME)).rejects.toSatisfy(code('ENODEV'));
    expect(pf.driverName).toBeUndefined();
    const other = await pci.addFunction({
      bdf: '0000:03:00.0',
      vendorId: 0x8086,
      deviceId: 0x101e,
      resource: () => ({}),
    });
    const same = await pci.addFunction({
      bdf: '0000:05:00.0',
      vendorId: PCI_VENDOR_ID_MELLANOX,
      deviceId: 0x101e,
      resource: () => ({}),
    });
    for (const f of [other, same]) {
      pci.setDriverOverride(f.bdf, MLX5_VFIO_PCI_DRIVER_NAME);
      await pci.reprobe(f.bdf);
      expect(f.driverName).toBeUndefined();
    }
    expect(rig.devices.list()).toEqual([]);
    pci.setDriverOverride(pf.bdf, undefined);
    await pci.reprobe(pf.bdf);
  });

  it('sriov_numvfs 0 while bound: the vfio device goes, its commands are ENOTCONN, the PF is as before', async () => {
    rig = await migRig();
    await rig.enableVfs(2, [0, 1]);
    await rig.bindVfio(0);
    await rig.bindVfio(1);
    const fd = await rig.devices.open<DeviceBackend>(rig.vfBdf(0));
    await rig.pci.writeNumVfs(rig.pf.bdf, 0);
    expect(rig.devices.list()).toEqual([]);
    expect(() => fd.region).toThrow(/gone/);
    const set = fd.deviceFeature(
      VfioFeature.MIG_DEVICE_STATE | FeatureFlag.SET,
      migStateData(MigState.STOP),
    );
    await expect(set).rejects.toSatisfy(code('ENOTCONN'));
    await fd.close();
    expect(rig.sim.dma.mappings).toBe(rig.baseline.mappings);
    expect(rig.pfObjects()).toEqual(rig.baseline.objects);
  });
});

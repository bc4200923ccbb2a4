import { PciBus } from '@auxctl/core';
import { isAuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { VfioDevices } from './device/vfio-devices.js';
import { FeatureFlag, VfioFeature } from './feature/device-feature.js';
import { createVfioPciDriver, VFIO_PCI_DRIVER_NAME } from './vfio-pci-driver.js';

const code = (c: string) => (e: unknown) => isAuxError(e) && e.code === c;

async function rig() {
  const pci = new PciBus();
  const devices = new VfioDevices();
  await pci.registerDriver(createVfioPciDriver({ devices }));
  const resets: string[] = [];
  const nic = await pci.addFunction({
    bdf: '0000:03:00.0',
    vendorId: 0x8086,
    deviceId: 0x1572,
    resource: () => ({ bar0: 'i40e', reset: async () => void resets.push('0000:03:00.0') }),
  });
  const gpu = await pci.addFunction({
    bdf: '0000:04:00.0',
    vendorId: 0x10de,
    deviceId: 0x2330,
    resource: () => ({ bar0: 'gpu' }),
  });
  return { pci, devices, nic, gpu, resets };
}

describe('vfio-pci', () => {
  it('never binds by itself, binds any function whose driver_override names it', async () => {
    const { pci, devices, nic, gpu } = await rig();
    expect([nic.driverName, gpu.driverName]).toEqual([undefined, undefined]);
    await expect(pci.bind(nic.bdf, VFIO_PCI_DRIVER_NAME)).rejects.toSatisfy(code('ENODEV'));
    pci.setDriverOverride(nic.bdf, VFIO_PCI_DRIVER_NAME);
    pci.setDriverOverride(gpu.bdf, VFIO_PCI_DRIVER_NAME);
    await pci.reprobe(nic.bdf);
    await pci.bind(gpu.bdf, VFIO_PCI_DRIVER_NAME);
    expect([nic.driverName, gpu.driverName]).toEqual(['vfio-pci', 'vfio-pci']);
    expect(devices.list()).toEqual(['0000:03:00.0', '0000:04:00.0']);
  });

  it('hands the function to the user, resets it, and has no migration', async () => {
    const { pci, devices, nic, gpu, resets } = await rig();
    for (const f of [nic, gpu]) {
      pci.setDriverOverride(f.bdf, VFIO_PCI_DRIVER_NAME);
      await pci.reprobe(f.bdf);
    }
    const fd = await devices.open(nic.bdf);
    expect(fd.region).toMatchObject({ bar0: 'i40e' });
    await fd.reset();
    expect(resets).toEqual(['0000:03:00.0']);
    await expect(
      fd.deviceFeature(VfioFeature.MIGRATION | FeatureFlag.GET, Buffer.alloc(8)),
    ).rejects.toSatisfy(code('ENOTTY'));
    const g = await devices.open(gpu.bdf);
    await expect(g.reset()).rejects.toSatisfy(code('EINVAL'));

    await pci.unbind(nic.bdf);
    expect(devices.list()).toEqual(['0000:04:00.0']);
    expect(() => fd.region).toThrow(/gone/);
    await expect(devices.open(nic.bdf)).rejects.toSatisfy(code('ENODEV'));
    await fd.close();
    await pci.removeFunction(gpu);
    await expect(g.deviceFeature(VfioFeature.MIGRATION | FeatureFlag.GET)).rejects.toSatisfy(
      code('ENOTTY'),
    );
    expect(devices.list()).toEqual([]);
  });
});

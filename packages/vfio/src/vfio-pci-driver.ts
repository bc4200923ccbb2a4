/**
 * createVfioPciDriver: `vfio-pci`, the plain PCI driver on vfio-pci-core:
 * hands any PCI function to a user, with no migration and no DMA logging
 * (those features answer ENOTTY). Its id table is one override-only entry
 * for every vendor and device, so it never binds by itself — only a
 * function whose `driver_override` is `vfio-pci`. The function's reset is
 * the resource's own `reset()` when it has one.
 *
 * It shows the library serving more than one driver: mlx5_vfio_pci is the
 * same device with migration and log ops added.
 *
 * Owns: the devices it probed. Never: the functions (the PCI bus).
 */
import { PCI_ANY_ID, type PciDriver } from '@auxctl/core';
import type { VfioDevices } from './device/vfio-devices.js';
import { VfioPciCoreDevice } from './device/vfio-pci-core-device.js';

/** VFIO_PCI_DRIVER_NAME: the driver's name on the PCI bus. */
export const VFIO_PCI_DRIVER_NAME = 'vfio-pci';

interface Resettable {
  reset(): Promise<void>;
}

const resettable = (r: unknown): r is Resettable =>
  typeof r === 'object' && r !== null && typeof (r as Resettable).reset === 'function';

/** createVfioPciDriver: see the module header. */
export function createVfioPciDriver(opts: { readonly devices: VfioDevices }): PciDriver {
  return {
    name: VFIO_PCI_DRIVER_NAME,
    idTable: [{ vendor: PCI_ANY_ID, device: PCI_ANY_ID, overrideOnly: true }],
    probe(fn) {
      const dev = new VfioPciCoreDevice({
        fn,
        ...(resettable(fn.resource) && {
          resetFunction: (r: unknown) => (r as Resettable).reset(),
        }),
      });
      opts.devices.add(dev);
      fn.drvdata = dev;
    },
    remove(fn) {
      const dev = fn.drvdata as VfioPciCoreDevice | undefined;
      if (dev) opts.devices.remove(dev);
    },
  };
}

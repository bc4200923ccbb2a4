/**
 * VfioDevices: the vfio devices vfio-pci drivers have registered, by the
 * address of their PCI function — what `/dev/vfio/devices/` is to a VMM.
 * A driver's probe adds its device, its remove takes it away (and
 * unregisters it); a user opens one by address.
 *
 * USAGE
 *   const vfio = new VfioDevices();
 *   await pci.registerDriver(createVfioPciDriver({ devices: vfio }));
 *   pci.setDriverOverride(bdf, 'vfio-pci'); await pci.reprobe(bdf);
 *   const fd = await vfio.open(bdf);   // fd.region, fd.deviceFeature(...)
 *
 * Owns: the name table. Never: a device's state (its own).
 */
import { AuxError } from '@auxctl/prm';
import type { VfioDeviceFd, VfioPciCoreDevice } from './vfio-pci-core-device.js';

/** VfioDevices: see the module header. */
export class VfioDevices {
  private readonly devs = new Map<string, VfioPciCoreDevice>();

  /** add: publish `dev`; EEXIST when its function has one. */
  add(dev: VfioPciCoreDevice): void {
    if (this.devs.has(dev.bdf)) {
      throw new AuxError('EEXIST', `a vfio device for ${dev.bdf} is already registered`);
    }
    this.devs.set(dev.bdf, dev);
  }

  /** remove: unpublish and unregister `dev` (its open fds then see it gone). */
  remove(dev: VfioPciCoreDevice): void {
    if (this.devs.get(dev.bdf) === dev) this.devs.delete(dev.bdf);
    dev.unregister();
  }

  /** get: the device of `bdf`; ENODEV when none. */
  get<R = unknown>(bdf: string): VfioPciCoreDevice<R> {
    const dev = this.devs.get(bdf.toLowerCase());
    if (!dev) throw new AuxError('ENODEV', `no vfio device for ${bdf}`);
    return dev as VfioPciCoreDevice<R>;
  }

  /** open: a new fd of `bdf`'s device (see VfioPciCoreDevice.open). */
  async open<R = unknown>(bdf: string): Promise<VfioDeviceFd<R>> {
    return this.get<R>(bdf).open();
  }

  /** list: the registered addresses. */
  list(): string[] {
    return [...this.devs.keys()];
  }
}

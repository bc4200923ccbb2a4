/**
 * VdpaBus: the vdpa bus (the kernel's drivers/vdpa/vdpa.c): vdpa devices
 * made by device implementations, vdpa drivers that consume them, and the
 * binding between them.
 *
 * PURPOSE
 *
 * A vDPA device has a virtio data path (split rings in DMA memory that the
 * device reads directly) and a vendor control path. The bus hides the
 * vendor behind `VdpaConfigOps`, so one virtio-net driver or one user-space
 * access path serves every vendor.
 *
 * USAGE
 *
 * Matching is match-all: every driver may take every device, the first
 * registered driver that probes successfully wins, and a device's driver
 * override (sysfs `driver_override`) restricts it to one named driver. The
 * bus's own probe step refuses a device whose vq num max is below its min.
 * Binding reuses core's `DriverBinding` (one probe/remove protocol for
 * both buses) under each device's `DeviceLock`.
 *
 * Devices made by a management device (`vdpa dev add`) go through
 * `mgmt` (`VdpaManagement`); `addDevice` is for implementations that
 * create devices themselves.
 *
 * LIFESPAN
 *
 *  1. `addDevice(init)` validates, names (`vdpaN` from an index allocator
 *     unless named; EEXIST on a duplicate), publishes (`added` event) and
 *     offers the device to the drivers. On failure nothing exists.
 *  2. The bound driver uses the device; `unbind` / `bind` move it.
 *  3. `removeDevice(vdev)` unbinds (remove runs once), unpublishes
 *     (`removed`), frees the index and calls the device's `free` op. From
 *     now on the device answers ENODEV.
 *
 * EXAMPLE
 *
 *   const bus = new VdpaBus();
 *   await bus.registerDriver(createVirtioNetDriver({ registry }));
 *   const vdev = await bus.addDevice({ config: ops, dma, nvqs: 3 });
 *   ...
 *   await bus.removeDevice(vdev);
 *
 * Owns: which vdpa devices and drivers exist and who is bound. Never:
 * calls a device's ops except the vq size check and `free`.
 */
import {
  asAuxError,
  DriverBinding,
  type DriverRecord,
  EventChannel,
  IdAllocator,
  type Logger,
  printable,
  silentLogger,
} from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import { VdpaManagement } from '../mgmt/vdpa-management.js';
import { bindingOf, checkDeviceInit, VdpaDevice, type VdpaDeviceInit } from './vdpa-device.js';
import { checkVdpaDriver, checkVqSizes, type VdpaDriver } from './vdpa-driver.js';
import { statusEvents, type VdpaEvent } from './vdpa-events.js';

/** VdpaBusOptions: how to build a bus. */
export interface VdpaBusOptions {
  readonly log?: Logger;
}

/** VdpaDeviceInfo: one device as `vdpa dev show` lists it (plain data). */
export interface VdpaDeviceInfo {
  readonly name: string;
  readonly mgmtdev: string | undefined;
  readonly deviceId: number;
  readonly vendorId: number;
  readonly maxVqs: number;
  readonly maxVqSize: number;
  readonly minVqSize: number;
  readonly driver: string | undefined;
  readonly driverOverride: string | undefined;
  readonly dmaDev: string | undefined;
}

type Rec = DriverRecord<VdpaDriver, string>;

/** VdpaBus: see the module header. */
export class VdpaBus {
  /** events: devices added / removed, bind / unbind, status and NEEDS_RESET. */
  readonly events: EventChannel<VdpaEvent>;
  /** mgmt: management devices and `dev add` / `dev del` / show. */
  readonly mgmt: VdpaManagement;

  private readonly log: Logger;
  private readonly ids = new IdAllocator();
  private readonly devices = new Map<string, VdpaDevice>();
  private readonly drivers = new Map<string, Rec>();
  private readonly lastStatus = new WeakMap<VdpaDevice, number>();
  private readonly binding: DriverBinding<VdpaDevice, VdpaDriver, string>;

  constructor(opts: VdpaBusOptions = {}) {
    this.log = (opts.log ?? silentLogger).child({ subsystem: 'vdpa' });
    this.events = new EventChannel<VdpaEvent>((err) =>
      this.log.error({ err }, 'vdpa event listener threw'),
    );
    this.binding = new DriverBinding<VdpaDevice, VdpaDriver, string>({
      log: this.log,
      registered: (rec) => this.drivers.get(rec.drv.name) === rec,
      match: (rec, vdev) => {
        const override = vdev.driverOverride;
        return override === undefined || override === rec.drv.name ? rec.drv.name : undefined;
      },
      slot: (vdev) => vdev[bindingOf],
      emit: (action, vdev, driver) => {
        const type = action === 'bind' ? 'bind' : 'unbind';
        this.events.publish({ type, device: vdev.name, driver });
      },
    });
    this.mgmt = new VdpaManagement(this, (init, mgmtdev) => this.publish(init, mgmtdev));
  }

  /**
   * addDevice: step 1, publish a device an implementation made and offer it
   * to the drivers. Throws EINVAL for a malformed init and EEXIST for a
   * name in use; nothing exists then. Undo with `removeDevice`.
   */
  addDevice(init: VdpaDeviceInit): Promise<VdpaDevice> {
    return this.publish(init, undefined);
  }

  /**
   * removeDevice: step 3, unbind and unpublish. Rejects with ENODEV when
   * the device is not on this bus; nothing changed then.
   */
  async removeDevice(vdev: VdpaDevice | string): Promise<void> {
    const dev = this.lookup(typeof vdev === 'string' ? vdev : vdev.name);
    if (typeof vdev !== 'string' && dev !== vdev) {
      throw new AuxError('ENODEV', `${vdev.name} is not on this bus`);
    }
    const slot = dev[bindingOf];
    await slot.lock.run(async () => {
      await this.binding.unbindLocked(dev);
      this.devices.delete(dev.name);
      try {
        dev.markRemoved();
      } catch (err) {
        this.log.error({ err, device: dev.name }, 'free op threw');
      }
    });
    this.ids.free(dev.index);
    this.events.publish({ type: 'removed', device: dev.name, ...mgmtOf(dev) });
  }

  /**
   * registerDriver: add a driver and offer it every unbound device. Throws
   * EINVAL for a malformed driver and EEXIST for a name in use. Undo with
   * `unregisterDriver`.
   */
  async registerDriver(drv: VdpaDriver): Promise<void> {
    checkVdpaDriver(drv);
    if (this.drivers.has(drv.name)) {
      throw new AuxError('EEXIST', `vdpa driver ${drv.name} is already registered`);
    }
    const rec: Rec = { drv: busProbe(drv), idTable: [drv.name], autoloaded: false };
    this.drivers.set(drv.name, rec);
    for (const vdev of [...this.devices.values()]) await this.binding.attach(vdev, [rec]);
  }

  /** unregisterDriver: unbind it everywhere and forget it; ENOENT when not registered. */
  async unregisterDriver(name: string): Promise<void> {
    const rec = this.drivers.get(name);
    if (!rec) throw new AuxError('ENOENT', `vdpa driver ${printable(name)} is not registered`);
    this.drivers.delete(name);
    for (const vdev of [...this.devices.values()]) {
      const slot = vdev[bindingOf];
      if (slot.driver !== rec.drv) continue;
      await slot.lock.run(async () => {
        if (slot.driver === rec.drv) await this.binding.unbindLocked(vdev);
      });
    }
  }

  /**
   * setDriverOverride: restrict `device` to the driver `name` (undefined
   * clears it), like writing sysfs `driver_override`; it does not rebind.
   * ENODEV for an unknown device, EINVAL for a malformed name.
   */
  setDriverOverride(device: string, name: string | undefined): void {
    const vdev = this.lookup(device);
    if (name !== undefined && !/^[A-Za-z0-9_.-]{1,64}$/.test(name)) {
      throw new AuxError('EINVAL', 'driver_override must be a driver name');
    }
    vdev[bindingOf].driverOverride = name;
  }

  /**
   * bind: probe `driver` on `device` now. ENODEV for an unknown device or a
   * driver the override excludes, ENOENT for an unknown driver, EBUSY when
   * the device has a driver, or the probe's error; the device stays unbound.
   */
  async bind(device: string, driver: string): Promise<void> {
    const vdev = this.lookup(device);
    const rec = this.drivers.get(driver);
    if (!rec) throw new AuxError('ENOENT', `vdpa driver ${printable(driver)} is not registered`);
    const slot = vdev[bindingOf];
    await slot.lock.run(async () => {
      if (!vdev.live) throw new AuxError('ENODEV', `${device} is no longer on the bus`);
      if (slot.driver) throw new AuxError('EBUSY', `${device} is bound to ${slot.driver.name}`);
      if (slot.driverOverride !== undefined && slot.driverOverride !== driver) {
        throw new AuxError('ENODEV', `${device} is reserved for ${slot.driverOverride}`);
      }
      const err = await this.binding.probeLocked(vdev, rec, driver);
      if (err !== undefined) throw asAuxError(err, `probe of ${device} by ${driver} failed`);
    });
  }

  /** unbind: remove the bound driver of `device`; ENODEV when it has none. */
  async unbind(device: string): Promise<void> {
    const vdev = this.lookup(device);
    const slot = vdev[bindingOf];
    await slot.lock.run(async () => {
      if (!slot.driver) throw new AuxError('ENODEV', `${device} has no driver bound`);
      await this.binding.unbindLocked(vdev);
    });
  }

  /** find: the device of that name, if on the bus. */
  find(name: string): VdpaDevice | undefined {
    return this.devices.get(name);
  }

  /** listDevices: `vdpa dev show` as plain data, in add order. */
  listDevices(): VdpaDeviceInfo[] {
    return [...this.devices.values()].map(deviceInfo);
  }

  /** listDrivers: registered driver names in registration order. */
  listDrivers(): string[] {
    return [...this.drivers.keys()];
  }

  private async publish(init: VdpaDeviceInit, mgmtdev: string | undefined): Promise<VdpaDevice> {
    checkDeviceInit(init);
    if (init.name !== undefined && this.devices.has(init.name)) {
      throw new AuxError('EEXIST', `vdpa device ${init.name} exists; pick another name`);
    }
    const index = this.ids.alloc();
    const vdev = new VdpaDevice(init, {
      index,
      mgmtdev,
      onStatus: (d, status) => this.statusChanged(d, status),
    });
    if (this.devices.has(vdev.name)) {
      this.ids.free(index);
      throw new AuxError('EEXIST', `vdpa device ${vdev.name} exists; pick another name`);
    }
    this.devices.set(vdev.name, vdev);
    this.events.publish({ type: 'added', device: vdev.name, ...mgmtOf(vdev) });
    await this.binding.attach(vdev, [...this.drivers.values()]);
    return vdev;
  }

  private statusChanged(vdev: VdpaDevice, status: number): void {
    const before = this.lastStatus.get(vdev) ?? 0;
    this.lastStatus.set(vdev, status);
    for (const e of statusEvents(vdev.name, before, status)) this.events.publish(e);
  }

  private lookup(name: string): VdpaDevice {
    const vdev = this.devices.get(name);
    if (!vdev) throw new AuxError('ENODEV', `no vdpa device ${printable(name)}`);
    return vdev;
  }
}

/** busProbe: `drv` behind the bus's own probe step (the vq size check). */
function busProbe(drv: VdpaDriver): VdpaDriver {
  const remove = drv.remove?.bind(drv);
  return {
    name: drv.name,
    probe: (vdev) => {
      checkVqSizes(vdev);
      return drv.probe(vdev);
    },
    ...(remove ? { remove } : {}),
  };
}

function mgmtOf(vdev: VdpaDevice): { mgmtdev?: string } {
  return vdev.mgmtdev === undefined ? {} : { mgmtdev: vdev.mgmtdev };
}

/** deviceInfo: a snapshot of `vdev`. */
export function deviceInfo(vdev: VdpaDevice): VdpaDeviceInfo {
  const c = vdev.config;
  const { min, max } = vdev.vqSizeRange();
  return {
    name: vdev.name,
    mgmtdev: vdev.mgmtdev,
    deviceId: c.getDeviceId(),
    vendorId: c.getVendorId(),
    maxVqs: vdev.nvqs,
    maxVqSize: max,
    minVqSize: min,
    driver: vdev.driverName,
    driverOverride: vdev.driverOverride,
    dmaDev: vdev.dmaDev,
  };
}

/**
 * PciBus: a generic PCI bus beside the auxiliary bus (the kernel's
 * drivers/pci/pci-driver.c and the SR-IOV half of drivers/pci/iov.c).
 *
 * PURPOSE
 *
 * PCI functions are found (a platform adds the PFs it sees) or created (a
 * PF driver enables SR-IOV VFs); drivers bind to them by vendor and device
 * id, or — for a driver that must never bind by itself, such as a vfio
 * variant driver — only when an administrator writes the function's
 * `driver_override`. The bus knows nothing of what a function is: the
 * resource a driver maps (`fn.resource`) is opaque to it.
 *
 * USAGE
 *
 * Matching follows pci-driver.ts. A VF binds by itself only while its PF's
 * `sriov_drivers_autoprobe` is on or an override is set; otherwise nothing
 * probes it, not even `bind` (ENODEV), until one of the two changes and
 * `reprobe` (sysfs `drivers_probe`) or `bind` runs. Binding reuses core's
 * `DriverBinding` (one probe/remove protocol for every bus here) under
 * each function's `DeviceLock`.
 *
 * SR-IOV is a toolbox, not a midlayer: `writeNumVfs` applies the sysfs
 * rules (sriov-numvfs.ts) and calls the PF driver's `sriovConfigure`,
 * which does its device's part and calls `enableSriov` / `disableSriov`
 * for the PCI part (adding or removing the VF functions) in the order its
 * device needs.
 *
 * LIFESPAN
 *
 *  1. `addFunction(init)` publishes a function (`add` event) and binds the
 *     first matching driver. On failure nothing was published.
 *  2. The bound driver uses `fn.resource`; `bind` / `unbind` move it.
 *  3. `removeFunction(fn)` removes a PF's VFs (children before parent),
 *     unbinds (remove runs once) and unpublishes (`remove`). From now on
 *     the function answers ENODEV.
 * VFs follow the same steps through `enableSriov` / `disableSriov`.
 *
 * EXAMPLE
 *
 *   const pci = new PciBus();
 *   await pci.registerDriver(createCorePciDriver({ pci, bus }));
 *   const pf = await pci.addFunction({ bdf: sim.identity.bdf, vendorId: 0x15b3,
 *     deviceId: 0x101d, resource: () => sim, sriov: { totalVfs: 8, ... } });
 *   await pci.writeNumVfs(pf.bdf, '4');     // VFs 0000:08:00.2 .. .5, bound
 *   await pci.writeNumVfs(pf.bdf, '0');
 *   await pci.removeFunction(pf);
 *
 * Owns: which functions and drivers exist and who is bound. Never: looks
 * inside a resource, or calls a driver except through its callbacks.
 */
import { AuxError, formatPciAddress, vfAddress } from '@auxctl/prm';
import { asAuxError, DriverBinding, type DriverRecord } from '../bus/driver-binding.js';
import { EventChannel } from '../event-channel.js';
import { type Logger, silentLogger } from '../log.js';
import { printable } from '../printable.js';
import {
  checkPciDriver,
  matchPciDevice,
  PCI_DRIVER_NAME,
  type PciDeviceId,
  type PciDriver,
} from './pci-driver.js';
import { PciFunction, type PciFunctionInit, pciPrivate } from './pci-function.js';
import { type PciFunctionInfo, pciFunctionInfo } from './pci-info.js';
import { decideNumVfs, parseNumVfs } from './sriov-numvfs.js';

/** PciEvent: what the bus announces. */
export type PciEvent =
  | { readonly type: 'add' | 'remove'; readonly bdf: string }
  | { readonly type: 'bind' | 'unbind'; readonly bdf: string; readonly driver: string }
  | { readonly type: 'sriov'; readonly bdf: string; readonly numVfs: number };

type Rec = DriverRecord<PciDriver, PciDeviceId>;

/** PciBus: see the module header. */
export class PciBus {
  readonly events: EventChannel<PciEvent>;
  private readonly log: Logger;
  private readonly fns = new Map<string, PciFunction>();
  private readonly drivers = new Map<string, Rec>();
  private readonly binding: DriverBinding<PciFunction, PciDriver, PciDeviceId>;

  constructor(opts: { readonly log?: Logger } = {}) {
    this.log = (opts.log ?? silentLogger).child({ subsystem: 'pci' });
    this.events = new EventChannel<PciEvent>((err) =>
      this.log.error({ err }, 'pci event listener threw'),
    );
    this.binding = new DriverBinding<PciFunction, PciDriver, PciDeviceId>({
      log: this.log,
      registered: (rec) => this.drivers.get(rec.drv.name) === rec,
      match: (rec, fn) => (canProbe(fn) ? matchPciDevice(rec.drv, rec.idTable, fn) : undefined),
      slot: (fn) => fn[pciPrivate],
      emit: (action, fn, driver) => {
        if (action === 'bind' || action === 'unbind') {
          this.events.publish({ type: action, bdf: fn.bdf, driver });
        }
      },
    });
  }

  /** addFunction: step 1 (see LIFESPAN). EINVAL for a bad init, EEXIST for a BDF in use. */
  async addFunction<R>(init: PciFunctionInit<R>): Promise<PciFunction<R>> {
    const fn = new PciFunction<R>(init, this);
    await this.publish(fn as PciFunction);
    return fn;
  }

  /**
   * removeFunction: step 3 (see LIFESPAN). ENODEV when not on this bus,
   * EINVAL for a VF (VFs go with `sriov_numvfs` 0), EBUSY from a callback
   * of the function itself; nothing changed then.
   */
  async removeFunction(fn: PciFunction | string): Promise<void> {
    const f = this.lookup(typeof fn === 'string' ? fn : fn.bdf);
    if (f.isVirtfn) {
      throw new AuxError('EINVAL', `${f.bdf} is a VF; write 0 to its PF's sriov_numvfs instead`);
    }
    await this.unpublish(f, async () => {
      if (f.sriov && f.sriov.vfs.length > 0) await this.removeVfs(f);
    });
  }

  /**
   * registerDriver: add a driver and bind it to every matching unbound
   * function. EINVAL for a malformed driver, EEXIST for a name in use.
   * Undo with `unregisterDriver`.
   */
  async registerDriver<R>(drv: PciDriver<R>): Promise<void> {
    checkPciDriver(drv);
    if (this.drivers.has(drv.name)) {
      throw new AuxError('EEXIST', `PCI driver ${drv.name} is already registered`);
    }
    const idTable = Object.freeze(drv.idTable.map((e) => ({ ...e })));
    const rec: Rec = { drv: drv as PciDriver, idTable, autoloaded: false };
    this.drivers.set(drv.name, rec);
    for (const fn of [...this.fns.values()]) await this.binding.attach(fn, [rec]);
  }

  /** unregisterDriver: unbind it everywhere (remove runs on each) and forget it; ENOENT when unknown. */
  async unregisterDriver(name: string): Promise<void> {
    const rec = this.drivers.get(name);
    if (!rec) throw new AuxError('ENOENT', `PCI driver ${printable(name)} is not registered`);
    this.drivers.delete(name);
    // Newest first: VFs go before the PF that made them.
    await this.binding.detachDriver([...this.fns.values()].reverse(), rec.drv);
  }

  /**
   * bind: probe `driver` on `bdf` now (sysfs `bind`). ENODEV for an unknown
   * function, a VF that may not probe (autoprobe off, no override) or a
   * driver that does not match; ENOENT for an unknown driver; EBUSY when
   * bound; or the probe's error. The function stays unbound on failure.
   */
  async bind(bdf: string, driver: string): Promise<void> {
    const fn = this.lookup(bdf);
    const rec = this.drivers.get(driver);
    if (!rec) throw new AuxError('ENOENT', `PCI driver ${printable(driver)} is not registered`);
    await this.binding.bind(fn, rec, () => {
      if (!canProbe(fn)) {
        throw new AuxError(
          'ENODEV',
          `${fn.bdf} may not probe: its PF's sriov_drivers_autoprobe is 0; set driver_override first`,
        );
      }
      const id = matchPciDevice(rec.drv, rec.idTable, fn);
      if (!id) throw new AuxError('ENODEV', `PCI driver ${driver} does not handle ${fn.bdf}`);
      return id;
    });
  }

  /** unbind: remove the bound driver (only `driver`, when given); ENODEV when it has none or another. */
  async unbind(bdf: string, driver?: string): Promise<void> {
    const fn = this.lookup(bdf);
    const p = fn[pciPrivate];
    await p.lock.run(async () => {
      if (!p.driver) throw new AuxError('ENODEV', `${fn.bdf} has no driver bound`);
      if (driver !== undefined && p.driver.name !== driver) {
        throw new AuxError('ENODEV', `${fn.bdf} is bound to ${p.driver.name}, not ${driver}`);
      }
      await this.binding.unbindLocked(fn);
    });
  }

  /** reprobe: offer an unbound function to every driver now (sysfs `drivers_probe`); ENODEV when unknown. */
  async reprobe(bdf: string): Promise<void> {
    await this.binding.attach(this.lookup(bdf), [...this.drivers.values()]);
  }

  /**
   * setDriverOverride: sysfs `driver_override` (undefined or '' clears it).
   * It does not rebind: unbind and reprobe for that. ENODEV for an unknown
   * function, EINVAL for a malformed name.
   */
  setDriverOverride(bdf: string, name: string | undefined): void {
    const fn = this.lookup(bdf);
    const v = name === '' || name === '\n' ? undefined : name?.replace(/\n$/, '');
    if (v !== undefined && !PCI_DRIVER_NAME.test(v)) {
      throw new AuxError(
        'EINVAL',
        'driver_override must be a driver name (1-64 of [A-Za-z0-9_.-])',
      );
    }
    fn[pciPrivate].driverOverride = v;
  }

  /** setDriversAutoprobe: a PF's `sriov_drivers_autoprobe`; read when a VF is next probed. ENODEV without SR-IOV. */
  setDriversAutoprobe(bdf: string, on: boolean): void {
    const fn = this.lookup(bdf);
    if (!fn.sriov) throw new AuxError('ENODEV', `${fn.bdf} has no SR-IOV capability`);
    if (typeof on !== 'boolean')
      throw new AuxError('EINVAL', 'sriov_drivers_autoprobe is a boolean');
    fn.sriov.driversAutoprobe = on;
  }

  /**
   * writeNumVfs: a write of the PF's `sriov_numvfs` (sriov-numvfs.ts has
   * the input syntax and the rules and their errnos; ENODEV for a function
   * without SR-IOV). Runs the PF driver's `sriovConfigure` with the PF
   * locked and resolves the VF count now enabled; the hook's error is
   * rethrown as it came (EIO for a non-AuxError).
   */
  async writeNumVfs(bdf: string, input: unknown): Promise<number> {
    const fn = this.lookup(bdf);
    const requested = parseNumVfs(input);
    const sriov = fn.sriov;
    if (!sriov)
      throw new AuxError('ENODEV', `${fn.bdf} has no SR-IOV capability (no sriov_numvfs)`);
    const p = fn[pciPrivate];
    return p.lock.run(async () => {
      const drv = p.driver;
      const outcome = decideNumVfs({
        requested,
        current: sriov.numVfs,
        totalVfs: sriov.totalVfs,
        driver: drv?.name,
        hasConfigure: typeof drv?.sriovConfigure === 'function',
      });
      if (outcome === 'unchanged') return sriov.numVfs;
      let got: number;
      try {
        got = await drv!.sriovConfigure!(fn, requested);
      } catch (err) {
        throw asAuxError(err, `${drv!.name}: sriov_configure(${requested}) on ${fn.bdf} failed`);
      }
      if (got !== requested) {
        this.log.warn({ bdf: fn.bdf, requested, enabled: got }, `only ${got} VFs enabled`);
      }
      return sriov.numVfs;
    });
  }

  /**
   * enableSriov: the PCI part of enabling `numVfs` VFs (`pci_enable_sriov`),
   * for the PF driver's `sriovConfigure`: a VF function per index at the
   * address the PF's offset and stride give, device id `sriov_vf_device`,
   * `vfResource(index)` behind it, each added and probed (autoprobe rules
   * apply). ENODEV without SR-IOV, EINVAL for a count outside
   * 1..sriov_totalvfs, EBUSY when VFs are enabled; on any failure the VFs
   * added so far are removed again and the error rethrown.
   */
  async enableSriov<R>(
    pf: PciFunction,
    numVfs: number,
    vfResource: (vf: number) => R,
  ): Promise<void> {
    const sriov = pf.sriov;
    if (!sriov) throw new AuxError('ENODEV', `${pf.bdf} has no SR-IOV capability`);
    if (!Number.isInteger(numVfs) || numVfs < 1 || numVfs > sriov.totalVfs) {
      throw new AuxError('EINVAL', `numVfs must be 1..${sriov.totalVfs}, got ${numVfs}`);
    }
    if (sriov.vfs.length > 0) throw new AuxError('EBUSY', `${pf.bdf} already has VFs enabled`);
    sriov.numVfs = numVfs;
    try {
      for (let i = 0; i < numVfs; i++) {
        const bdf = formatPciAddress(vfAddress(pf.address, sriov, i));
        const vf = new PciFunction(
          { bdf, vendorId: pf.vendorId, deviceId: sriov.vfDeviceId, resource: () => vfResource(i) },
          this,
          { physfn: pf, index: i },
        );
        await this.publish(vf, () => sriov.vfs.push(vf));
      }
    } catch (err) {
      await this.removeVfs(pf);
      throw err;
    }
    this.events.publish({ type: 'sriov', bdf: pf.bdf, numVfs });
  }

  /** disableSriov: the PCI part of disabling (`pci_disable_sriov`): every VF removed, newest first. */
  async disableSriov(pf: PciFunction): Promise<void> {
    if (!pf.sriov) throw new AuxError('ENODEV', `${pf.bdf} has no SR-IOV capability`);
    if (pf.sriov.vfs.length === 0) return;
    await this.removeVfs(pf);
    this.events.publish({ type: 'sriov', bdf: pf.bdf, numVfs: 0 });
  }

  /**
   * pfDriverData: the drvdata of `vf`'s PF when the PF is bound to
   * `driver` (the kernel's `pci_iov_get_pf_drvdata`): how a VF driver
   * reaches its PF's driver through the driver model. EINVAL when `vf` is
   * not a VF or its PF has another driver (or none).
   */
  pfDriverData(vf: PciFunction, driver: string): unknown {
    const pf = vf.physfn;
    if (!pf) throw new AuxError('EINVAL', `${vf.bdf} is not a VF`);
    if (pf.driverName !== driver) {
      throw new AuxError('EINVAL', `${vf.bdf}'s PF ${pf.bdf} is not bound to ${driver}`);
    }
    return pf.drvdata;
  }

  /** find: the function at `bdf` (either case), if on the bus. */
  find(bdf: string): PciFunction | undefined {
    return this.fns.get(bdf.toLowerCase());
  }

  /** list: every function as plain data, in add order. */
  list(): PciFunctionInfo[] {
    return [...this.fns.values()].map(pciFunctionInfo);
  }

  /** listDrivers: registered driver names in registration order. */
  listDrivers(): string[] {
    return [...this.drivers.keys()];
  }

  private async publish(fn: PciFunction, linked?: () => void): Promise<void> {
    if (this.fns.has(fn.bdf)) {
      throw new AuxError('EEXIST', `a PCI function ${fn.bdf} is already on the bus`);
    }
    this.fns.set(fn.bdf, fn);
    linked?.();
    this.events.publish({ type: 'add', bdf: fn.bdf });
    await this.binding.attach(fn, [...this.drivers.values()]);
  }

  /** unpublish: `before` (with the lock held), unbind, forget. */
  private async unpublish(fn: PciFunction, before?: () => Promise<void>): Promise<void> {
    const p = fn[pciPrivate];
    if (p.state !== 'added') throw new AuxError('ENODEV', `${fn.bdf} is being removed`);
    if (p.lock.heldByCaller()) {
      throw new AuxError('EBUSY', `${fn.bdf}: a callback cannot remove its own function`);
    }
    p.state = 'removing';
    await p.lock.run(async () => {
      await before?.();
      await this.binding.unbindLocked(fn);
      this.fns.delete(fn.bdf);
      p.state = 'removed';
    });
    this.events.publish({ type: 'remove', bdf: fn.bdf });
  }

  private async removeVfs(pf: PciFunction): Promise<void> {
    const sriov = pf.sriov!;
    for (const vf of [...sriov.vfs].reverse()) {
      sriov.vfs.pop();
      if (vf[pciPrivate].state === 'added') await this.unpublish(vf);
    }
    sriov.numVfs = 0;
  }

  private lookup(bdf: string): PciFunction {
    const fn = typeof bdf === 'string' ? this.fns.get(bdf.toLowerCase()) : undefined;
    if (!fn) throw new AuxError('ENODEV', `no PCI function ${printable(bdf)} on the bus`);
    return fn;
  }
}

/**
 * canProbe: the kernel's `pci_device_can_probe`: a PF always; a VF only
 * while its PF's sriov_drivers_autoprobe is on or it has a driver_override.
 */
function canProbe(fn: PciFunction): boolean {
  const pf = fn.physfn;
  return !pf || (pf.sriov?.driversAutoprobe ?? true) || fn.driverOverride !== undefined;
}

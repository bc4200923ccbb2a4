/**
 * AuxiliaryBus: a generic bus on which one package publishes devices and
 * others bind to them, after Linux's drivers/base/auxiliary.c.
 *
 * PURPOSE
 *
 * A device with several functions (a NIC with Ethernet, RDMA and a
 * firmware control channel) is owned by one core driver, but each function
 * is best served by its own package. The core splits the device by the
 * software API each function needs, not by registers: it publishes one
 * auxiliary device per function, carrying a `shared` object through which
 * the bound driver reaches the core. Drivers never discover siblings by
 * other means; the bus is the only meeting point, and it knows nothing of
 * what the devices are.
 *
 * USAGE
 *
 * A device is named `<modname>.<name>.<id>`: `modname` is the publisher
 * (`mlx5_core`), `name` the function (`eth`), and `id` tells apart the
 * instances one publisher makes (`mlx5_core.eth.0`, `mlx5_core.eth.1`). A
 * driver lists in its `idTable` the match names it handles
 * (`mlx5_core.eth`); the bus compares a device's name up to its last `.`
 * with each entry, exactly. The pairing of `modname.name` must be unique
 * per publisher, and `modname.name.id` on the bus (EEXIST otherwise).
 *
 * Every device change is announced on `uevents` with
 * `MODALIAS=auxiliary:<modname>.<name>`. When a device is added and no
 * registered driver matches, the bus asks the optional resolver for a
 * driver (like udev running modprobe; see `moduleResolver`) and binds what
 * it returns. Drivers can be bound and unbound by name at run time, as with
 * sysfs `bind` / `unbind`.
 *
 * LIFESPAN
 *
 * The publisher owns the device's memory; the bus owns its presence.
 *
 *  1. `init(opts)` validates the name and returns a device holding one
 *     reference (the init reference), state `initialized`. On failure
 *     nothing exists and nothing needs undoing.
 *  2. `add(adev)` publishes the device (state `added`, the bus takes its own
 *     reference and one on a parent device), emits `add`, and binds the
 *     first matching driver, autoloading one if needed. A driver that fails
 *     to probe leaves the device added and unbound; `add` still succeeds.
 *     If `add` itself fails, the device was never published and the caller
 *     must `uninit(adev)` it.
 *  3. While added, the bound driver uses `adev.shared`. Holders that may
 *     outlive the binding take `adev.get()` and later `adev.put()`.
 *  4. `delete(adev)` unbinds the driver (its `remove` runs exactly once),
 *     emits `unbind` and `remove`, unpublishes the device (state
 *     `deleted`) and drops the bus's references. From now on `shared` and
 *     `ensureLive()` throw ENODEV: stale holders get an answer, not a crash.
 *  5. `uninit(adev)` drops the init reference. The publisher's `release`
 *     runs when the last reference drops, which is here unless a holder
 *     still has one, and then at that holder's `put()`.
 *
 * Operations on one device are serialized by its lock; different devices
 * never wait for each other, so a probe may itself add devices (the
 * sub-function case). A driver callback must not delete, bind, unbind,
 * suspend or resume its own device: that would wait for itself, and is
 * refused with EBUSY.
 *
 * EXAMPLE
 *
 *   // publisher
 *   const adev = bus.init({ modname: 'mlx5_core', name: 'eth', id: 0,
 *                           parent: '0000:08:00.0', shared: ethApi,
 *                           release: () => ethApi.close() });
 *   try { await bus.add(adev); } catch (e) { bus.uninit(adev); throw e; }
 *   ...
 *   await bus.delete(adev);
 *   bus.uninit(adev);
 *
 *   // driver package
 *   export const auxiliaryDriver: AuxiliaryDriver<EthApi> = {
 *     name: 'mlx5e.eth',
 *     idTable: [{ name: 'mlx5_core.eth' }],
 *     async probe(adev) { adev.drvdata = await Netdev.create(adev.shared); },
 *     async remove(adev) { await (adev.drvdata as Netdev).destroy(); },
 *   };
 *   await bus.registerDriver(auxiliaryDriver);
 *
 * Owns: which devices are published and which driver each is bound to.
 * Never: looks inside `shared`, or calls a driver except through its
 * callbacks.
 */
import { AuxError } from '@auxctl/prm';
import { EventChannel } from '../event-channel.js';
import { type Logger, silentLogger } from '../log.js';
import { printable } from '../printable.js';
import { type AuxDeviceInit, AuxiliaryDevice, devicePrivate } from './auxiliary-device.js';
import {
  type AuxiliaryDeviceId,
  type AuxiliaryDriver,
  checkDriver,
  matchId,
  supportsSuspend,
} from './auxiliary-driver.js';
import { type AuxDeviceInfo, type AuxDriverInfo, deviceInfo, driverInfo } from './bus-info.js';
import { detached } from './device-lock.js';
import { resumeDevice, shutdownDevice, suspendDevice } from './device-power.js';
import { DriverAutoload } from './driver-autoload.js';
import { DriverBinding, type DriverRecord } from './driver-binding.js';
import type { AuxDriverResolver } from './module-resolver.js';
import { makeUevent, type Uevent, type UeventAction } from './uevent.js';

/** AuxiliaryBusOptions: how to build a bus. */
export interface AuxiliaryBusOptions {
  readonly log?: Logger;
  /** Finds a driver for a device no registered driver matches (autoload). */
  readonly resolver?: AuxDriverResolver;
}

/** AuxiliaryBus: devices, drivers and the binding between them. */
export class AuxiliaryBus {
  /** uevents: add / remove / bind / unbind announcements (subscribe or stream). */
  readonly uevents: EventChannel<Uevent>;

  private readonly log: Logger;
  private resolver: AuxDriverResolver | undefined;
  /** Published devices by name, in add order. */
  private readonly published = new Map<string, AuxiliaryDevice>();
  /** Every device made by init and not yet released, in init order. */
  private readonly known = new Set<AuxiliaryDevice>();
  private readonly drivers = new Map<string, DriverRecord>();
  private readonly binding: DriverBinding<AuxiliaryDevice, AuxiliaryDriver, AuxiliaryDeviceId>;
  private readonly autoloader: DriverAutoload;
  private readonly background = new Set<Promise<void>>();
  private seqnum = 0;

  constructor(opts: AuxiliaryBusOptions = {}) {
    this.log = (opts.log ?? silentLogger).child({ subsystem: 'auxiliary' });
    this.resolver = opts.resolver;
    this.uevents = new EventChannel<Uevent>((err) =>
      this.log.error({ err }, 'uevent listener threw'),
    );
    const log = this.log;
    this.binding = new DriverBinding({
      log,
      registered: (rec) => this.drivers.get(rec.drv.name) === rec,
      match: (rec, adev) => matchId(rec.idTable, adev.devName),
      slot: (adev) => adev[devicePrivate],
      emit: (action, adev, driver) => this.emit(action, adev, driver),
    });
    this.autoloader = new DriverAutoload({
      log,
      registeredAs: (name) => this.drivers.get(name),
      register: (drv) => {
        const rec = this.addDriverRecord(drv, true);
        // Other devices of this modalias bind in the background: the chain
        // that triggered the load may hold locks they would wait for.
        this.track(() => this.attachDriver(rec));
        return rec;
      },
    });
  }

  /** setResolver: replace (or with undefined, remove) the autoload resolver. */
  setResolver(resolver: AuxDriverResolver | undefined): void {
    this.resolver = resolver;
  }

  /**
   * init: step 1, a new device holding the init reference. Throws EINVAL on
   * an invalid modname, name, id, parent or release; nothing needs undoing.
   * Pair with `uninit` (after `delete` when it was added).
   */
  init<S>(opts: AuxDeviceInit<S>): AuxiliaryDevice<S> {
    const adev = new AuxiliaryDevice<S>(opts, {
      owner: this,
      log: this.log,
      released: (d) => this.known.delete(d),
    });
    this.known.add(adev as AuxiliaryDevice);
    return adev;
  }

  /**
   * add: step 2, publish and probe. Rejects with EEXIST when a device of
   * that name is on the bus (or this one already is), ENODEV when the
   * parent device was deleted, EINVAL when the device is not from this
   * bus's `init` or was deleted or uninitialized. After a rejection the
   * device was never published and the caller must `uninit` it. A probe
   * or autoload failure is logged and does not reject.
   */
  async add(adev: AuxiliaryDevice): Promise<void> {
    const p = this.own(adev)[devicePrivate];
    if (p.state === 'added') throw new AuxError('EEXIST', `${adev.devName} is already added`);
    if (p.state !== 'initialized' || p.uninitDone) {
      const st = p.uninitDone ? 'uninitialized' : p.state;
      throw new AuxError('EINVAL', `${adev.devName} is ${st}; init a new device to add it`);
    }
    if (this.published.has(adev.devName)) {
      throw new AuxError(
        'EEXIST',
        `${adev.devName} already exists on the bus; use another id or delete the old one first`,
      );
    }
    const parent = p.parentRef;
    if (parent && !parent.live) {
      throw new AuxError('ENODEV', `${adev.devName}: parent ${parent.devName} is gone`);
    }
    parent?.get();
    adev.get();
    p.state = 'added';
    this.published.set(adev.devName, adev);
    this.log.debug({ device: adev.devName }, 'device added');
    this.emit('add', adev);

    await this.binding.attach(adev, [...this.drivers.values()]);
    if (p.driver || !adev.live || this.resolver === undefined) return;
    if ([...this.drivers.values()].some((r) => matchId(r.idTable, adev.devName))) return;
    await this.autoload(adev);
  }

  /**
   * delete: step 4, unbind (remove runs once) and unpublish. Rejects with
   * ENODEV when the device is not on the bus or is already being deleted,
   * EBUSY when called from a callback of this device; nothing changed then.
   * After success the caller must still `uninit` the device.
   */
  async delete(adev: AuxiliaryDevice): Promise<void> {
    const p = this.own(adev)[devicePrivate];
    if (p.state !== 'added' || p.dying) {
      throw new AuxError('ENODEV', `${adev.devName} is not on the bus (state ${p.state})`);
    }
    if (p.lock.heldByCaller()) {
      throw new AuxError('EBUSY', `${adev.devName}: a callback cannot delete its own device`);
    }
    p.dying = true;
    await p.lock.run(async () => {
      await this.binding.unbindLocked(adev);
      this.published.delete(adev.devName);
      p.state = 'deleted';
      p.dying = false;
      this.log.debug({ device: adev.devName }, 'device deleted');
      this.emit('remove', adev);
    });
    p.parentRef?.put();
    adev.put();
  }

  /**
   * uninit: step 5, drop the init reference (release runs when it was the
   * last). Throws EBUSY for a device still added (delete it first) and
   * EINVAL when already uninitialized or not from this bus; nothing changed.
   */
  uninit(adev: AuxiliaryDevice): void {
    const p = this.own(adev)[devicePrivate];
    if (p.state === 'added') {
      throw new AuxError('EBUSY', `${adev.devName} is still added; delete it before uninit`);
    }
    if (p.uninitDone || p.state === 'released') {
      throw new AuxError('EINVAL', `${adev.devName} was already uninitialized`);
    }
    p.uninitDone = true;
    adev.put();
  }

  /**
   * registerDriver: add a driver and bind it to every matching unbound
   * device (probe failures are logged). Throws EINVAL for a malformed driver
   * and EEXIST for a name in use, changing nothing. Undo with
   * `unregisterDriver`.
   */
  async registerDriver(drv: AuxiliaryDriver): Promise<void> {
    const rec = this.addDriverRecord(drv, false);
    await this.attachDriver(rec);
  }

  /**
   * unregisterDriver: unbind the driver from every device (remove runs on
   * each) and forget it. Rejects with ENOENT when it is not registered and
   * EBUSY when called from a callback of a device it is bound to; nothing
   * changed then.
   */
  async unregisterDriver(driver: string | AuxiliaryDriver): Promise<void> {
    const name = typeof driver === 'string' ? driver : driver?.name;
    const rec = this.drivers.get(name);
    if (!rec || (typeof driver !== 'string' && rec.drv !== driver)) {
      throw new AuxError('ENOENT', `driver ${printable(name)} is not registered`);
    }
    const bound = () =>
      [...this.published.values()].filter((d) => d[devicePrivate].driver === rec.drv);
    const self = bound().find((d) => d[devicePrivate].lock.heldByCaller());
    if (self) {
      throw new AuxError('EBUSY', `${self.devName}: a callback cannot unregister its own driver`);
    }
    this.drivers.delete(rec.drv.name);
    await this.binding.detachDriver(bound(), rec.drv);
    this.log.debug({ driver: rec.drv.name }, 'driver unregistered');
  }

  /**
   * bind: probe `driver` on `device` now (sysfs `bind`). Rejects with ENODEV
   * when the device is not on the bus or the driver does not match it,
   * ENOENT when no such driver is registered, EBUSY when the device already
   * has a driver, and with the probe's error (an AuxError, EIO for anything
   * else) when probe fails; the device is left unbound in every case.
   */
  async bind(device: string, driver: string): Promise<void> {
    const adev = this.lookup(device);
    const rec = this.drivers.get(driver);
    if (!rec) throw new AuxError('ENOENT', `driver ${driver} is not registered`);
    const id = matchId(rec.idTable, adev.devName);
    if (!id) throw new AuxError('ENODEV', `driver ${driver} does not handle ${device}`);
    await this.binding.bind(adev, rec, () => id);
  }

  /**
   * unbind: remove the driver of `device` (sysfs `unbind`); with `driver`,
   * only if that is the one bound. Rejects with ENODEV when the device is
   * not on the bus, has no driver or has another one; nothing changed then.
   * The device stays added and unbound until `bind` or a new driver.
   */
  async unbind(device: string, driver?: string): Promise<void> {
    const adev = this.lookup(device);
    const p = adev[devicePrivate];
    await p.lock.run(async () => {
      if (p.state !== 'added') throw new AuxError('ENODEV', `${device} is no longer on the bus`);
      if (!p.driver) throw new AuxError('ENODEV', `${device} has no driver bound`);
      if (driver !== undefined && p.driver.name !== driver) {
        throw new AuxError('ENODEV', `${device} is bound to ${p.driver.name}, not ${driver}`);
      }
      await this.binding.unbindLocked(adev);
    });
  }

  /**
   * canSuspend: true when `device` has a driver with both suspend and
   * resume. A reload uses suspend/resume when true, else delete and re-add.
   * Throws ENODEV for an unknown name and EINVAL for a device of another bus.
   */
  canSuspend(device: AuxiliaryDevice | string): boolean {
    return supportsSuspend(this.ref(device)[devicePrivate].driver);
  }

  /**
   * suspend: call the bound driver's suspend. Resolves true when the device
   * is (now or already) suspended, false when it has no driver or the driver
   * cannot suspend (nothing was done: delete and re-add instead). Rejects
   * with ENODEV when the device is not on the bus, or with the driver's
   * error (as AuxError), leaving the device bound and running.
   */
  async suspend(device: AuxiliaryDevice | string): Promise<boolean> {
    const adev = this.ref(device);
    return adev[devicePrivate].lock.run(() => suspendDevice(adev, this.log));
  }

  /**
   * resume: call the bound driver's resume after `suspend`. Resolves true
   * when it ran, false when the device was not suspended. Rejects with
   * ENODEV when the device is not on the bus, or with the driver's error (as
   * AuxError); the device then stays suspended and the caller should delete it.
   */
  async resume(device: AuxiliaryDevice | string): Promise<boolean> {
    const adev = this.ref(device);
    return adev[devicePrivate].lock.run(() => resumeDevice(adev, this.log));
  }

  /**
   * shutdown: call `shutdown` of the driver of every bound device, newest
   * device first. Failures are logged; drivers stay bound. Nothing to undo.
   */
  async shutdown(): Promise<void> {
    for (const adev of [...this.published.values()].reverse()) {
      const p = adev[devicePrivate];
      if (p.lock.heldByCaller()) continue;
      await p.lock.run(() => shutdownDevice(adev, this.log));
    }
  }

  /** find: the device of that name on the bus (no reference taken: `get()` to keep it). */
  find(device: string): AuxiliaryDevice | undefined {
    return this.published.get(device);
  }

  /**
   * listDevices: the devices on the bus in add order; with `all`, every
   * device from `init` not yet released (initialized, deleted but still
   * referenced), in init order, which is how a leak shows.
   */
  listDevices(opts: { all?: boolean } = {}): AuxDeviceInfo[] {
    const devs = opts.all ? [...this.known] : [...this.published.values()];
    return devs.map(deviceInfo);
  }

  /** listDrivers: the registered drivers in registration order. */
  listDrivers(): AuxDriverInfo[] {
    return [...this.drivers.values()].map((rec) => driverInfo(rec, this.published.values()));
  }

  /**
   * settle: wait until background binding (of other devices matching an
   * autoloaded driver) is done, like `udevadm settle`. Not from a callback.
   */
  async settle(): Promise<void> {
    while (this.background.size > 0) await Promise.all([...this.background]);
  }

  /** attachDriver: offer `rec` to every matching device on the bus, in add order. */
  private async attachDriver(rec: DriverRecord): Promise<void> {
    for (const adev of [...this.published.values()]) {
      if (matchId(rec.idTable, adev.devName)) await this.binding.attach(adev, [rec]);
    }
  }

  /**
   * autoload: ask the resolver for `adev`'s modalias and bind `adev` to
   * what it yields. Failures are logged, never thrown.
   */
  private async autoload(adev: AuxiliaryDevice): Promise<void> {
    const resolver = this.resolver;
    if (!resolver) return;
    const records = await this.autoloader.load(resolver, adev.modalias);
    await this.binding.attach(adev, records);
  }

  // ---- small pieces ----

  private addDriverRecord(drv: AuxiliaryDriver, autoloaded: boolean): DriverRecord {
    checkDriver(drv);
    if (this.drivers.has(drv.name)) {
      throw new AuxError('EEXIST', `driver ${drv.name} is already registered; unregister it first`);
    }
    const idTable = Object.freeze(drv.idTable.map((e) => ({ ...e })));
    const rec: DriverRecord = { drv, idTable, autoloaded };
    this.drivers.set(drv.name, rec);
    this.log.debug({ driver: drv.name, autoloaded }, 'driver registered');
    return rec;
  }

  /** track: run `work` outside the caller's lock chain; `settle` waits for it. */
  private track(work: () => Promise<void>): void {
    const p = detached(work).catch((err: unknown) =>
      this.log.error({ err }, 'background attach failed'),
    );
    this.background.add(p);
    void p.finally(() => this.background.delete(p));
  }

  private emit(action: UeventAction, adev: AuxiliaryDevice, driver?: string): void {
    this.uevents.publish(makeUevent(action, adev, ++this.seqnum, driver));
  }

  /** own: `adev` if this bus made it, else EINVAL. */
  private own(adev: AuxiliaryDevice): AuxiliaryDevice {
    if (!(adev instanceof AuxiliaryDevice) || adev[devicePrivate].owner !== this) {
      throw new AuxError('EINVAL', 'not a device of this bus; create it with bus.init');
    }
    return adev;
  }

  /** lookup: the device of that name on the bus, else ENODEV. */
  private lookup(device: string): AuxiliaryDevice {
    const adev = this.published.get(device);
    if (!adev) throw new AuxError('ENODEV', `no device ${printable(device)} on the bus`);
    return adev;
  }

  private ref(device: AuxiliaryDevice | string): AuxiliaryDevice {
    return typeof device === 'string' ? this.lookup(device) : this.own(device);
  }
}

/**
 * DriverBinding: probing and removing drivers on the devices of one bus
 * (the kernel's drivers/base/dd.c). The auxiliary bus uses it, and so can
 * any other bus (the vdpa bus does): a bus says how a device keeps its
 * binding state (`slot`), which idTable entry of a driver matches a device
 * (`match`), and how to announce a bind or unbind (`emit`).
 *
 * Every step here runs with the device lock held, so a device has at most
 * one driver and its `remove` runs exactly once per successful `probe`.
 * The device's driver pointer is set before probe and kept during remove,
 * so a tree view shows a device as bound while its driver works on it.
 *
 * Owns: the probe / remove protocol and its log lines. Never: decides
 * which devices or drivers exist, or how they match (the bus does).
 */
import { AuxError, isAuxError } from '@auxctl/prm';
import type { Logger } from '../log.js';
import { printable } from '../printable.js';
import type { AuxiliaryDeviceId, AuxiliaryDriver } from './auxiliary-driver.js';
import type { DeviceLock } from './device-lock.js';
import type { UeventAction } from './uevent.js';

/** BoundDriver: the part of a driver binding calls: its name, probe and remove. */
export interface BoundDriver<Dev, Id> {
  readonly name: string;
  probe(dev: Dev, id: Id): Promise<void> | void;
  remove?(dev: Dev): Promise<void> | void;
}

/** BindingSlot: the bus-private binding state of one device. */
export interface BindingSlot<Drv> {
  readonly lock: DeviceLock;
  driver: Drv | undefined;
  suspended: boolean;
}

/** BindableDevice: what binding reads of a device. */
export interface BindableDevice {
  readonly devName: string;
  /** True while the device is on its bus and not being deleted. */
  readonly live: boolean;
  /** The bound driver's private slot; cleared when it unbinds. */
  drvdata: unknown;
}

/** DriverRecord: a registered driver as the bus keeps it. */
export interface DriverRecord<Drv = AuxiliaryDriver, Id = AuxiliaryDeviceId> {
  readonly drv: Drv;
  /** A copy taken at registration, so later edits of the driver object change nothing. */
  readonly idTable: readonly Id[];
  readonly autoloaded: boolean;
}

/** BindingHost: what binding needs from its bus. */
export interface BindingHost<Dev, Drv, Id> {
  readonly log: Logger;
  /** True while `rec` is still the registered record of its driver name. */
  registered(rec: DriverRecord<Drv, Id>): boolean;
  /** The idTable entry of `rec` that matches `dev`, or undefined. */
  match(rec: DriverRecord<Drv, Id>, dev: Dev): Id | undefined;
  /** The device's binding state. */
  slot(dev: Dev): BindingSlot<Drv>;
  emit(action: UeventAction, dev: Dev, driver: string): void;
}

/** DriverBinding: attach, bind, probe, unbind and driver detach for one bus. */
export class DriverBinding<Dev extends BindableDevice, Drv extends BoundDriver<Dev, Id>, Id> {
  constructor(private readonly host: BindingHost<Dev, Drv, Id>) {}

  /**
   * attach: bind `dev` to the first of `candidates` that matches and
   * probes; an ENODEV from probe means "not mine" and the next one tries,
   * any other failure stops (the device stays unbound). Skipped when the
   * calling chain already holds the device (an ancestor is operating on it).
   * Never throws.
   */
  async attach(dev: Dev, candidates: readonly DriverRecord<Drv, Id>[]): Promise<void> {
    const p = this.host.slot(dev);
    if (p.driver || !dev.live) return;
    if (p.lock.heldByCaller()) {
      this.host.log.debug({ device: dev.devName }, 'attach skipped: device busy in this chain');
      return;
    }
    await p.lock.run(async () => {
      for (const rec of candidates) {
        if (p.driver || !dev.live) return;
        const id = this.host.match(rec, dev);
        if (id === undefined || !this.host.registered(rec)) continue;
        const err = await this.probeLocked(dev, rec, id);
        if (err === undefined || !isAuxError(err, 'ENODEV')) return;
      }
    });
  }

  /**
   * bind: probe `rec` on `dev` now, under the device lock (sysfs `bind`).
   * `id` runs with the lock held, after the common checks, and returns
   * the matching id or throws the bus's refusal. Rejects with ENODEV when
   * the device left the bus, EBUSY when it has a driver, ENOENT when `rec`
   * was unregistered, or the probe's error (as AuxError); the device is
   * left unbound in every case.
   */
  async bind(dev: Dev, rec: DriverRecord<Drv, Id>, id: () => Id): Promise<void> {
    const p = this.host.slot(dev);
    await p.lock.run(async () => {
      if (!dev.live) throw new AuxError('ENODEV', `${dev.devName} is no longer on the bus`);
      if (p.driver) {
        throw new AuxError('EBUSY', `${dev.devName} is bound to ${p.driver.name}; unbind it first`);
      }
      if (!this.host.registered(rec)) {
        throw new AuxError('ENOENT', `driver ${rec.drv.name} was unregistered`);
      }
      const err = await this.probeLocked(dev, rec, id());
      if (err !== undefined) {
        throw asAuxError(err, `probe of ${dev.devName} by ${rec.drv.name} failed`);
      }
    });
  }

  /**
   * detachDriver: unbind `drv` from each of `devices` bound to it, in the
   * order given, each under its lock (driver unregistration). Remove runs
   * once per device; a device that changed driver meanwhile is left alone.
   */
  async detachDriver(devices: Iterable<Dev>, drv: Drv): Promise<void> {
    for (const dev of [...devices]) {
      const p = this.host.slot(dev);
      if (p.driver !== drv) continue;
      await p.lock.run(async () => {
        if (p.driver === drv) await this.unbindLocked(dev);
      });
    }
  }

  /**
   * probeLocked: run `rec`'s probe on `dev` (lock held, device unbound).
   * Resolves undefined when bound, else the error, after logging it and
   * clearing the binding and drvdata.
   */
  async probeLocked(dev: Dev, rec: DriverRecord<Drv, Id>, id: Id): Promise<unknown> {
    const p = this.host.slot(dev);
    p.driver = rec.drv;
    try {
      await rec.drv.probe(dev, id);
    } catch (err) {
      p.driver = undefined;
      dev.drvdata = undefined;
      const fields = { err, device: dev.devName, driver: rec.drv.name };
      if (isAuxError(err, 'ENODEV')) this.host.log.debug(fields, 'probe declined the device');
      else this.host.log.warn(fields, 'probe failed; device left unbound');
      return err ?? new AuxError('EIO', `probe of ${dev.devName} threw ${String(err)}`);
    }
    this.host.log.debug({ device: dev.devName, driver: rec.drv.name }, 'driver bound');
    this.host.emit('bind', dev, rec.drv.name);
    return undefined;
  }

  /**
   * unbindLocked: run the bound driver's remove once (lock held) and clear
   * the binding, suspension and drvdata. A failing remove is logged: like
   * the kernel's, it cannot veto.
   */
  async unbindLocked(dev: Dev): Promise<void> {
    const p = this.host.slot(dev);
    const drv = p.driver;
    if (!drv) return;
    try {
      await drv.remove?.(dev);
    } catch (err) {
      this.host.log.error({ err, device: dev.devName, driver: drv.name }, 'remove failed');
    }
    p.driver = undefined;
    p.suspended = false;
    dev.drvdata = undefined;
    this.host.log.debug({ device: dev.devName, driver: drv.name }, 'driver unbound');
    this.host.emit('unbind', dev, drv.name);
  }
}

/** asAuxError: `err` itself when it is an AuxError, else EIO carrying it as cause. */
export function asAuxError(err: unknown, what: string): AuxError {
  if (err instanceof AuxError) return err;
  const why = err instanceof Error ? err.message : printable(err);
  return new AuxError('EIO', `${what}: ${why}`, { what }, { cause: err });
}

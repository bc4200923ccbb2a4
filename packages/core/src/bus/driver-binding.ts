/**
 * DriverBinding: probing and removing drivers on auxiliary devices (the
 * kernel's drivers/base/dd.c, for one bus).
 *
 * Every step here runs with the device lock held, so a device has at most
 * one driver and its `remove` runs exactly once per successful `probe`.
 * The device's driver pointer is set before probe and kept during remove,
 * so a tree view shows a device as bound while its driver works on it.
 *
 * Owns: the probe / remove protocol and its log lines and uevents. Never:
 * decides which devices or drivers exist (the bus does).
 */
import { AuxError, isAuxError } from '@auxctl/prm';
import type { Logger } from '../log.js';
import { printable } from '../printable.js';
import { type AuxiliaryDevice, devicePrivate } from './auxiliary-device.js';
import { type AuxiliaryDeviceId, type AuxiliaryDriver, matchId } from './auxiliary-driver.js';
import type { UeventAction } from './uevent.js';

/** DriverRecord: a registered driver as the bus keeps it. */
export interface DriverRecord {
  readonly drv: AuxiliaryDriver;
  /** A copy taken at registration, so later edits of the driver object change nothing. */
  readonly idTable: readonly AuxiliaryDeviceId[];
  readonly autoloaded: boolean;
}

/** BindingHost: what binding needs from its bus. */
export interface BindingHost {
  readonly log: Logger;
  /** True while `rec` is still the registered record of its driver name. */
  registered(rec: DriverRecord): boolean;
  emit(action: UeventAction, adev: AuxiliaryDevice, driver: string): void;
}

/** DriverBinding: attach / probe / unbind for one bus. */
export class DriverBinding {
  constructor(private readonly host: BindingHost) {}

  /**
   * attach: bind `adev` to the first of `candidates` that matches and
   * probes; an ENODEV from probe means "not mine" and the next one tries,
   * any other failure stops (the device stays unbound). Skipped when the
   * calling chain already holds the device (an ancestor is operating on it).
   * Never throws.
   */
  async attach(adev: AuxiliaryDevice, candidates: readonly DriverRecord[]): Promise<void> {
    const p = adev[devicePrivate];
    if (p.driver || !adev.live) return;
    if (p.lock.heldByCaller()) {
      this.host.log.debug({ device: adev.devName }, 'attach skipped: device busy in this chain');
      return;
    }
    await p.lock.run(async () => {
      for (const rec of candidates) {
        if (p.driver || !adev.live) return;
        const id = matchId(rec.idTable, adev.devName);
        if (!id || !this.host.registered(rec)) continue;
        const err = await this.probeLocked(adev, rec, id);
        if (err === undefined || !isAuxError(err, 'ENODEV')) return;
      }
    });
  }

  /**
   * probeLocked: run `rec`'s probe on `adev` (lock held, device unbound).
   * Resolves undefined when bound, else the error, after logging it and
   * clearing the binding and drvdata.
   */
  async probeLocked(
    adev: AuxiliaryDevice,
    rec: DriverRecord,
    id: AuxiliaryDeviceId,
  ): Promise<unknown> {
    const p = adev[devicePrivate];
    p.driver = rec.drv;
    try {
      await rec.drv.probe(adev, id);
    } catch (err) {
      p.driver = undefined;
      adev.drvdata = undefined;
      const fields = { err, device: adev.devName, driver: rec.drv.name };
      if (isAuxError(err, 'ENODEV')) this.host.log.debug(fields, 'probe declined the device');
      else this.host.log.warn(fields, 'probe failed; device left unbound');
      return err ?? new AuxError('EIO', `probe of ${adev.devName} threw ${String(err)}`);
    }
    this.host.log.debug({ device: adev.devName, driver: rec.drv.name }, 'driver bound');
    this.host.emit('bind', adev, rec.drv.name);
    return undefined;
  }

  /**
   * unbindLocked: run the bound driver's remove once (lock held) and clear
   * the binding, suspension and drvdata. A failing remove is logged: like
   * the kernel's, it cannot veto.
   */
  async unbindLocked(adev: AuxiliaryDevice): Promise<void> {
    const p = adev[devicePrivate];
    const drv = p.driver;
    if (!drv) return;
    try {
      await drv.remove?.(adev);
    } catch (err) {
      this.host.log.error({ err, device: adev.devName, driver: drv.name }, 'remove failed');
    }
    p.driver = undefined;
    p.suspended = false;
    adev.drvdata = undefined;
    this.host.log.debug({ device: adev.devName, driver: drv.name }, 'driver unbound');
    this.host.emit('unbind', adev, drv.name);
  }
}

/** asAuxError: `err` itself when it is an AuxError, else EIO carrying it as cause. */
export function asAuxError(err: unknown, what: string): AuxError {
  if (err instanceof AuxError) return err;
  const why = err instanceof Error ? err.message : printable(err);
  return new AuxError('EIO', `${what}: ${why}`, { what }, { cause: err });
}

/**
 * BusInfo: plain snapshots of auxiliary devices and drivers for tree views,
 * CLIs and tests (the bus's sysfs).
 *
 * Owns: the snapshot shapes. Never: hands out live objects; a snapshot does
 * not change when the bus does.
 */
import { type AuxDeviceState, type AuxiliaryDevice, devicePrivate } from './auxiliary-device.js';
import { supportsSuspend } from './auxiliary-driver.js';
import type { DriverRecord } from './driver-binding.js';

/** AuxDeviceInfo: one device as a tree view shows it. */
export interface AuxDeviceInfo {
  /** `<modname>.<name>.<id>`. */
  readonly device: string;
  readonly modname: string;
  readonly name: string;
  readonly id: number;
  readonly modalias: string;
  readonly state: AuxDeviceState;
  /** True while a delete is running. */
  readonly dying: boolean;
  readonly driver: string | undefined;
  readonly suspended: boolean;
  /** The parent's name; undefined for a root device. */
  readonly parent: string | undefined;
  readonly refcount: number;
}

/** AuxDriverInfo: one registered driver. */
export interface AuxDriverInfo {
  readonly name: string;
  readonly idTable: readonly string[];
  /** Devices bound to it, by name. */
  readonly devices: readonly string[];
  /** True when the resolver supplied it. */
  readonly autoloaded: boolean;
  readonly supportsSuspend: boolean;
}

/** deviceInfo: a snapshot of `adev`. */
export function deviceInfo(adev: AuxiliaryDevice): AuxDeviceInfo {
  const p = adev[devicePrivate];
  return {
    device: adev.devName,
    modname: adev.modname,
    name: adev.name,
    id: adev.id,
    modalias: adev.modalias,
    state: p.state,
    dying: p.dying,
    driver: p.driver?.name,
    suspended: p.suspended,
    parent: adev.parent,
    refcount: adev.refcount,
  };
}

/** driverInfo: a snapshot of `rec`, listing which of `devices` it is bound to. */
export function driverInfo(rec: DriverRecord, devices: Iterable<AuxiliaryDevice>): AuxDriverInfo {
  const bound: string[] = [];
  for (const d of devices) if (d[devicePrivate].driver === rec.drv) bound.push(d.devName);
  return {
    name: rec.drv.name,
    idTable: rec.idTable.map((e) => e.name),
    devices: bound,
    autoloaded: rec.autoloaded,
    supportsSuspend: supportsSuspend(rec.drv),
  };
}

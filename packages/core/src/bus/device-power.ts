/**
 * DevicePower: suspend, resume and shutdown of one bound auxiliary device
 * (the bus's share of drivers/base/power).
 *
 * A reload of the publisher can keep bindings alive when the driver knows
 * how to park its device (`suspend`) and pick it up again (`resume`);
 * drivers without both hooks are deleted and re-added instead, which is why
 * `suspendDevice` reports whether anything happened rather than failing.
 *
 * Every function here runs with the device lock held by its caller.
 *
 * Owns: the suspended flag's transitions. Never: unbinds a driver.
 */
import type { Logger } from '../log.js';
import { type AuxiliaryDevice, devicePrivate } from './auxiliary-device.js';
import { supportsSuspend } from './auxiliary-driver.js';
import { asAuxError } from './driver-binding.js';

/**
 * suspendDevice: true when the device is (now or already) suspended, false
 * when it has no driver or the driver lacks suspend/resume (nothing done).
 * Throws ENODEV off the bus, or the driver's error as AuxError (the device
 * stays running).
 */
export async function suspendDevice(adev: AuxiliaryDevice, log: Logger): Promise<boolean> {
  adev.ensureLive();
  const p = adev[devicePrivate];
  const drv = p.driver;
  if (!drv || !supportsSuspend(drv)) return false;
  if (p.suspended) return true;
  try {
    await drv.suspend?.(adev);
  } catch (err) {
    throw asAuxError(err, `suspend of ${adev.devName} by ${drv.name} failed`);
  }
  p.suspended = true;
  log.debug({ device: adev.devName, driver: drv.name }, 'device suspended');
  return true;
}

/**
 * resumeDevice: true when the driver's resume ran, false when the device was
 * not suspended. Throws ENODEV off the bus, or the driver's error as AuxError
 * (the device stays suspended; delete it).
 */
export async function resumeDevice(adev: AuxiliaryDevice, log: Logger): Promise<boolean> {
  adev.ensureLive();
  const p = adev[devicePrivate];
  const drv = p.driver;
  if (!drv || !p.suspended) return false;
  try {
    await drv.resume?.(adev);
  } catch (err) {
    throw asAuxError(err, `resume of ${adev.devName} by ${drv.name} failed`);
  }
  p.suspended = false;
  log.debug({ device: adev.devName, driver: drv.name }, 'device resumed');
  return true;
}

/** shutdownDevice: call the bound driver's shutdown, if any; a failure is logged. */
export async function shutdownDevice(adev: AuxiliaryDevice, log: Logger): Promise<void> {
  const p = adev[devicePrivate];
  const drv = p.driver;
  if (p.state !== 'added' || !drv?.shutdown) return;
  try {
    await drv.shutdown(adev);
  } catch (err) {
    log.error({ err, device: adev.devName, driver: drv.name }, 'shutdown failed');
  }
}

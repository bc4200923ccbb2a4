/**
 * buildSysfsTree: a fake /sys with fwctl devices, laid out as the kernel
 * lays out the real one (refs §1.4), for discoverFwctl and FwctlWatcher.
 *
 * For each device, under `root`:
 *   devices/pci0000:00/<pci>/                      the PCI function
 *   devices/pci0000:00/<pci>/driver             -> bus/pci/drivers/<driver>
 *   devices/pci0000:00/<pci>/fwctl/<fwctlN>/device -> the function
 *   class/fwctl/<fwctlN>                        -> devices/.../<pci>/fwctl/<fwctlN>
 *   devices/pci0000:00/<pci>/<aux>/driver       -> bus/auxiliary/drivers/<driver>
 *   bus/auxiliary/devices/<aux>                 -> devices/pci0000:00/<pci>/<aux>
 * Links are relative, as sysfs's are, so the tree can be moved.
 * removeFromSysfsTree takes one function away again, as a hot-unplug does.
 *
 * Owns: files under `root`. Never: touches anything outside it.
 */
import { mkdir, readdir, realpath, rm, symlink, unlink } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { printable } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';

/** SysfsTreeDevice: one fwctl device, its PCI function, and that function's aux devices. */
export interface SysfsTreeDevice {
  readonly fwctl: string;
  readonly pci: string;
  readonly driver?: string;
  readonly aux: ReadonlyArray<{ readonly name: string; readonly driver?: string }>;
}

/** buildSysfsTree: add `devices` to the tree at `root` (created as needed). */
export async function buildSysfsTree(
  root: string,
  devices: readonly SysfsTreeDevice[],
): Promise<void> {
  for (const d of devices) {
    const fn = join(root, 'devices', 'pci0000:00', pathName(d.pci));
    const fwctlDir = join(fn, 'fwctl', pathName(d.fwctl));
    await mkdir(fwctlDir, { recursive: true });
    await link(fn, join(fwctlDir, 'device'));
    await link(fwctlDir, join(root, 'class', 'fwctl', d.fwctl));
    await bindDriver(root, fn, 'pci', d.driver);
    for (const a of d.aux) {
      const adev = join(fn, pathName(a.name));
      await mkdir(adev, { recursive: true });
      await bindDriver(root, adev, 'auxiliary', a.driver);
      await link(adev, join(root, 'bus', 'auxiliary', 'devices', a.name));
    }
  }
}

/** removeFromSysfsTree: remove device `fwctl`'s PCI function, its aux devices and class entry. */
export async function removeFromSysfsTree(root: string, fwctl: string): Promise<void> {
  const classLink = join(root, 'class', 'fwctl', pathName(fwctl));
  const fn = dirname(dirname(await realpath(classLink)));
  const auxDir = join(root, 'bus', 'auxiliary', 'devices');
  for (const name of await readdir(auxDir).catch(() => [])) {
    const at = await realpath(join(auxDir, name)).catch(() => undefined);
    if (at !== undefined && dirname(at) === fn) await unlink(join(auxDir, name));
  }
  await unlink(classLink);
  await rm(fn, { recursive: true });
}

async function bindDriver(
  root: string,
  dev: string,
  bus: 'pci' | 'auxiliary',
  driver: string | undefined,
): Promise<void> {
  if (driver === undefined) return;
  const drv = join(root, 'bus', bus, 'drivers', pathName(driver));
  await mkdir(drv, { recursive: true });
  await link(drv, join(dev, 'driver'));
}

/** link: a relative symlink at `at` to `target`. */
async function link(target: string, at: string): Promise<void> {
  await mkdir(dirname(at), { recursive: true });
  await symlink(relative(dirname(at), target), at);
}

/** pathName: `name` if it is one path component, else EINVAL. */
function pathName(name: string): string {
  if (name === '' || name === '.' || name === '..' || name.includes('/') || name.includes('\0')) {
    throw new AuxError('EINVAL', `not a sysfs name: ${printable(name)}`);
  }
  return name;
}

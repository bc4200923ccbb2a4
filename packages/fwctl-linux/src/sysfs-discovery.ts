/**
 * discoverFwctl: the fwctl devices of a host, read from sysfs.
 *
 * The kernel offers no device-type attribute (FWCTL_INFO tells the type),
 * so discovery reports where each device sits: `/sys/class/fwctl/fwctlN`
 * is a link into the parent device's directory, `device` inside it links
 * to the parent (for mlx5 the PCI function; for CXL a memdev), the
 * parent's `driver` link names the bound driver, and the auxiliary devices
 * of that function are the entries of `/sys/bus/auxiliary/devices` whose
 * directory lies in the parent's. The device node is `<dev>/fwctl/fwctlN`.
 *
 * sysfs is read while devices come and go: an entry that vanishes between
 * two reads is left out, never an error. The roots are parameters, so
 * tests build a tree in a temporary directory (testing: buildSysfsTree).
 *
 * Owns: reading the tree. Never: opens a device node or writes to sysfs.
 */
import { readdir, readlink, realpath } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { errnoCode, hostFileError } from './fwctl-errno.js';

/** FwctlAuxDevice: an auxiliary device of the same function (`mlx5_core.eth.0`, bound to `mlx5_core.eth`). */
export interface FwctlAuxDevice {
  readonly name: string;
  readonly driver: string | undefined;
}

/** FwctlDeviceEntry: one fwctl device as sysfs shows it. */
export interface FwctlDeviceEntry {
  /** fwctl0 */
  readonly name: string;
  /** `<devRoot>/fwctl/fwctl0` */
  readonly devnode: string;
  /** The parent device's name: a PCI address such as 0000:08:00.0 for mlx5. */
  readonly pci: string;
  /** The parent's bound driver (mlx5_core), if any. */
  readonly driver: string | undefined;
  /** The auxiliary devices whose parent is the same device, by name. */
  readonly aux: readonly FwctlAuxDevice[];
}

/** FwctlDiscoveryOptions: where sysfs and /dev are (defaults /sys and /dev). */
export interface FwctlDiscoveryOptions {
  readonly sysfsRoot?: string;
  readonly devRoot?: string;
}

const SYSFS_HINT = 'is sysfs mounted and readable?';

/** FWCTL_MAX_DEVICES: the kernel's limit on fwctl minors; discovery reads no more entries. */
export const FWCTL_MAX_DEVICES = 4096;

/** parseFwctlName: N for a class entry named `fwctlN` (N without leading zeros), else undefined. */
export function parseFwctlName(name: string): number | undefined {
  const m = /^fwctl(0|[1-9][0-9]{0,9})$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** discoverFwctl: every fwctl device, by number; [] when the fwctl class is absent. */
export async function discoverFwctl(opts: FwctlDiscoveryOptions = {}): Promise<FwctlDeviceEntry[]> {
  const sysfs = opts.sysfsRoot ?? '/sys';
  const devRoot = opts.devRoot ?? '/dev';
  const classDir = join(sysfs, 'class', 'fwctl');
  const names = (await listDir(classDir))
    .filter((n) => parseFwctlName(n) !== undefined)
    .sort((a, b) => parseFwctlName(a)! - parseFwctlName(b)!)
    .slice(0, FWCTL_MAX_DEVICES);
  if (names.length === 0) return [];
  const auxDevices = await readAuxDevices(sysfs);
  const entries: FwctlDeviceEntry[] = [];
  for (const name of names) {
    const parent = await resolved(join(classDir, name, 'device'));
    if (parent === undefined) continue;
    entries.push({
      name,
      devnode: join(devRoot, 'fwctl', name),
      pci: basename(parent),
      driver: await linkName(join(parent, 'driver')),
      aux: auxDevices
        .filter((a) => a.parent === parent)
        .map(({ name: auxName, driver }) => ({ name: auxName, driver })),
    });
  }
  return entries;
}

interface AuxDeviceAt extends FwctlAuxDevice {
  readonly parent: string;
}

async function readAuxDevices(sysfs: string): Promise<AuxDeviceAt[]> {
  const dir = join(sysfs, 'bus', 'auxiliary', 'devices');
  const out: AuxDeviceAt[] = [];
  for (const name of (await listDir(dir)).sort()) {
    const at = await resolved(join(dir, name));
    if (at === undefined) continue;
    out.push({ name, driver: await linkName(join(at, 'driver')), parent: dirname(at) });
  }
  return out;
}

/** listDir: a directory's names; [] when it does not exist. */
async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return [];
    throw hostFileError(e, dir, SYSFS_HINT);
  }
}

/** resolved: the real path behind `p`; undefined when it is gone. */
async function resolved(p: string): Promise<string | undefined> {
  try {
    return await realpath(p);
  } catch (e) {
    if (errnoCode(e) === 'ENOENT' || errnoCode(e) === 'ENOTDIR') return undefined;
    throw hostFileError(e, p, SYSFS_HINT);
  }
}

/** linkName: the last component of a link's target (a driver's name); undefined when unbound. */
async function linkName(p: string): Promise<string | undefined> {
  try {
    return basename(await readlink(p));
  } catch (e) {
    if (['ENOENT', 'EINVAL', 'ENOTDIR'].includes(errnoCode(e) ?? '')) return undefined;
    throw hostFileError(e, p, SYSFS_HINT);
  }
}

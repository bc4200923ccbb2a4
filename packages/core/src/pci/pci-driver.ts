/**
 * PciDriver: what a package registers to bind PCI functions, its id table,
 * and the rules that match one to a function (the kernel's
 * `pci_match_device`).
 *
 * An id-table entry names a vendor and a device id, either of which may be
 * PCI_ANY_ID. Matching a function against a driver, in order:
 *   1. the function has a `driver_override` naming another driver: no match;
 *   2. the first entry whose vendor and device match, unless the entry is
 *      `overrideOnly` and the function's override does not name this
 *      driver (such an entry is skipped: a variant driver never binds by
 *      itself, only when an administrator names it);
 *   3. no entry matched but the override names this driver: it matches
 *      anyway, with the catch-all id {@link PCI_ID_ANY}.
 *
 * Owns: the driver shape, its validation and matching. Never: calls a
 * driver (the PCI bus does, under the function's lock).
 */
import { AuxError } from '@auxctl/prm';
import { printable } from '../printable.js';
import type { PciFunction } from './pci-function.js';

/** PCI_ANY_ID: an id-table vendor or device that matches every function. */
export const PCI_ANY_ID = 0xffff_ffff;

/** PciDeviceId: one id-table entry; `data` is handed back to probe. */
export interface PciDeviceId<D = unknown> {
  /** 0..0xffff, or PCI_ANY_ID. */
  readonly vendor: number;
  /** 0..0xffff, or PCI_ANY_ID. */
  readonly device: number;
  /** Match only a function whose driver_override names this driver (PCI_ID_F_VFIO_DRIVER_OVERRIDE). */
  readonly overrideOnly?: boolean;
  readonly data?: D;
}

/** PCI_ID_ANY: the id a driver matched through driver_override alone is probed with. */
export const PCI_ID_ANY: PciDeviceId = Object.freeze({ vendor: PCI_ANY_ID, device: PCI_ANY_ID });

/**
 * PciDriver: a driver for PCI functions. Every callback may be async and
 * runs with the function locked; it must not bind, unbind or remove its
 * own function through the bus (refused with EBUSY).
 */
export interface PciDriver<R = unknown> {
  /** Unique on the bus, e.g. `mlx5_core`: 1-64 of [A-Za-z0-9_.-]. */
  readonly name: string;
  readonly idTable: readonly PciDeviceId[];
  /**
   * probe: take the function. Throwing leaves it unbound (AuxError ENODEV
   * means "not mine" and lets the next matching driver try); whatever probe
   * set up before throwing, it must undo.
   */
  probe(fn: PciFunction<R>, id: PciDeviceId): Promise<void> | void;
  /** remove: let go; called exactly once per successful probe. Cannot fail. */
  remove?(fn: PciFunction<R>): Promise<void> | void;
  /**
   * sriovConfigure: a write of `sriov_numvfs` on a PF this driver is bound
   * to: enable `numVfs` VFs (0 = disable them all) and resolve how many are
   * enabled now. Runs with the PF locked.
   */
  sriovConfigure?(fn: PciFunction<R>, numVfs: number): Promise<number> | number;
}

/** PCI_DRIVER_NAME: what a driver (and a driver_override) may be called. */
export const PCI_DRIVER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
const HOOKS = ['remove', 'sriovConfigure'] as const;

const isId = (v: unknown) =>
  v === PCI_ANY_ID || (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff);

/**
 * checkPciDriver: throws EINVAL unless `drv` is a well-formed driver (a
 * name, a probe function, an id table of valid entries, hooks functions).
 * An empty id table is allowed: such a driver binds only through override.
 */
export function checkPciDriver(drv: unknown): asserts drv is PciDriver {
  if (typeof drv !== 'object' || drv === null) {
    throw new AuxError('EINVAL', 'a PCI driver must be an object { name, idTable, probe }');
  }
  const d = drv as Partial<Record<string, unknown>>;
  if (typeof d.name !== 'string' || !PCI_DRIVER_NAME.test(d.name)) {
    throw new AuxError('EINVAL', 'PCI driver name must be 1-64 characters of [A-Za-z0-9_.-]');
  }
  if (typeof d.probe !== 'function') {
    throw new AuxError('EINVAL', `PCI driver ${d.name}: probe is required`);
  }
  if (!Array.isArray(d.idTable)) {
    throw new AuxError(
      'EINVAL',
      `PCI driver ${d.name}: idTable must be an array of { vendor, device }`,
    );
  }
  for (const e of d.idTable as unknown[]) {
    const entry = (typeof e === 'object' && e !== null ? e : {}) as Record<string, unknown>;
    if (!isId(entry.vendor) || !isId(entry.device)) {
      throw new AuxError(
        'EINVAL',
        `PCI driver ${d.name}: bad idTable entry ${printable(e)}; vendor and device are 0..0xffff or PCI_ANY_ID`,
      );
    }
  }
  for (const hook of HOOKS) {
    if (d[hook] !== undefined && typeof d[hook] !== 'function') {
      throw new AuxError('EINVAL', `PCI driver ${d.name}: ${hook} must be a function when given`);
    }
  }
}

/** PciMatchable: what matching reads of a function. */
export interface PciMatchable {
  readonly vendorId: number;
  readonly deviceId: number;
  readonly driverOverride: string | undefined;
}

/** matchPciDevice: the id `driver` (name + id table) is probed with on `fn`, or undefined (see the module header). */
export function matchPciDevice(
  driver: { readonly name: string },
  idTable: readonly PciDeviceId[],
  fn: PciMatchable,
): PciDeviceId | undefined {
  const override = fn.driverOverride;
  if (override !== undefined && override !== driver.name) return undefined;
  for (const id of idTable) {
    const hit =
      (id.vendor === PCI_ANY_ID || id.vendor === fn.vendorId) &&
      (id.device === PCI_ANY_ID || id.device === fn.deviceId);
    if (!hit) continue;
    if (id.overrideOnly && override !== driver.name) continue;
    return id;
  }
  return override === driver.name ? PCI_ID_ANY : undefined;
}

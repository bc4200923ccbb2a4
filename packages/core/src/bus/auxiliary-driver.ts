/**
 * AuxiliaryDriver: what a package registers to bind auxiliary devices, and
 * the rules for matching one to a device.
 *
 * A driver names the devices it handles in `idTable` by match name
 * (`<modname>.<name>`). A device matches an entry when its name up to the
 * last `.` equals the entry's name exactly: `mlx5_core.eth` matches
 * `mlx5_core.eth.0` but neither `mlx5_core.eth_rep.0` nor `mlx5_core.e.0`.
 *
 * Owns: the driver shape, its validation and matching. Never: calls a
 * driver (the bus does, under the device lock).
 */
import { AuxError } from '@auxctl/prm';
import { printable } from '../printable.js';
import { matchNameOf, parseMatchName } from './aux-name.js';
import type { AuxiliaryDevice } from './auxiliary-device.js';

/** AuxiliaryDeviceId: one idTable entry; `data` is handed back to probe. */
export interface AuxiliaryDeviceId<D = unknown> {
  /** `<modname>.<name>`. */
  readonly name: string;
  readonly data?: D;
}

/**
 * AuxiliaryDriver: a driver for auxiliary devices. Every callback may be
 * async and runs with the device locked: it must not delete, bind, unbind,
 * suspend or resume its own device through the bus (that is refused with
 * EBUSY); adding other devices is fine.
 */
export interface AuxiliaryDriver<S = unknown> {
  /** Unique on the bus, e.g. `mlx5_ib.rdma`: 1-128 of [A-Za-z0-9_.-]. */
  readonly name: string;
  /** The match names handled; at least one. */
  readonly idTable: readonly AuxiliaryDeviceId[];
  /**
   * probe: take the device. Throwing leaves it unbound (an AuxError ENODEV
   * means "not mine" and lets the next matching driver try). Whatever probe
   * set up before throwing, it must undo itself.
   */
  probe(adev: AuxiliaryDevice<S>, id: AuxiliaryDeviceId): Promise<void> | void;
  /** remove: let go of the device; called exactly once per successful probe. Cannot fail. */
  remove?(adev: AuxiliaryDevice<S>): Promise<void> | void;
  /** shutdown: quiesce for power-off; the device stays bound. */
  shutdown?(adev: AuxiliaryDevice<S>): Promise<void> | void;
  /** suspend: park the device keeping the binding; throwing aborts the suspend. */
  suspend?(adev: AuxiliaryDevice<S>): Promise<void> | void;
  /** resume: undo suspend. */
  resume?(adev: AuxiliaryDevice<S>): Promise<void> | void;
}

const DRIVER_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const HOOKS = ['remove', 'shutdown', 'suspend', 'resume'] as const;

/**
 * checkDriver: throws EINVAL unless `drv` is a well-formed driver (a name,
 * a probe function, a non-empty idTable of valid match names, and any
 * optional hook a function). Nothing needs undoing on failure.
 */
export function checkDriver(drv: unknown): asserts drv is AuxiliaryDriver {
  if (typeof drv !== 'object' || drv === null) {
    throw new AuxError('EINVAL', 'a driver must be an object { name, idTable, probe }');
  }
  const d = drv as Partial<Record<string, unknown>>;
  if (typeof d.name !== 'string' || !DRIVER_NAME.test(d.name)) {
    throw new AuxError('EINVAL', 'driver name must be 1-128 characters of [A-Za-z0-9_.-]');
  }
  if (typeof d.probe !== 'function') {
    throw new AuxError('EINVAL', `driver ${d.name}: probe is required`);
  }
  if (!Array.isArray(d.idTable) || d.idTable.length === 0) {
    throw new AuxError(
      'EINVAL',
      `driver ${d.name}: idTable must list at least one <modname>.<name>`,
    );
  }
  for (const entry of d.idTable as unknown[]) {
    if (typeof entry !== 'object' || entry === null) {
      throw new AuxError('EINVAL', `driver ${d.name}: idTable entries must be { name, data? }`);
    }
    try {
      parseMatchName((entry as { name?: unknown }).name);
    } catch (err) {
      const why = err instanceof Error ? err.message : printable(err);
      throw new AuxError('EINVAL', `driver ${d.name}: bad idTable entry: ${why}`);
    }
  }
  for (const hook of HOOKS) {
    if (d[hook] !== undefined && typeof d[hook] !== 'function') {
      throw new AuxError('EINVAL', `driver ${d.name}: ${hook} must be a function when given`);
    }
  }
}

/**
 * matchId: the entry of `idTable` that matches a device: the device name up
 * to its last `.` must equal the entry's name exactly. Undefined when none does.
 */
export function matchId(
  idTable: readonly AuxiliaryDeviceId[],
  devName: string,
): AuxiliaryDeviceId | undefined {
  const match = matchNameOf(devName);
  if (match === undefined) return undefined;
  return idTable.find((entry) => entry.name === match);
}

/** supportsSuspend: true when the driver can park and restore a device (both hooks). */
export function supportsSuspend(drv: AuxiliaryDriver | undefined): boolean {
  return typeof drv?.suspend === 'function' && typeof drv.resume === 'function';
}

/**
 * VdpaDriver: what a package registers to bind vdpa devices (the kernel's
 * `struct vdpa_driver`). There is no id table: every vdpa device matches
 * every vdpa driver ("devices must be supported by all vdpa bus drivers"),
 * the first driver to probe successfully wins, and a device's
 * `driverOverride` restricts it to one named driver.
 *
 * Owns: the driver shape and its validation. Never: calls a driver (the
 * bus does, under the device lock).
 */
import { AuxError } from '@auxctl/prm';
import type { VdpaDevice } from './vdpa-device.js';

/** VdpaDriver: a driver for vdpa devices; callbacks run with the device locked. */
export interface VdpaDriver {
  /** Unique on the bus, e.g. `virtio_vdpa`: 1-64 of [A-Za-z0-9_.-]. */
  readonly name: string;
  /** probe: take the device; throwing leaves it unbound (ENODEV lets the next driver try). */
  probe(vdev: VdpaDevice): Promise<void> | void;
  /** remove: let go of the device; once per successful probe. Cannot fail. */
  remove?(vdev: VdpaDevice): Promise<void> | void;
}

const DRIVER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** checkVdpaDriver: throws EINVAL unless `drv` has a valid name, a probe and, if any, a function remove. */
export function checkVdpaDriver(drv: unknown): asserts drv is VdpaDriver {
  const d = (typeof drv === 'object' && drv !== null ? drv : {}) as Partial<
    Record<string, unknown>
  >;
  if (typeof d.name !== 'string' || !DRIVER_NAME.test(d.name)) {
    throw new AuxError('EINVAL', 'vdpa driver name must be 1-64 of [A-Za-z0-9_.-]');
  }
  if (typeof d.probe !== 'function') {
    throw new AuxError('EINVAL', `vdpa driver ${d.name}: probe is required`);
  }
  if (d.remove !== undefined && typeof d.remove !== 'function') {
    throw new AuxError('EINVAL', `vdpa driver ${d.name}: remove must be a function when given`);
  }
}

/**
 * checkVqSizes: the bus's own probe step (vdpa_dev_probe), before any
 * driver's: a device whose largest queue is smaller than its smallest is
 * refused with EINVAL.
 */
export function checkVqSizes(vdev: VdpaDevice): void {
  const { min, max } = vdev.vqSizeRange();
  if (max < min) {
    throw new AuxError('EINVAL', `${vdev.name}: vq num max ${max} is below vq num min ${min}`);
  }
}

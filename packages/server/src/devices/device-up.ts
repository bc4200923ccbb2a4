/**
 * Device up: the one answer for a device that cannot take a new context or
 * dump now (a fatal error, a reload or recovery in progress, removal): ENODEV,
 * which callers see as UNAVAILABLE, saying to retry once it is up.
 *
 * Owns that error. Never: waiting for the device.
 */
import { AuxError } from '@auxctl/prm';
import type { ServedDevice } from '../sources/device-source.js';

/** DeviceStatus: what the up check reads of a device (a ServedDevice, or a core). */
export type DeviceStatus = Pick<ServedDevice, 'name' | 'state'>;

/** notUpError: the ENODEV of `device` when it is not up now (fatal, recovering, removed), else undefined. */
export function notUpError(device: DeviceStatus): AuxError | undefined {
  if (device.state === 'up') return undefined;
  return new AuxError(
    'ENODEV',
    `device ${device.name} is ${device.state}; retry after it is up again`,
  );
}

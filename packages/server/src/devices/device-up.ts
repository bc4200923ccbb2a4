/**
 * Device up: the one answer for a device that cannot take a new context or
 * dump now (a fatal error, a reload or recovery in progress, removal): ENODEV,
 * which callers see as UNAVAILABLE, saying to retry once it is up.
 *
 * Owns that error. Never: waiting for the device.
 */
import { AuxError, type CoreDevice } from '@auxctl/core';

/** notUpError: the ENODEV of `core` when it is not up now (fatal, recovering, removed), else undefined. */
export function notUpError(core: CoreDevice): AuxError | undefined {
  if (core.state === 'up') return undefined;
  return new AuxError('ENODEV', `device ${core.name} is ${core.state}; retry after it is up again`);
}

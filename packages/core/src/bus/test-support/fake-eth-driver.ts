/**
 * A driver module as autoloading finds it: it exports its driver as
 * `auxiliaryDriver`. It binds `fake_core.eth` devices.
 */
import type { AuxiliaryDriver } from '../auxiliary-driver.js';

/** probed: every device this module's driver probed, in order. */
export const probed: string[] = [];

/** auxiliaryDriver: the driver autoloading registers. */
export const auxiliaryDriver: AuxiliaryDriver = {
  name: 'fake_eth.eth',
  idTable: [{ name: 'fake_core.eth', data: 'from-module' }],
  probe(adev, id) {
    probed.push(`${adev.devName}:${String(id.data)}`);
  },
};

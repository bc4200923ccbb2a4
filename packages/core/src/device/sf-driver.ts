/**
 * createSfDriver: the auxiliary driver of `mlx5_core.sf` devices (mlx5's
 * `mlx5_sf_driver`), part of core.
 *
 * probe: bring up a nested CoreDevice over the SF's own backend — its own
 * command queue, health poller and events — named after the aux device
 * (`mlx5_core.sf.N`) and hanging below it. The nested core publishes its
 * own `eth` / `rdma` / `ctl` aux devices with a fresh core id, which the
 * same drivers as for any device bind. remove: close the nested core (its
 * aux devices are deleted first, then its firmware torn down).
 *
 * Whoever creates the PF core registers this driver on the same bus; a PF
 * whose SFs nobody drives keeps them `active` (published, unbound).
 *
 * USAGE
 *   await bus.registerDriver(createSfDriver({ ids, health: { poll: false } }));
 *   const port = await pf.portFunctions.add({ pfnum: 0, sfnum: 88 });
 *   await pf.portFunctions.activate(port.index);    // -> 'attached'
 *
 * Owns: the nested cores it probed. Never: the SF's firmware function (the
 * PF's port functions enable and disable it).
 */
import type { AuxiliaryDriver } from '../bus/auxiliary-driver.js';
import { type Logger, silentLogger } from '../log.js';
import { CoreDevice, type CoreDeviceOptions } from './core-device.js';
import type { SfDevice } from './sf-device.js';

/** SF_MATCH_NAME / SF_DRIVER_NAME: what the driver binds, and its name on the bus. */
export const SF_MATCH_NAME = 'mlx5_core.sf';
export const SF_DRIVER_NAME = 'mlx5_core.sf_driver';

/** SfDriverOptions: how nested core devices are probed. */
export interface SfDriverOptions
  extends Pick<CoreDeviceOptions, 'ids' | 'cmdTimeoutMs' | 'health' | 'compVectors' | 'profile'> {
  readonly logger?: Logger;
  /** Driver name on the bus; default {@link SF_DRIVER_NAME}. */
  readonly name?: string;
}

/** createSfDriver: see the module header. */
export function createSfDriver(opts: SfDriverOptions = {}): AuxiliaryDriver<SfDevice> {
  const log = (opts.logger ?? silentLogger).child({ driver: opts.name ?? SF_DRIVER_NAME });
  const { logger: _l, name: _n, ...core } = opts;
  return {
    name: opts.name ?? SF_DRIVER_NAME,
    idTable: [{ name: SF_MATCH_NAME }],
    async probe(adev) {
      const sf = adev.shared;
      if (!sf) throw new Error(`${adev.devName} carries no sub-function`);
      const nested = await CoreDevice.probe({
        ...core,
        backend: sf.backend,
        bus: sf.bus,
        name: adev.devName,
        parent: adev,
        logger: log,
        kind: 'sf',
      });
      sf.attach(nested);
      log.info({ device: adev.devName, core: nested.id, sfnum: sf.sfnum }, 'sub-function up');
    },
    async remove(adev) {
      const nested = adev.shared?.detach();
      await nested?.close();
      log.info({ device: adev.devName }, 'sub-function down');
    },
  };
}

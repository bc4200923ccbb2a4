/**
 * createRdmaDriver: the auxiliary driver for `mlx5_core.rdma` devices (the
 * mlx5_ib driver's role).
 *
 * probe: wraps the aux device's CoreHandle in an IbDevice named `mlx5_<N>`
 * and adds it to the embedder's registry. remove: takes the device out of
 * the registry first (nobody can open it any more), then detaches it:
 * every open context is closed while the core can still run the commands
 * that destroy its objects and release its uid, and every later call on
 * those contexts fails with ENODEV.
 *
 * USAGE
 *   const { driver, registry } = createRdmaDriver();
 *   await bus.registerDriver(driver);
 *   const ctx = await registry.openContext('mlx5_0');
 *
 * Owns: the devices it probed (as drvdata). Never: the registry's life.
 */

import { type AuxiliaryDriver, type CoreHandle, type Logger, silentLogger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import { IbDevice, ibDeviceName } from './ib-device.js';
import { RdmaRegistry } from './rdma-registry.js';

/** RDMA_DRIVER_NAME: the default driver name on the bus. */
export const RDMA_DRIVER_NAME = 'mlx5_ib.rdma';

/** RDMA_MATCH_NAME: the aux devices the driver binds. */
export const RDMA_MATCH_NAME = 'mlx5_core.rdma';

/** RdmaDriverOptions: what the embedder may supply. */
export interface RdmaDriverOptions {
  /** Where probed devices are listed and opened; a new one when left out. */
  readonly registry?: RdmaRegistry;
  /** Operational log; default silent. */
  readonly logger?: Logger;
  /** Driver name on the bus (default `mlx5_ib.rdma`): set it to bind two registries on one bus. */
  readonly name?: string;
}

/** RdmaDriver: the aux driver plus the registry its devices appear in (as net-aux's NetDriver). */
export type RdmaDriver = AuxiliaryDriver<CoreHandle> & { readonly registry: RdmaRegistry };

/** createRdmaDriver: see the module header; EINVAL for options that are not an object. */
export function createRdmaDriver(opts: RdmaDriverOptions = {}): RdmaDriver {
  if (typeof opts !== 'object' || opts === null) {
    throw new AuxError('EINVAL', 'createRdmaDriver takes { registry?, logger?, name? }');
  }
  if (opts.registry !== undefined && !(opts.registry instanceof RdmaRegistry)) {
    throw new AuxError('EINVAL', 'registry must be an RdmaRegistry');
  }
  const registry = opts.registry ?? new RdmaRegistry();
  const name = opts.name ?? RDMA_DRIVER_NAME;
  const log = (opts.logger ?? silentLogger).child({ driver: name });
  return {
    name,
    registry,
    idTable: [{ name: RDMA_MATCH_NAME }],
    probe(adev) {
      const dev = new IbDevice(adev.shared, ibDeviceName(adev.id), log);
      registry.add(dev);
      adev.drvdata = dev;
      log.info({ device: dev.name, core: adev.shared.coreName }, 'ib device registered');
    },
    async remove(adev) {
      const dev = adev.drvdata;
      if (!(dev instanceof IbDevice)) return;
      registry.remove(dev);
      await dev.detach();
    },
  };
}

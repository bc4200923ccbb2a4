/**
 * createNetDriver: the auxiliary driver for `mlx5_core.eth` devices (the
 * mlx5e driver's role).
 *
 * probe: builds a NetDevice on the aux device's CoreHandle (named
 * `eth<core id>` unless the embedder names it) and adds it to the
 * embedder's registry; the interface starts stopped.
 * suspend / resume: park the netdev across the core's reload and bring it
 * back with its configuration (see net-device.ts).
 * remove: takes the netdev out of the registry first, then detaches it:
 * its channel is destroyed while the core still runs commands, so no
 * firmware object or DMA mapping of it survives, also mid-traffic.
 *
 * USAGE
 *   const registry = new NetRegistry();
 *   await bus.registerDriver(createNetDriver({ registry }));
 *   const eth0 = registry.require('eth0');
 *   await eth0.open();
 *
 * Owns: the netdevs it probed (as drvdata). Never: the registry's life.
 */

import { type AuxiliaryDriver, type CoreHandle, type Logger, silentLogger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import { checkIfName } from './frame-check.js';
import { NetDevice } from './net-device.js';
import { NetRegistry } from './net-registry.js';

/** NET_DRIVER_NAME: the default driver name on the bus. */
export const NET_DRIVER_NAME = 'mlx5e';

/** NET_MATCH_NAME: the aux devices the driver binds. */
export const NET_MATCH_NAME = 'mlx5_core.eth';

/** NetDriverOptions: what the embedder supplies (all optional). */
export interface NetDriverOptions {
  /** Where probed netdevs are listed; default a new one (see `NetDriver.registry`). */
  readonly registry?: NetRegistry;
  /** Operational log; default silent. */
  readonly logger?: Logger;
  /** Interface name for a device; default `eth<core id>`. Must give a valid, unused name. */
  readonly naming?: (h: CoreHandle) => string;
  /** log2 of TX / RX ring entries (1..15); default 8. */
  readonly logSqSize?: number;
  readonly logRqSize?: number;
  /** Driver name on the bus (default `mlx5e`): set it to bind two registries on one bus. */
  readonly name?: string;
}

/** NetDriver: the aux driver plus the registry its netdevs appear in. */
export type NetDriver = AuxiliaryDriver<CoreHandle> & { readonly registry: NetRegistry };

function checkLogSize(v: number | undefined, what: string): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 1 || v > 15)) {
    throw new AuxError('EINVAL', `${what} must be an integer from 1 to 15`);
  }
}

/** createNetDriver: see the module header; EINVAL for bad ring sizes. */
export function createNetDriver(opts: NetDriverOptions = {}): NetDriver {
  checkLogSize(opts.logSqSize, 'logSqSize');
  checkLogSize(opts.logRqSize, 'logRqSize');
  const registry = opts.registry ?? new NetRegistry();
  const name = opts.name ?? NET_DRIVER_NAME;
  const log = (opts.logger ?? silentLogger).child({ driver: name });
  const naming = opts.naming ?? ((h: CoreHandle) => `eth${h.coreId}`);
  return {
    name,
    registry,
    idTable: [{ name: NET_MATCH_NAME }],
    async probe(adev) {
      const h = adev.shared;
      const ifname = checkIfName(naming(h));
      if (registry.get(ifname)) {
        throw new AuxError('EEXIST', `interface ${ifname} is already registered`);
      }
      const dev = await NetDevice.create(h, {
        name: ifname,
        log: log.child({ netdev: ifname }),
        ...(opts.logSqSize !== undefined && { logSqSize: opts.logSqSize }),
        ...(opts.logRqSize !== undefined && { logRqSize: opts.logRqSize }),
      });
      try {
        registry.add(dev);
      } catch (err) {
        await dev.detach();
        throw err;
      }
      adev.drvdata = dev;
      log.info({ netdev: ifname, device: adev.devName }, 'netdev registered');
    },
    async suspend(adev) {
      const dev = adev.drvdata;
      if (dev instanceof NetDevice) await dev.suspend();
    },
    async resume(adev) {
      const dev = adev.drvdata;
      if (dev instanceof NetDevice) await dev.resume();
    },
    async remove(adev) {
      const dev = adev.drvdata;
      if (!(dev instanceof NetDevice)) return;
      registry.remove(dev);
      await dev.detach();
      log.info({ netdev: dev.name }, 'netdev removed');
    },
  };
}

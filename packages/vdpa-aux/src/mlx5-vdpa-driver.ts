/**
 * createMlx5VdpaDriver: the auxiliary driver for `mlx5_core.vnet` devices
 * (mlx5_vdpa's role). Core publishes those on functions that can serve
 * virtio-net queues (SFs and VFs with the capability and `enable_vnet`,
 * never a PF).
 *
 * probe: registers the function's management device on the embedder's
 * vdpa bus (see vnet-mgmtdev.ts); `vdpa dev add` then makes the device.
 * suspend / resume (the core reloads): the device parks its queues and
 * firmware objects and restores them where the rings stopped.
 * remove: unregisters the management device, which deletes its vdpa
 * device (the vdpa driver bound to it is removed first, then the device's
 * firmware objects and mappings go) while the core still runs commands.
 *
 * USAGE
 *   const vdpa = new VdpaBus();
 *   await auxBus.registerDriver(createMlx5VdpaDriver({ bus: vdpa }));
 *   await vdpa.mgmt.devAdd({ name: 'vdpa0', mgmtdev: 'auxiliary/mlx5_core.sf.2' });
 *
 * Owns: the management devices it registered (as drvdata). Never: the
 * vdpa bus or its drivers.
 */
import { type AuxiliaryDriver, type CoreHandle, type Logger, silentLogger } from '@auxctl/core';
import type { VdpaBus } from '@auxctl/vdpa';
import { registerVnetMgmtDev, type VnetMgmt } from './vnet-mgmtdev.js';

/** MLX5_VDPA_DRIVER_NAME: the default driver name on the auxiliary bus. */
export const MLX5_VDPA_DRIVER_NAME = 'mlx5_vdpa';

/** VNET_MATCH_NAME: the aux devices the driver binds. */
export const VNET_MATCH_NAME = 'mlx5_core.vnet';

/** Mlx5VdpaDriverOptions: the vdpa bus to register management devices on. */
export interface Mlx5VdpaDriverOptions {
  readonly bus: VdpaBus;
  /** Operational log; default silent. */
  readonly logger?: Logger;
  /** Driver name on the auxiliary bus (default `mlx5_vdpa`). */
  readonly name?: string;
}

function mgmtOf(drvdata: unknown): VnetMgmt | undefined {
  return drvdata && typeof drvdata === 'object' && 'mgmtdev' in drvdata
    ? (drvdata as VnetMgmt)
    : undefined;
}

/** createMlx5VdpaDriver: see the module header. */
export function createMlx5VdpaDriver(opts: Mlx5VdpaDriverOptions): AuxiliaryDriver<CoreHandle> {
  const { bus } = opts;
  const name = opts.name ?? MLX5_VDPA_DRIVER_NAME;
  const log = (opts.logger ?? silentLogger).child({ driver: name });
  return {
    name,
    idTable: [{ name: VNET_MATCH_NAME }],
    async probe(adev) {
      const h = adev.shared;
      await h.openDataPath();
      const mgmt = await registerVnetMgmtDev(bus, h, log.child({ device: adev.devName }));
      adev.drvdata = mgmt;
      log.info(
        { device: adev.devName, mgmtdev: mgmt.mgmtdev.handle },
        'vdpa management device registered',
      );
    },
    async suspend(adev) {
      await mgmtOf(adev.drvdata)?.device()?.park();
    },
    async resume(adev) {
      await mgmtOf(adev.drvdata)?.device()?.unpark();
    },
    async remove(adev) {
      const mgmt = mgmtOf(adev.drvdata);
      if (!mgmt) return;
      await bus.mgmt.unregister(mgmt.mgmtdev.handle);
      log.info({ mgmtdev: mgmt.mgmtdev.handle }, 'vdpa management device removed');
    },
  };
}

/**
 * createCtlDriver: the auxiliary driver for `mlx5_core.ctl` devices (the
 * mlx5 fwctl driver's role).
 *
 * probe: wraps the aux device's CoreHandle in a CtlDevice named
 * `mlx5ctl-<aux device name>` and adds it to the embedder's registry.
 * remove: takes the device out of the registry first (nobody can open it
 * any more), then detaches it: every open context is closed while the
 * core can still run the commands that release its uid and umems, and
 * every later call on those contexts fails with ENODEV.
 *
 * USAGE
 *   const registry = new CtlRegistry();
 *   await bus.registerDriver(createCtlDriver({ registry, audit: auditLogger }));
 *   const ctx = await registry.open('mlx5ctl-mlx5_core.ctl.0', { principal: 'alice' });
 *
 * Owns: the devices it probed (as drvdata). Never: the registry's life.
 */

import { type AuxiliaryDriver, type CoreHandle, type Logger, silentLogger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import { AuditLog } from './audit-log.js';
import { CtlDevice } from './ctl-device.js';
import type { CtlRegistry } from './ctl-registry.js';
import { DEFAULT_UMEM_BYTES_PER_CONTEXT } from './umem-registry.js';

/** CTL_DRIVER_NAME: the default driver name on the bus. */
export const CTL_DRIVER_NAME = 'mlx5_fwctl';

/** CTL_MATCH_NAME: the aux devices the driver binds. */
export const CTL_MATCH_NAME = 'mlx5_core.ctl';

/** CtlDriverOptions: what the embedder supplies. */
export interface CtlDriverOptions {
  /** Where probed devices are listed and opened. */
  readonly registry: CtlRegistry;
  /** The audit stream: one line per command sent for a context (see audit-log.ts). */
  readonly audit: Logger;
  /** Operational log; default silent. */
  readonly logger?: Logger;
  /** Umem bytes a context may hold at once; default 256 MiB. */
  readonly umemBytesPerContext?: number;
  /**
   * What the refusal of a raw CREATE_UMEM / DESTROY_UMEM tells callers to
   * use instead: an embedder serving contexts to remote callers names its
   * own umem calls; default LOCAL_UMEM_CALLS (the context's umemReg / umemUnreg).
   */
  readonly umemCalls?: string;
  /** Driver name on the bus (default `mlx5_fwctl`): set it to bind two registries on one bus. */
  readonly name?: string;
}

/** createCtlDriver: see the module header; EINVAL for a missing registry or audit logger or a bad limit. */
export function createCtlDriver(opts: CtlDriverOptions): AuxiliaryDriver<CoreHandle> {
  if (!opts?.registry || !opts.audit) {
    throw new AuxError('EINVAL', 'createCtlDriver needs { registry, audit }');
  }
  const limit = opts.umemBytesPerContext;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) {
    throw new AuxError('EINVAL', 'umemBytesPerContext must be a positive integer');
  }
  const log = (opts.logger ?? silentLogger).child({ driver: opts.name ?? CTL_DRIVER_NAME });
  const audit = new AuditLog(opts.audit);
  const umemBytesPerContext = opts.umemBytesPerContext ?? DEFAULT_UMEM_BYTES_PER_CONTEXT;
  return {
    name: opts.name ?? CTL_DRIVER_NAME,
    idTable: [{ name: CTL_MATCH_NAME }],
    probe(adev) {
      const dev = new CtlDevice(adev.shared, {
        audit,
        log,
        umemBytesPerContext,
        ...(opts.umemCalls !== undefined && { umemCalls: opts.umemCalls }),
      });
      opts.registry.add(dev);
      adev.drvdata = dev;
      log.info({ device: dev.name, core: adev.shared.coreName }, 'ctl device registered');
    },
    async remove(adev) {
      const dev = adev.drvdata;
      if (!(dev instanceof CtlDevice)) return;
      opts.registry.remove(dev);
      await dev.detach();
    },
  };
}

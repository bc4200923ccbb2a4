/**
 * openSources: the device sources an AuxctlServer's options ask for, opened
 * in order (`sources`, default `['sim']`).
 *
 * Owns the translation of server options into each source's options and
 * the `auto` rule. Never: serves anything itself; a source that fails to
 * open fails the start (the sources opened before are handed over already,
 * so the caller's one release path closes them).
 */

import type { Logger } from '@auxctl/core';
import { discoverFwctl } from '@auxctl/fwctl-linux';
import { AuxError } from '@auxctl/prm';
import { type AuxctlServerOptions, SERVER_DEFAULTS } from '../server-options.js';
import { startFwctlDouble } from '../testing/fwctl-double.js';
import type { DeviceSource } from './device-source.js';
import { FwctlSource } from './fwctl/fwctl-source.js';
import { SimSource } from './sim/sim-source.js';

/** SourceChoice: a source named on the command line (`auto`: fwctl when the host has devices, else sim). */
export type SourceChoice = 'sim' | 'fwctl' | 'auto';

/** SOURCE_CHOICES: the names `--source` takes. */
export const SOURCE_CHOICES: readonly SourceChoice[] = ['sim', 'fwctl', 'auto'];

/** openSources: open each source of `o.sources` and hand it to `opened` as soon as it is open. */
export async function openSources(
  o: AuxctlServerOptions,
  logs: { logger: Logger; audit: Logger },
  opened: (source: DeviceSource) => void,
): Promise<void> {
  const choices = o.sources ?? SERVER_DEFAULTS.sources;
  if (new Set(choices).size !== choices.length) {
    throw new AuxError('EINVAL', `sources must not repeat a source: ${choices.join(',')}`);
  }
  for (const choice of choices) {
    const kind = choice === 'auto' ? await autoChoice(o) : choice;
    logs.logger.info({ source: kind, asked: choice }, 'opening device source');
    opened(kind === 'sim' ? await openSim(o, logs) : await openFwctl(o, logs));
  }
}

/** autoChoice: fwctl when sysfs shows any fwctl device, else sim. */
async function autoChoice(o: AuxctlServerOptions): Promise<'sim' | 'fwctl'> {
  const found = await discoverFwctl({
    ...(o.fwctl?.sysfsRoot !== undefined && { sysfsRoot: o.fwctl.sysfsRoot }),
    ...(o.fwctl?.devRoot !== undefined && { devRoot: o.fwctl.devRoot }),
  });
  return found.length > 0 ? 'fwctl' : 'sim';
}

async function openFwctl(
  o: AuxctlServerOptions,
  logs: { logger: Logger; audit: Logger },
): Promise<FwctlSource> {
  // Without the hardware: a kernel double over simulated firmware stands in for the host.
  const host = o.fwctlKernelDouble
    ? await startFwctlDouble({ devices: o.fwctlKernelDouble })
    : undefined;
  let source: FwctlSource;
  try {
    source = await FwctlSource.start({
      ...o.fwctl,
      ...(host && { ...host.sourceOptions(), onClose: () => host.close() }),
      logger: logs.logger,
      auditLogger: logs.audit,
    });
  } catch (err) {
    await host?.close();
    throw err;
  }
  if (host) {
    logs.logger.warn(
      { devices: host.devices, sysfsRoot: host.sysfsRoot },
      'serving fwctl devices of a kernel double over simulated firmware, not the host kernel',
    );
  }
  if (source.devices().length === 0) {
    logs.logger.warn(
      { sysfsRoot: o.fwctl?.sysfsRoot ?? '/sys' },
      'no mlx5 fwctl device found (Linux 6.15+ with CONFIG_FWCTL_MLX5); serving none until one appears',
    );
  }
  return source;
}

async function openSim(o: AuxctlServerOptions, logs: { logger: Logger; audit: Logger }) {
  const sim = await SimSource.create({
    devices: o.devices ?? SERVER_DEFAULTS.devices,
    logger: logs.logger,
    auditLogger: logs.audit,
    ...(o.health && { health: o.health }),
    ...(o.crdumpSize !== undefined && { crdumpSize: o.crdumpSize }),
    ...(o.simVfs !== undefined && { vfs: o.simVfs }),
    ...(o.simWire !== undefined && { wire: o.simWire }),
    ...(o.simLatency !== undefined && { latency: o.simLatency }),
    umemBytesPerContext:
      o.limits?.umemBytesPerContext ?? SERVER_DEFAULTS.limits.umemBytesPerContext,
  });
  if (sim.wire) {
    const { host, port } = sim.wire.address;
    const end = o.simWire?.listen !== undefined ? 'listening' : 'dialling';
    logs.logger.info({ wire: `${host}:${port}` }, `simulated cable ${end}`);
  }
  return sim;
}

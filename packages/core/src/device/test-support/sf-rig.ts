/**
 * sfRig: a simulated PF, its core device on a bus with the SF driver and a
 * stand-in driver for `eth` / `rdma` / `ctl` (binds and does nothing), and
 * the baselines a test compares against when everything is gone again.
 */

import { createSimDevice, type SimFunction, type SimFunctionOptions } from '@auxctl/sim';
import { AuxiliaryBus } from '../../bus/auxiliary-bus.js';
import { recordingDriver } from '../../bus/test-support/recording-driver.js';
import { CoreDevice } from '../core-device.js';
import type { CoreEvent } from '../core-events.js';
import { IdAllocator } from '../id-allocator.js';
import { createSfDriver } from '../sf-driver.js';

/** SfRig: see the module header. */
export interface SfRig {
  readonly bus: AuxiliaryBus;
  readonly ids: IdAllocator;
  readonly sfIds: IdAllocator;
  readonly sim: SimFunction;
  readonly core: CoreDevice;
  /** Calls the stand-in aux driver got (`probe mlx5_core.eth.1`, ...). */
  readonly calls: string[];
  readonly events: CoreEvent[];
  /** DMA mappings right after the PF came up. */
  readonly baseline: number;
  close(): Promise<void>;
}

/** sfRig: see the module header; `sfDriver: false` leaves SFs unbound. */
export async function sfRig(
  opts: { sim?: SimFunctionOptions; sfDriver?: boolean; standIn?: boolean } = {},
): Promise<SfRig> {
  const bus = new AuxiliaryBus();
  const ids = new IdAllocator();
  const sfIds = new IdAllocator();
  const standIn = recordingDriver(
    'stand-in',
    ['mlx5_core.eth', 'mlx5_core.rdma', 'mlx5_core.ctl'],
    {},
  );
  if (opts.standIn !== false) await bus.registerDriver(standIn.drv);
  if (opts.sfDriver !== false) {
    await bus.registerDriver(createSfDriver({ ids, health: { poll: false } }));
  }
  const sim = createSimDevice({ crdumpSize: 4096, ...opts.sim });
  const core = await CoreDevice.probe({ backend: sim, bus, ids, sfIds, health: { poll: false } });
  const events: CoreEvent[] = [];
  core.events.subscribe((e) => {
    events.push(e);
  });
  const baseline = sim.dma.mappings;
  return {
    bus,
    ids,
    sfIds,
    sim,
    core,
    calls: standIn.calls,
    events,
    baseline,
    async close() {
      await core.close();
      sim.close();
    },
  };
}

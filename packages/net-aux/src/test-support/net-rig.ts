/**
 * netRig: simulated devices probed as core devices on one bus with the net
 * driver registered, their netdevs, and (for two devices) a wire between
 * port 1 of each. `objects(i)` counts firmware objects other than the
 * core's own event queues, so a test can check that a netdev left nothing.
 */
import { AuxiliaryBus, CoreDevice, type CoreHandle, IdAllocator } from '@auxctl/core';
import {
  createSimDevice,
  type SimFunction,
  SimWire,
  type SimWireOptions,
  simIdentity,
} from '@auxctl/sim';
import type { NetDevice } from '../net-device.js';
import { createNetDriver, type NetDriverOptions } from '../net-driver.js';
import { NetRegistry } from '../net-registry.js';

/** flush: let doorbell batches, wire deliveries and interrupts run. */
export async function flush(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** NetRig: see the module header. */
export interface NetRig {
  readonly bus: AuxiliaryBus;
  /** Core ids of the rig (a sub-function's nested core must take its id from here). */
  readonly ids: IdAllocator;
  readonly registry: NetRegistry;
  readonly sims: SimFunction[];
  readonly cores: CoreDevice[];
  readonly devs: NetDevice[];
  readonly wire: SimWire | undefined;
  /** The eth aux device's CoreHandle of device `i` (to read registers the way the driver does). */
  handle(i: number): CoreHandle;
  /** Firmware objects of device `i`, by type, without the core's EQs. */
  objects(i: number): Record<string, number>;
  close(): Promise<void>;
}

/** BCAST: the broadcast address. */
export const BCAST = Buffer.from('ffffffffffff', 'hex');

export { ethFrame } from '@auxctl/sim/testing';

/** netRig: `n` devices (1 or 2); with two, a wire joins them unless `wire` is false. */
export async function netRig(
  opts: {
    n?: number;
    wire?: SimWireOptions | false;
    driver?: Omit<NetDriverOptions, 'registry'>;
    open?: boolean;
  } = {},
): Promise<NetRig> {
  const n = opts.n ?? 2;
  const bus = new AuxiliaryBus();
  const registry = new NetRegistry();
  await bus.registerDriver(createNetDriver({ ...opts.driver, registry }));
  const ids = new IdAllocator();
  const sims: SimFunction[] = [];
  const cores: CoreDevice[] = [];
  for (let i = 0; i < n; i++) {
    const sim = createSimDevice({ identity: simIdentity(i) });
    sims.push(sim);
    cores.push(await CoreDevice.probe({ backend: sim, bus, ids, health: { poll: false } }));
  }
  const wire =
    n === 2 && opts.wire !== false
      ? new SimWire({ device: sims[0]! }, { device: sims[1]! }, opts.wire ?? {})
      : undefined;
  const devs = registry.names().map((name) => registry.require(name));
  if (opts.open !== false) {
    for (const d of devs) await d.open();
    await flush();
  }
  return {
    bus,
    ids,
    registry,
    sims,
    cores,
    devs,
    wire,
    handle(i) {
      const adev = cores[i]!.auxDevices().find((d) => d.devName.includes('.eth.'));
      if (!adev) throw new Error(`device ${i} has no eth aux device`);
      return adev.shared;
    },
    objects(i) {
      const counts = { ...sims[i]!.engine.objectCounts() } as Record<string, number>;
      delete counts.EQ;
      return counts;
    },
    async close() {
      wire?.unplug();
      for (const [i, core] of cores.entries()) {
        await core.close();
        const sim = sims[i]!;
        if (sim.dma.mappings !== 0) throw new Error(`${sim.dma.mappings} DMA mappings leaked`);
        sim.close();
      }
    },
  };
}

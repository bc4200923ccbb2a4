/**
 * wiredPair: the rig of the data path figures — two simulated devices,
 * each probed by a core device on one bus where `driver` is registered,
 * port 1 of each joined by a wire. `close()` unplugs the wire, closes the
 * cores (their aux drivers release everything) and then the simulators.
 */
import {
  AuxiliaryBus,
  type AuxiliaryDriver,
  CoreDevice,
  type CoreHandle,
  IdAllocator,
} from '@auxctl/core';
import { createSimDevice, type SimFunction, SimWire, simIdentity } from '@auxctl/sim';

/** WiredPair: see the module header. */
export interface WiredPair {
  readonly bus: AuxiliaryBus;
  readonly sims: readonly SimFunction[];
  readonly cores: readonly CoreDevice[];
  readonly wire: SimWire;
  close(): Promise<void>;
}

/** wiredPair: see the module header. */
export async function wiredPair(driver: AuxiliaryDriver<CoreHandle>): Promise<WiredPair> {
  const bus = new AuxiliaryBus();
  await bus.registerDriver(driver);
  const ids = new IdAllocator();
  const sims = [0, 1].map((n) => createSimDevice({ identity: simIdentity(n) }));
  const cores: CoreDevice[] = [];
  const close = async (): Promise<void> => {
    wire?.unplug();
    for (const core of [...cores].reverse()) await core.close();
    for (const sim of sims) sim.close();
  };
  let wire: SimWire | undefined;
  try {
    for (const sim of sims) {
      cores.push(await CoreDevice.probe({ backend: sim, bus, ids, health: { poll: false } }));
    }
    wire = new SimWire({ device: sims[0] as SimFunction }, { device: sims[1] as SimFunction });
  } catch (err) {
    await close();
    throw err;
  }
  return { bus, sims, cores, wire, close };
}

/**
 * sriovRig: a simulated PF with SR-IOV on a PCI bus, bound by the core PCI
 * driver, whose core devices publish on an auxiliary bus where a stand-in
 * driver binds `eth` / `rdma` / `ctl` / `vnet` (and does nothing), plus the
 * baselines a test compares against when the VFs are gone again.
 */
import { createSimDevice, type SimFunction, type SimFunctionOptions } from '@auxctl/sim';
import { AuxiliaryBus } from '../../bus/auxiliary-bus.js';
import { recordingDriver } from '../../bus/test-support/recording-driver.js';
import { PciBus } from '../../pci/pci-bus.js';
import type { PciFunction } from '../../pci/pci-function.js';
import type { CoreDevice } from '../core-device.js';
import { createCorePciDriver, pciFunctionOf } from '../core-pci-driver.js';
import { IdAllocator } from '../id-allocator.js';

/** SriovRig: see the module header. */
export interface SriovRig {
  readonly pci: PciBus;
  readonly bus: AuxiliaryBus;
  readonly ids: IdAllocator;
  readonly sim: SimFunction;
  readonly pf: PciFunction;
  readonly core: CoreDevice;
  /** Calls the stand-in aux driver got (`probe mlx5_core.eth.1`, ...). */
  readonly calls: string[];
  /** DMA mappings right after the PF came up. */
  readonly baseline: number;
  /** coreOf: the core device bound to the function at `bdf`. */
  coreOf(bdf: string): CoreDevice;
  close(): Promise<void>;
}

/** sriovRig: see the module header (default 4 VFs offered). */
export async function sriovRig(opts: { sim?: SimFunctionOptions } = {}): Promise<SriovRig> {
  const bus = new AuxiliaryBus();
  const ids = new IdAllocator();
  const standIn = recordingDriver(
    'stand-in',
    ['mlx5_core.eth', 'mlx5_core.rdma', 'mlx5_core.ctl', 'mlx5_core.vnet'],
    {},
  );
  await bus.registerDriver(standIn.drv);
  const pci = new PciBus();
  await pci.registerDriver(
    createCorePciDriver({ pci, bus, ids, sfIds: new IdAllocator(), health: { poll: false } }),
  );
  const sim = createSimDevice({ crdumpSize: 4096, maxVfs: 4, ...opts.sim });
  const pf = await pci.addFunction(pciFunctionOf(sim));
  const coreOf = (bdf: string) => {
    const dev = pci.find(bdf)?.drvdata as CoreDevice | undefined;
    if (!dev) throw new Error(`no core device on ${bdf}`);
    return dev;
  };
  const core = coreOf(pf.bdf);
  return {
    pci,
    bus,
    ids,
    sim,
    pf,
    core,
    calls: standIn.calls,
    baseline: sim.dma.mappings,
    coreOf,
    async close() {
      if (pci.find(pf.bdf)) await pci.removeFunction(pf);
      sim.close();
    },
  };
}

/**
 * migRig: a simulated PF with SR-IOV on a PCI bus, bound by the core PCI
 * driver (which binds VFs by default), with mlx5_vfio_pci registered
 * beside it and the vfio devices it publishes; plus the PF's baselines (DMA
 * mappings, firmware objects) a test compares against at the end.
 */
import {
  AuxiliaryBus,
  type CoreDevice,
  createCorePciDriver,
  IdAllocator,
  PciBus,
  type PciFunction,
  pciFunctionOf,
} from '@auxctl/core';
import {
  createSimDevice,
  type SimFunction,
  type SimFunctionOptions,
  simIdentity,
} from '@auxctl/sim';
import { VfioDevices } from '@auxctl/vfio';
import { createMlx5VfioPciDriver, MLX5_VFIO_PCI_DRIVER_NAME } from '../mlx5-vfio-pci-driver.js';

export interface MigRig {
  readonly pci: PciBus;
  readonly devices: VfioDevices;
  readonly sim: SimFunction;
  readonly pf: PciFunction;
  readonly core: CoreDevice;
  /** PF DMA mappings and firmware object counts right after the PF came up. */
  readonly baseline: { mappings: number; objects: Record<string, number> };
  /** vfBdf: the address of VF `n`. */
  vfBdf(n: number): string;
  /** enableVfs: `n` VFs with autoprobe off (nothing binds them), VF `migratable` ones marked so. */
  enableVfs(n: number, migratable?: readonly number[]): Promise<void>;
  /** bindVfio: override VF `n` to mlx5_vfio_pci and probe it. */
  bindVfio(n: number): Promise<void>;
  pfObjects(): Record<string, number>;
  close(): Promise<void>;
}

export async function migRig(
  opts: { sim?: SimFunctionOptions; host?: number } = {},
): Promise<MigRig> {
  const bus = new AuxiliaryBus();
  const pci = new PciBus();
  const devices = new VfioDevices();
  await pci.registerDriver(
    createCorePciDriver({
      pci,
      bus,
      ids: new IdAllocator(),
      sfIds: new IdAllocator(),
      health: { poll: false },
    }),
  );
  await pci.registerDriver(createMlx5VfioPciDriver({ pci, devices }));
  const sim = createSimDevice({
    crdumpSize: 4096,
    maxVfs: 4,
    identity: simIdentity(opts.host ?? 0),
    ...opts.sim,
  });
  const pf = await pci.addFunction(pciFunctionOf(sim));
  const core = pf.drvdata as CoreDevice;
  const pfObjects = () => ({ ...sim.engine.objectCounts() }) as Record<string, number>;
  const vfBdf = (n: number) => {
    const vf = pf.sriov?.vfs[n];
    if (!vf) throw new Error(`VF ${n} is not enabled`);
    return vf.bdf;
  };
  return {
    pci,
    devices,
    sim,
    pf,
    core,
    baseline: { mappings: sim.dma.mappings, objects: pfObjects() },
    vfBdf,
    pfObjects,
    async enableVfs(n, migratable = []) {
      pci.setDriversAutoprobe(pf.bdf, false);
      await pci.writeNumVfs(pf.bdf, n);
      for (const vf of migratable) {
        await core.portFunctions.set(core.sriov.indexOf(vf), { migratable: true });
      }
    },
    async bindVfio(n) {
      pci.setDriverOverride(vfBdf(n), MLX5_VFIO_PCI_DRIVER_NAME);
      await pci.reprobe(vfBdf(n));
    },
    async close() {
      if (pci.find(pf.bdf)) await pci.removeFunction(pf);
      sim.close();
    },
  };
}

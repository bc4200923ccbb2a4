/**
 * createCorePciDriver: the core driver as a PCI driver (mlx5_core's
 * `struct pci_driver`), part of core.
 *
 * probe: bring up a CoreDevice over the function's resource (its device
 * backend), named after the function's address; a VF (matched by the VF
 * device id) becomes a core device of kind 'vf' — its own command queue,
 * firmware, caps, objects and uids, publishing its own eth / rdma / ctl
 * (and, when caps and `enable_vnet` allow, vnet) aux devices with a fresh
 * id — and is recorded on its PF's port function while the PF is bound to
 * this driver. remove: a PF's VFs go first (the PCI part, then the
 * firmware part), then the core device closes.
 *
 * A PF's recovery (fw_fatal: the reset disables every VF in firmware)
 * goes through CoreSriov's reset hooks, set here: before the reset each
 * VF's driver is unbound (a VF core device first fails its commands at
 * once); after it, once the VFs are enabled again, each VF is bound again
 * to the driver it had.
 *
 * sriovConfigure (a write of sriov_numvfs, PF locked): n > 0 enables the
 * VFs in firmware, then adds their PCI functions (which probe, by the
 * autoprobe rules); 0 removes the PCI functions, then disables the VFs in
 * firmware — mlx5's order both ways.
 *
 * A VF driver that needs its PF's core (a vfio variant driver sends its
 * migration commands through the PF) calls `pfCoreOf(pci, vf)`: through
 * the driver model, never by discovery.
 *
 * USAGE
 *   const pci = new PciBus();
 *   await pci.registerDriver(createCorePciDriver({ pci, bus, ids }));
 *   await pci.addFunction(pciFunctionOf(sim));      // PF probed: core device up
 *   await pci.writeNumVfs(sim.identity.bdf, 2);     // two VF core devices up
 *
 * Owns: the core devices it probed. Never: the functions (the PCI bus).
 */
import { AuxError, type DeviceBackend } from '@auxctl/prm';
import type { AuxiliaryBus } from '../bus/auxiliary-bus.js';
import { type Logger, silentLogger } from '../log.js';
import type { PciBus } from '../pci/pci-bus.js';
import type { PciDeviceId, PciDriver } from '../pci/pci-driver.js';
import type { PciFunction, PciFunctionInit } from '../pci/pci-function.js';
import { CoreDevice, type CoreDeviceOptions } from './core-device.js';
import type { SriovResetHooks } from './core-sriov.js';

/** CORE_PCI_DRIVER_NAME: the driver's name on the PCI bus. */
export const CORE_PCI_DRIVER_NAME = 'mlx5_core';
/** PCI_VENDOR_ID_MELLANOX: the vendor of every mlx5 function. */
export const PCI_VENDOR_ID_MELLANOX = 0x15b3;

/** MLX5_PCI_IDS: the functions the core driver binds (a subset of mlx5's table). */
export const MLX5_PCI_IDS: readonly PciDeviceId<{ readonly vf: boolean }>[] = [
  { vendor: PCI_VENDOR_ID_MELLANOX, device: 0x101d, data: { vf: false } }, // ConnectX-6 Dx
  { vendor: PCI_VENDOR_ID_MELLANOX, device: 0x101e, data: { vf: true } }, // mlx5Gen Virtual Function
  { vendor: PCI_VENDOR_ID_MELLANOX, device: 0x1021, data: { vf: false } }, // ConnectX-7
];

/** CorePciDriverOptions: where core devices publish and how they are probed. */
export interface CorePciDriverOptions
  extends Pick<
    CoreDeviceOptions,
    'ids' | 'sfIds' | 'cmdTimeoutMs' | 'health' | 'compVectors' | 'profile' | 'params'
  > {
  readonly pci: PciBus;
  /** The auxiliary bus the core devices publish on. */
  readonly bus: AuxiliaryBus;
  readonly logger?: Logger;
}

/** createCorePciDriver: see the module header. */
export function createCorePciDriver(opts: CorePciDriverOptions): PciDriver<DeviceBackend> {
  const { pci, bus, logger, ...core } = opts;
  const log = (logger ?? silentLogger).child({ driver: CORE_PCI_DRIVER_NAME });
  return {
    name: CORE_PCI_DRIVER_NAME,
    idTable: MLX5_PCI_IDS,
    async probe(fn, id) {
      const vf = (id.data as { vf?: boolean } | undefined)?.vf ?? fn.isVirtfn;
      const dev = await CoreDevice.probe({
        ...core,
        backend: fn.resource,
        bus,
        name: fn.bdf,
        logger: log,
        kind: vf ? 'vf' : 'pf',
      });
      fn.drvdata = dev;
      if (fn.isVirtfn && fn.vfIndex !== undefined)
        pfCore(pci, fn)?.sriov.attachCore(fn.vfIndex, dev);
      if (fn.sriov) dev.sriov.resetHooks = vfResetHooks(pci, fn, log);
    },
    async remove(fn) {
      const dev = fn.drvdata as CoreDevice | undefined;
      if (fn.sriov) await pci.disableSriov(fn);
      if (dev && fn.isVirtfn && fn.vfIndex !== undefined) {
        pfCore(pci, fn)?.sriov.detachCore(fn.vfIndex, dev);
      }
      await dev?.close();
    },
    async sriovConfigure(fn, numVfs) {
      const dev = fn.drvdata as CoreDevice;
      if (numVfs === 0) {
        await pci.disableSriov(fn);
        dev.sriov.disable();
        return 0;
      }
      dev.sriov.enable(numVfs);
      try {
        await pci.enableSriov(fn, numVfs, (vf) => dev.sriov.backend(vf));
      } catch (err) {
        dev.sriov.disable();
        throw err;
      }
      return numVfs;
    },
  };
}

/**
 * pfCoreOf: the core device of `vf`'s PF (mlx5's `mlx5_vf_get_core_dev`),
 * through the PCI bus's `pfDriverData`. EINVAL when `vf` is not a VF or its
 * PF is not bound to the core driver.
 */
export function pfCoreOf(pci: PciBus, vf: PciFunction): CoreDevice {
  const dev = pci.pfDriverData(vf, CORE_PCI_DRIVER_NAME);
  if (!(dev instanceof CoreDevice)) {
    throw new AuxError('EINVAL', `${vf.bdf}'s PF has no core device`);
  }
  return dev;
}

/** pciFunctionOf: the PCI function a device backend is (its identity and SR-IOV capability). */
export function pciFunctionOf(backend: DeviceBackend): PciFunctionInit<DeviceBackend> {
  const { bdf, vendorId, deviceId } = backend.identity;
  const vfs = backend.virtualFunctions;
  return {
    bdf,
    vendorId,
    deviceId,
    resource: () => backend,
    ...(vfs &&
      vfs.totalVfs > 0 && {
        sriov: {
          totalVfs: vfs.totalVfs,
          offset: vfs.offset,
          stride: vfs.stride,
          vfDeviceId: vfs.vfDeviceId,
        },
      }),
  };
}

/** vfResetHooks: unbind `pf`'s VFs before its reset, bind each to its driver again after. */
function vfResetHooks(pci: PciBus, pf: PciFunction, log: Logger): SriovResetHooks {
  return {
    async prepare() {
      const bound: { bdf: string; driver: string }[] = [];
      for (const vf of pf.sriov?.vfs ?? []) {
        const driver = vf.driverName;
        if (driver === undefined) continue;
        if (vf.drvdata instanceof CoreDevice) vf.drvdata.errorDetected();
        await pci.unbind(vf.bdf);
        bound.push({ bdf: vf.bdf, driver });
      }
      return bound;
    },
    async restore(prepared) {
      for (const { bdf, driver } of prepared as { bdf: string; driver: string }[]) {
        if (!pci.find(bdf)) continue;
        await pci.bind(bdf, driver).catch((err: unknown) => {
          log.error({ err, vf: bdf, driver }, 'binding a VF again after its PF reset failed');
        });
      }
    },
  };
}

function pfCore(pci: PciBus, vf: PciFunction): CoreDevice | undefined {
  try {
    return pfCoreOf(pci, vf);
  } catch {
    return undefined;
  }
}

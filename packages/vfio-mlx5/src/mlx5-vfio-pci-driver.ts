/**
 * createMlx5VfioPciDriver: `mlx5_vfio_pci`, the mlx5 vfio variant driver
 * (drivers/vfio/pci/mlx5), a PCI driver built on vfio-pci-core
 * (`@auxctl/vfio`).
 *
 * MATCHING: one id-table entry, {0x15b3, 0x101e} (the mlx5Gen VF),
 * override-only: it never binds by itself — mlx5_core binds VFs by
 * default — only once an administrator writes `mlx5_vfio_pci` into the
 * VF's driver_override. A function that is not an mlx5 VF (a PF, another
 * vendor's function named by override) is refused with ENODEV.
 *
 * PROBE (mlx5vf_cmd_set_migratable's gates), every one on the PF:
 *   1. the PF's core device through the driver model (`pfCoreOf`): the PF
 *      must be bound to mlx5_core (ENODEV otherwise);
 *   2. the PF has the `migration` capability (EOPNOTSUPP otherwise);
 *   3. QUERY_HCA_CAP other_function=1, function_id=vf+1: the VF's vhca_id
 *      (GENERAL) and `migratable` (GENERAL_2) — a VF whose port function
 *      is not migratable is refused (EOPNOTSUPP);
 *   4. flags STOP_COPY | P2P, plus PRE_COPY when the PF's GENERAL_2 has
 *      migration_multi_load and migration_tracking_state;
 *   5. log ops (device DMA logging) when the PF has adv_virtualization and
 *      its host offers a tracker for the VF (`VirtualFunctionHost.dirtyLog`).
 * Then a VfioPciCoreDevice with Mlx5VfMigration as its migration ops, the
 * VF's own backend as its region and the VF's function reset as reset,
 * added to `devices`.
 *
 * REMOVE (unbind, sriov_numvfs 0, PF removal): the vfio device goes from
 * `devices`, both data files close (their PF memory released) and the VF
 * target detaches: from then on commands are ENOTCONN.
 *
 * Owns: the devices it probed. Never: the VF's core driver, the PF core.
 */
import {
  type Logger,
  PCI_VENDOR_ID_MELLANOX,
  type PciBus,
  type PciDriver,
  type PciFunction,
  pfCoreOf,
  queryHcaCap,
  silentLogger,
} from '@auxctl/core';
import {
  AuxError,
  CapType,
  CmdHcaCap,
  CmdHcaCap2,
  type DeviceBackend,
  isAuxError,
} from '@auxctl/prm';
import { MigFlag, type VfioDevices, VfioPciCoreDevice } from '@auxctl/vfio';
import { Mlx5VfDirtyLog } from './mlx5-vf-dirty-log.js';
import { Mlx5VfMigration } from './mlx5-vf-migration.js';
import { VfTarget } from './vf-target.js';

/** MLX5_VFIO_PCI_DRIVER_NAME: the driver's name (KBUILD_MODNAME). */
export const MLX5_VFIO_PCI_DRIVER_NAME = 'mlx5_vfio_pci';
/** MLX5_VF_DEVICE_ID: "ConnectX Family mlx5Gen Virtual Function". */
export const MLX5_VF_DEVICE_ID = 0x101e;

/** Mlx5VfioPciDriverOptions: where the driver finds PFs and publishes vfio devices. */
export interface Mlx5VfioPciDriverOptions {
  readonly pci: PciBus;
  readonly devices: VfioDevices;
  readonly logger?: Logger;
}

/** Mlx5VfioBinding: the driver's data on a bound VF. */
export interface Mlx5VfioBinding {
  readonly vfio: VfioPciCoreDevice<DeviceBackend>;
  readonly migration: Mlx5VfMigration;
  readonly vhcaId: number;
}

/** createMlx5VfioPciDriver: see the module header. */
export function createMlx5VfioPciDriver(opts: Mlx5VfioPciDriverOptions): PciDriver<DeviceBackend> {
  const log = (opts.logger ?? silentLogger).child({ driver: MLX5_VFIO_PCI_DRIVER_NAME });
  return {
    name: MLX5_VFIO_PCI_DRIVER_NAME,
    idTable: [{ vendor: PCI_VENDOR_ID_MELLANOX, device: MLX5_VF_DEVICE_ID, overrideOnly: true }],
    async probe(fn) {
      const binding = await bindVf(opts, fn, log);
      opts.devices.add(binding.vfio as VfioPciCoreDevice);
      fn.drvdata = binding;
    },
    async remove(fn) {
      const b = fn.drvdata as Mlx5VfioBinding | undefined;
      if (!b) return;
      opts.devices.remove(b.vfio as VfioPciCoreDevice);
      await b.migration.detach();
    },
  };
}

async function bindVf(
  opts: Mlx5VfioPciDriverOptions,
  fn: PciFunction<DeviceBackend>,
  log: Logger,
): Promise<Mlx5VfioBinding> {
  if (
    !fn.isVirtfn ||
    fn.vfIndex === undefined ||
    fn.vendorId !== PCI_VENDOR_ID_MELLANOX ||
    fn.deviceId !== MLX5_VF_DEVICE_ID
  ) {
    throw new AuxError(
      'ENODEV',
      `${fn.bdf} is not an mlx5 VF; ${MLX5_VFIO_PCI_DRIVER_NAME} drives only those`,
    );
  }
  let pf: ReturnType<typeof pfCoreOf>;
  try {
    pf = pfCoreOf(opts.pci, fn);
  } catch (err) {
    if (!isAuxError(err)) throw err;
    throw new AuxError('ENODEV', `${fn.bdf}: ${err.message}; bind the PF to mlx5_core first`);
  }
  if (!pf.caps.migration) {
    throw new AuxError('EOPNOTSUPP', `${fn.bdf}: its PF ${pf.name} has no migration capability`);
  }
  const functionId = fn.vfIndex + 1;
  const general = CmdHcaCap.decode(await queryHcaCap(pf.queue, CapType.GENERAL, true, functionId));
  const vfCap2 = CmdHcaCap2.decode(
    await queryHcaCap(pf.queue, CapType.GENERAL_2, true, functionId),
  );
  if (!vfCap2.migratable) {
    throw new AuxError(
      'EOPNOTSUPP',
      `${fn.bdf} (VF ${fn.vfIndex} of ${pf.name}) is not migratable; with the VF unbound, set its port function migratable first (devlink port function set ... migratable enable)`,
    );
  }
  const pfCap2 = CmdHcaCap2.decode(await queryHcaCap(pf.queue, CapType.GENERAL_2, true));
  const preCopy = pfCap2.migration_multi_load && pfCap2.migration_tracking_state;
  const flags = MigFlag.STOP_COPY | MigFlag.P2P | (preCopy ? MigFlag.PRE_COPY : 0);
  const vhcaId = general.vhca_id;
  const vf = new VfTarget(pf.queue, vhcaId, fn.bdf);
  const migration = new Mlx5VfMigration({
    vf,
    dma: pf.backend.dma,
    flags,
    log,
  });
  // Device DMA logging: when the PF advertises it and its host has a tracker for the VF.
  const tracker = pf.caps.adv_virtualization
    ? pf.backend.virtualFunctions?.dirtyLog?.(functionId)
    : undefined;
  const vfio = new VfioPciCoreDevice<DeviceBackend>({
    fn,
    ops: {
      migration,
      ...(tracker && { log: new Mlx5VfDirtyLog(vf, tracker) }),
      closeDevice: () => migration.closeFiles(),
    },
    resetFunction: (backend) => backend.reset(),
  });
  log.info({ bdf: fn.bdf, vhcaId, flags }, 'VF bound for migration');
  return { vfio, migration, vhcaId };
}

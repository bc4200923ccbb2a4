/**
 * PciFunctionInfo: a plain snapshot of a PCI function for tree views, CLIs
 * and tests (its sysfs directory: driver, driver_override, physfn, the
 * sriov_* attributes and virtfnN links).
 *
 * Owns: the snapshot shape. Never: hands out live objects.
 */
import type { PciFunction } from './pci-function.js';

/** PciFunctionInfo: one function. */
export interface PciFunctionInfo {
  readonly bdf: string;
  readonly vendorId: number;
  readonly deviceId: number;
  readonly driver: string | undefined;
  readonly driverOverride: string | undefined;
  /** A VF's PF and index. */
  readonly physfn?: string;
  readonly vfIndex?: number;
  /** A PF's SR-IOV attributes and its VFs' addresses. */
  readonly sriov?: {
    readonly totalVfs: number;
    readonly numVfs: number;
    readonly offset: number;
    readonly stride: number;
    readonly vfDeviceId: number;
    readonly driversAutoprobe: boolean;
    readonly vfs: readonly string[];
  };
}

/** pciFunctionInfo: a snapshot of `fn`. */
export function pciFunctionInfo(fn: PciFunction): PciFunctionInfo {
  const s = fn.sriov;
  return {
    bdf: fn.bdf,
    vendorId: fn.vendorId,
    deviceId: fn.deviceId,
    driver: fn.driverName,
    driverOverride: fn.driverOverride,
    ...(fn.physfn && { physfn: fn.physfn.bdf, vfIndex: fn.vfIndex }),
    ...(s && {
      sriov: {
        totalVfs: s.totalVfs,
        numVfs: s.numVfs,
        offset: s.offset,
        stride: s.stride,
        vfDeviceId: s.vfDeviceId,
        driversAutoprobe: s.driversAutoprobe,
        vfs: s.vfs.map((v) => v.bdf),
      },
    }),
  };
}

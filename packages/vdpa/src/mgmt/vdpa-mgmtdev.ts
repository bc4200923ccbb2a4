/**
 * VdpaMgmtDevice: a management device (the kernel's `struct
 * vdpa_mgmt_dev`): the parent that can create vdpa devices on request
 * (`vdpa dev add ... mgmtdev auxiliary/mlx5_core.sf.1`), with what it
 * supports: device classes (virtio ids), config attributes, features and
 * the number of virtqueues.
 *
 * Its handle is `<bus>/<device>` (`auxiliary/mlx5_core.sf.1`,
 * `pci/0000:08:00.2`), or just the device name when it sits on no bus (a
 * software device such as `vdpasim_net`).
 *
 * Owns: the description of one management device. Never: creates devices
 * (its ops do, through VdpaManagement).
 */
import { AuxError } from '@auxctl/prm';
import type { VdpaDevice, VdpaDeviceInit } from '../bus/vdpa-device.js';
import type { VdpaDevSetConfig } from './vdpa-attrs.js';

/** VdpaDevAddContext: one `dev add` as the management device's dev_add sees it. */
export interface VdpaDevAddContext {
  readonly mgmtdev: VdpaMgmtDevice;
  readonly name: string;
  readonly config: VdpaDevSetConfig;
  /** register: publish the new device under `name` (like _vdpa_register_device); EEXIST on a taken name. */
  register(init: Omit<VdpaDeviceInit, 'name'>): Promise<VdpaDevice>;
}

/**
 * VdpaMgmtDevOps: what a management device implements. `devAdd` checks the
 * request against the device (throwing an errno-coded AuxError: for mlx5
 * ENOSPC for a second device, EOPNOTSUPP without VERSION_1 and
 * ACCESS_PLATFORM, EINVAL for too many pairs), builds the device and calls
 * `ctx.register` exactly once. `devDel` frees what devAdd built; it runs
 * after the device left the bus (its driver already removed).
 */
export interface VdpaMgmtDevOps {
  devAdd(ctx: VdpaDevAddContext): Promise<VdpaDevice>;
  devDel(mgmtdev: VdpaMgmtDevice, vdev: VdpaDevice): Promise<void> | void;
}

/** VdpaMgmtDevInit: what `VdpaManagement.register` takes. */
export interface VdpaMgmtDevInit {
  /** The bus the parent sits on (`auxiliary`, `pci`); absent for a software device. */
  readonly busName?: string;
  readonly devName: string;
  readonly ops: VdpaMgmtDevOps;
  /** Virtio device ids it can create (VIRTIO_ID_NET ...). */
  readonly idTable: readonly number[];
  /** BIT(VDPA_ATTR_*) of the `dev add` attributes it accepts. */
  readonly configAttrMask: bigint;
  readonly supportedFeatures: bigint;
  readonly maxSupportedVqs: number;
}

/** VdpaMgmtDevInfo: `vdpa mgmtdev show` as plain data. */
export interface VdpaMgmtDevInfo {
  readonly handle: string;
  readonly busName: string | undefined;
  readonly devName: string;
  /** Virtio ids it can create, and the same as a bitmask (SUPPORTED_CLASSES). */
  readonly supportedClasses: readonly number[];
  readonly supportedClassesMask: bigint;
  readonly maxSupportedVqs: number;
  readonly supportedFeatures: bigint;
  /** The `dev add` attributes it accepts (bits of VdpaAttr). */
  readonly configAttrMask: bigint;
  readonly devices: readonly string[];
}

const PART = /^[A-Za-z0-9_.:-]{1,64}$/;

/** VdpaMgmtDevice: see the module header. */
export class VdpaMgmtDevice {
  readonly handle: string;
  readonly busName: string | undefined;
  readonly devName: string;
  readonly ops: VdpaMgmtDevOps;
  readonly idTable: readonly number[];
  readonly configAttrMask: bigint;
  readonly supportedFeatures: bigint;
  readonly maxSupportedVqs: number;
  /** Names of the devices it created, in creation order. */
  readonly devices = new Set<string>();

  /** constructor: throws EINVAL for a malformed init; nothing to undo. */
  constructor(init: VdpaMgmtDevInit) {
    if (typeof init !== 'object' || init === null || !PART.test(init.devName)) {
      throw new AuxError('EINVAL', 'a management device needs a devName of [A-Za-z0-9_.:-]');
    }
    if (init.busName !== undefined && !/^[a-z0-9_]{1,32}$/.test(init.busName)) {
      throw new AuxError('EINVAL', 'busName must be a bus name like auxiliary or pci');
    }
    if (typeof init.ops?.devAdd !== 'function' || typeof init.ops.devDel !== 'function') {
      throw new AuxError('EINVAL', `${init.devName}: ops must have devAdd and devDel`);
    }
    if (!Array.isArray(init.idTable) || init.idTable.length === 0) {
      throw new AuxError('EINVAL', `${init.devName}: idTable must list a virtio device id`);
    }
    if (!Number.isInteger(init.maxSupportedVqs) || init.maxSupportedVqs < 1) {
      throw new AuxError('EINVAL', `${init.devName}: maxSupportedVqs must be at least 1`);
    }
    this.busName = init.busName;
    this.devName = init.devName;
    this.handle = mgmtHandle(init.busName, init.devName);
    this.ops = init.ops;
    this.idTable = Object.freeze([...init.idTable]);
    this.configAttrMask = init.configAttrMask;
    this.supportedFeatures = init.supportedFeatures;
    this.maxSupportedVqs = init.maxSupportedVqs;
  }

  /** info: a snapshot for `mgmtdev show`. */
  info(): VdpaMgmtDevInfo {
    return {
      handle: this.handle,
      busName: this.busName,
      devName: this.devName,
      supportedClasses: [...this.idTable],
      supportedClassesMask: this.idTable.reduce((m, id) => m | (1n << BigInt(id)), 0n),
      maxSupportedVqs: this.maxSupportedVqs,
      supportedFeatures: this.supportedFeatures,
      configAttrMask: this.configAttrMask,
      devices: [...this.devices],
    };
  }
}

/** mgmtHandle: `bus/device`, or `device` alone for a management device on no bus. */
export function mgmtHandle(busName: string | undefined, devName: string): string {
  return busName === undefined ? devName : `${busName}/${devName}`;
}

/**
 * PciFunction: one PCI function on the PCI bus, as the bus, its driver and
 * any later holder see it: its address (BDF), vendor and device id, the
 * resource a driver maps at probe (`resource`, the model of its BARs: for
 * mlx5 the function's DeviceBackend), its `driver_override`, and — on an
 * SR-IOV PF — the SR-IOV state (`sriov`), or — on a VF — its PF (`physfn`)
 * and VF index.
 *
 * The publisher (a platform that found the PF, or the bus's enableSriov for
 * a VF) supplies `resource` as a function, read on every access: the
 * function behind a VF's BAR may be rebuilt while no driver holds it. Once
 * the function is removed, `resource` throws ENODEV, so a driver that kept
 * the object past remove gets an answer, never a function it no longer has.
 *
 * Owns: identity, the override and the driver's private slot. Never: binds
 * or probes (the bus does, under the function's lock).
 */
import { AuxError, formatPciAddress, type PciAddress, parsePciAddress } from '@auxctl/prm';
import { DeviceLock } from '../bus/device-lock.js';
import type { BindingSlot } from '../bus/driver-binding.js';
import type { PciDriver } from './pci-driver.js';

/** SriovCapability: a PF's SR-IOV capability registers. */
export interface SriovCapability {
  /** sriov_totalvfs, 1..0xffff. */
  readonly totalVfs: number;
  /** First VF Offset and VF Stride, 1..0xffff. */
  readonly offset: number;
  readonly stride: number;
  /** sriov_vf_device: the device id every VF reports. */
  readonly vfDeviceId: number;
}

/** SriovState: a PF's SR-IOV capability and what is enabled now. */
export interface SriovState extends SriovCapability {
  /** sriov_numvfs. */
  numVfs: number;
  /** sriov_drivers_autoprobe: whether VFs bind to drivers by themselves. */
  driversAutoprobe: boolean;
  /** The enabled VFs, by VF index (virtfnN). */
  vfs: PciFunction[];
}

/** PciFunctionInit: what the publisher supplies. */
export interface PciFunctionInit<R = unknown> {
  /** `0000:08:00.0`. */
  readonly bdf: string;
  readonly vendorId: number;
  readonly deviceId: number;
  /** What a driver maps at probe; read on every access. */
  readonly resource: () => R;
  /** The SR-IOV capability, on a PF that has one. */
  readonly sriov?: SriovCapability;
}

/** pciPrivate: key of the bus-only state of a function. */
export const pciPrivate: unique symbol = Symbol('pci.private');

/** PciPrivate: state only the bus reads and writes. */
export interface PciPrivate extends BindingSlot<PciDriver> {
  readonly owner: object;
  state: 'added' | 'removing' | 'removed';
  driverOverride: string | undefined;
}

/** PciFunction: a function on a PCI bus. */
export class PciFunction<R = unknown> {
  /** The sysfs spelling, lower-case: `0000:08:00.1`. */
  readonly bdf: string;
  readonly address: PciAddress;
  readonly vendorId: number;
  readonly deviceId: number;
  /** The PF of a VF (sysfs `physfn`); undefined on a PF. */
  readonly physfn: PciFunction | undefined;
  /** A VF's index among its PF's VFs (virtfnN); undefined on a PF. */
  readonly vfIndex: number | undefined;
  /** A PF's SR-IOV state; undefined on a function without SR-IOV. */
  readonly sriov: SriovState | undefined;
  readonly [pciPrivate]: PciPrivate;
  #drvdata: unknown;
  readonly #resource: () => R;

  /** constructor: used by the PCI bus only; throws EINVAL on a bad address, id or capability. */
  constructor(
    init: PciFunctionInit<R>,
    owner: object,
    vf?: { readonly physfn: PciFunction; readonly index: number },
  ) {
    this.address = parsePciAddress(init?.bdf);
    this.bdf = formatPciAddress(this.address);
    for (const k of ['vendorId', 'deviceId'] as const) {
      const v = init[k];
      if (!Number.isInteger(v) || v < 0 || v > 0xfffe) {
        throw new AuxError('EINVAL', `${this.bdf}: ${k} must be 0..0xfffe`);
      }
    }
    if (typeof init.resource !== 'function') {
      throw new AuxError('EINVAL', `${this.bdf}: resource must be a function`);
    }
    this.vendorId = init.vendorId;
    this.deviceId = init.deviceId;
    this.#resource = init.resource;
    this.physfn = vf?.physfn;
    this.vfIndex = vf?.index;
    this.sriov = init.sriov && {
      ...checkSriov(this.bdf, init.sriov),
      numVfs: 0,
      driversAutoprobe: true,
      vfs: [],
    };
    this[pciPrivate] = {
      owner,
      lock: new DeviceLock(this.bdf),
      driver: undefined,
      suspended: false,
      state: 'added',
      driverOverride: undefined,
    };
  }

  /** devName: the BDF (what bind, unbind and logs name it by). */
  get devName(): string {
    return this.bdf;
  }

  /** isVirtfn: true for a VF. */
  get isVirtfn(): boolean {
    return this.physfn !== undefined;
  }

  /** live: true while on the bus and not being removed. */
  get live(): boolean {
    return this[pciPrivate].state === 'added';
  }

  /** driverName: the bound driver's name, or undefined. */
  get driverName(): string | undefined {
    return this[pciPrivate].driver?.name;
  }

  /** driverOverride: sysfs `driver_override`, or undefined when unset. */
  get driverOverride(): string | undefined {
    return this[pciPrivate].driverOverride;
  }

  /** resource: what the driver maps (see the module header); ENODEV once removed. */
  get resource(): R {
    if (this[pciPrivate].state === 'removed') {
      throw new AuxError('ENODEV', `PCI function ${this.bdf} was removed`);
    }
    return this.#resource();
  }

  /** drvdata: the bound driver's private slot; cleared when the driver unbinds. */
  get drvdata(): unknown {
    return this.#drvdata;
  }

  set drvdata(v: unknown) {
    this.#drvdata = v;
  }
}

function checkSriov(bdf: string, c: SriovCapability): SriovCapability {
  for (const k of ['totalVfs', 'offset', 'stride', 'vfDeviceId'] as const) {
    const v = c[k];
    const min = k === 'vfDeviceId' ? 0 : 1;
    if (!Number.isInteger(v) || v < min || v > 0xffff) {
      throw new AuxError('EINVAL', `${bdf}: SR-IOV ${k} must be ${min}..65535`);
    }
  }
  return { totalVfs: c.totalVfs, offset: c.offset, stride: c.stride, vfDeviceId: c.vfDeviceId };
}

/**
 * PciAddress: a PCI function's address (domain, bus, device, function, the
 * "BDF"), as sysfs prints it (`0000:08:00.0`), and the SR-IOV routing-ID
 * arithmetic that places a PF's virtual functions.
 *
 * A function's routing ID is `bus << 8 | devfn` with `devfn = device << 3 |
 * function`. VF `n` (0-based) of a PF sits at the PF's routing ID plus
 * `offset + stride * n` (the PF's First VF Offset and VF Stride registers),
 * so VFs run on past function 7 into further device numbers and, when the
 * sum passes 0xff, onto the next bus (the kernel's `pci_iov_virtfn_bus` /
 * `pci_iov_virtfn_devfn`).
 *
 * Shared by the driver side (core's PCI bus) and the device side (the
 * simulator's VFs), so both name a VF alike.
 *
 * Owns: address syntax and arithmetic. Never: which functions exist.
 */
import { AuxError } from '../errors.js';

/** PciAddress: the four parts of a BDF. */
export interface PciAddress {
  /** 0..0xffff. */
  readonly domain: number;
  /** 0..0xff. */
  readonly bus: number;
  /** 0..0x1f. */
  readonly device: number;
  /** 0..7. */
  readonly function: number;
}

const BDF_RE = /^([0-9a-fA-F]{4}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/;

/**
 * parsePciAddress: `DDDD:BB:DD.F` (hex, either case) as its parts. Throws
 * AuxError(EINVAL) for anything else, including a device number above 0x1f.
 */
export function parsePciAddress(text: unknown): PciAddress {
  const m = typeof text === 'string' ? BDF_RE.exec(text) : null;
  if (!m) {
    throw new AuxError('EINVAL', 'a PCI address looks like 0000:08:00.0 (domain:bus:device.fn)');
  }
  const device = Number.parseInt(m[3]!, 16);
  if (device > 0x1f) {
    throw new AuxError('EINVAL', `PCI device number 0x${m[3]} is above 0x1f`);
  }
  return {
    domain: Number.parseInt(m[1]!, 16),
    bus: Number.parseInt(m[2]!, 16),
    device,
    function: Number.parseInt(m[4]!, 10),
  };
}

/** formatPciAddress: the sysfs spelling, lower-case hex, e.g. `0000:08:00.1`. */
export function formatPciAddress(a: PciAddress): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.device, 2)}.${a.function}`;
}

/** routingId: `bus << 8 | device << 3 | function` (the kernel's `pci_dev_id`). */
export function routingId(a: PciAddress): number {
  return (a.bus << 8) | (a.device << 3) | a.function;
}

/** SriovLayout: where a PF's VFs sit (its SR-IOV capability's offset and stride). */
export interface SriovLayout {
  /** First VF Offset, 1..0xffff. */
  readonly offset: number;
  /** VF Stride, 1..0xffff. */
  readonly stride: number;
}

/**
 * vfAddress: the address of VF `vf` (0-based) of the PF at `pf`. Throws
 * AuxError(EINVAL) for a bad layout or index, and ERANGE when the VF would
 * lie past bus 0xff.
 */
export function vfAddress(pf: PciAddress, layout: SriovLayout, vf: number): PciAddress {
  checkLayout(layout);
  if (!Number.isInteger(vf) || vf < 0 || vf > 0xffff) {
    throw new AuxError('EINVAL', `VF index must be an integer 0..65535, got ${vf}`);
  }
  const rid = routingId(pf) + layout.offset + layout.stride * vf;
  if (rid > 0xffff) {
    throw new AuxError('ERANGE', `VF ${vf} of ${formatPciAddress(pf)} would lie past bus 0xff`);
  }
  return { domain: pf.domain, bus: rid >> 8, device: (rid >> 3) & 0x1f, function: rid & 7 };
}

/**
 * vfIndexOf: which VF of the PF at `pf` lives at `vf` (the kernel's
 * `pci_iov_vf_id`), or undefined when none can.
 */
export function vfIndexOf(pf: PciAddress, layout: SriovLayout, vf: PciAddress): number | undefined {
  checkLayout(layout);
  if (vf.domain !== pf.domain) return undefined;
  const d = routingId(vf) - routingId(pf) - layout.offset;
  return d >= 0 && d % layout.stride === 0 ? d / layout.stride : undefined;
}

function checkLayout(l: SriovLayout): void {
  for (const k of ['offset', 'stride'] as const) {
    const v = l?.[k];
    if (!Number.isInteger(v) || v < 1 || v > 0xffff) {
      throw new AuxError('EINVAL', `SR-IOV ${k} must be an integer 1..65535`);
    }
  }
}

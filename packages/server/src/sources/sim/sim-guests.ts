/**
 * SimGuests: the guests auxctld runs as VMM on one simulated PF's VFs.
 *
 * A guest needs its VF bound to mlx5_vfio_pci: the VMM opens the VF's vfio
 * device and keeps it open while the guest lives; the guest's memory is
 * the VF's IOMMU domain (GuestRam), its driver and program run on the VF
 * (@auxctl/vmm's Guest). Stopping powers the guest off, resets the VF
 * (vfio reset: every object of the guest gone) and releases its memory.
 *
 * Migration hands guests over: `leave` gives up a guest whose VF moved
 * (the source after a committed save; the caller resets and releases),
 * `arrive` adopts one a load resumed on a destination VF.
 *
 * Owns: which VF runs which guest, and the vfio fd a guest holds. Never:
 * the guest's state (its memory) or the VF's binding (the PCI bus's).
 */
import type { PciFunction as BusFunction } from '@auxctl/core';
import { AuxError, type DeviceBackend } from '@auxctl/prm';
import type { VfioDeviceFd, VfioDevices } from '@auxctl/vfio';
import { checkGuestOptions, Guest, GuestRam } from '@auxctl/vmm';
import type { GuestFunctions, GuestProgramName, GuestReport } from '../device-source.js';

/** DEFAULT_GUEST_MEMORY: a guest's registered memory when the request names none (1 MiB). */
export const DEFAULT_GUEST_MEMORY = 1024 * 1024;

/** RunningGuest: a guest, the vfio fd its VMM holds, its memory. */
export interface RunningGuest {
  readonly fd: VfioDeviceFd<DeviceBackend>;
  readonly guest: Guest;
  readonly ram: GuestRam;
}

/** SimGuests: see the module header. */
export class SimGuests implements GuestFunctions {
  private readonly running = new Map<string, RunningGuest>();
  /** VFs a migration holds (a guest may not start or stop on them). */
  private readonly busy = new Set<string>();

  constructor(
    private readonly pf: BusFunction,
    private readonly vfio: VfioDevices,
  ) {}

  has(bdf: string): boolean {
    return this.vfs().some((v) => v.bdf === bdf);
  }

  /** vf: the PF's VF at `bdf`; ENOENT for anything else. */
  vf(bdf: string): BusFunction {
    const vf = this.vfs().find((v) => v.bdf === bdf);
    if (!vf) throw new AuxError('ENOENT', `${bdf} is not a VF of ${this.pf.bdf}`);
    return vf;
  }

  async start(
    bdf: string,
    o: { readonly program: GuestProgramName; readonly memoryBytes: number; readonly peer?: Buffer },
  ): Promise<GuestReport> {
    const options = { ...o, memoryBytes: o.memoryBytes || DEFAULT_GUEST_MEMORY };
    // Refused before the VF is opened (a failed boot resets it).
    checkGuestOptions(options);
    this.claimable(bdf);
    const fd = await this.openVfio(bdf);
    try {
      const guest = await Guest.boot(fd, options);
      this.running.set(bdf, { fd, guest, ram: new GuestRam(fd) });
    } catch (err) {
      await dropVf(fd, new GuestRam(fd));
      throw err;
    }
    return this.get(bdf);
  }

  get(bdf: string): GuestReport {
    const g = this.need(bdf);
    return { ...g.guest.stats(), vf: bdf, running: g.guest.running };
  }

  async stop(bdf: string): Promise<void> {
    if (this.busy.has(bdf)) throw new AuxError('EBUSY', `VF ${bdf} is migrating; finish it first`);
    const g = this.need(bdf);
    this.running.delete(bdf);
    g.guest.powerOff();
    await dropVf(g.fd, g.ram);
  }

  /** of: the guest on `bdf`, if one runs there. */
  of(bdf: string): RunningGuest | undefined {
    return this.running.get(bdf);
  }

  /** hold / release: a migration holds `bdf` (EBUSY when one already does). */
  hold(bdf: string): void {
    if (this.busy.has(bdf)) throw new AuxError('EBUSY', `VF ${bdf} has a migration under way`);
    this.busy.add(bdf);
  }
  release(bdf: string): void {
    this.busy.delete(bdf);
  }

  /** leave: the guest on `bdf` moved away: forget it (the caller resets the VF and releases its memory). */
  leave(bdf: string): RunningGuest | undefined {
    const g = this.running.get(bdf);
    this.running.delete(bdf);
    g?.guest.powerOff();
    return g;
  }

  /** arrive: a guest a migration resumed on `bdf`, with the fd and memory its load used. */
  arrive(bdf: string, g: RunningGuest): void {
    this.running.set(bdf, g);
  }

  /** inUse: why the VMM holds `bdf` (a guest, a migration), if it does. */
  inUse(bdf: string): string | undefined {
    if (this.running.has(bdf)) return 'a guest runs on it; stop it first (auxctl guest stop)';
    if (this.busy.has(bdf)) return 'it has a migration under way';
    return undefined;
  }

  /** claimable: EBUSY when a guest runs on `bdf` or a migration holds it. */
  claimable(bdf: string): void {
    const why = this.inUse(bdf);
    if (why) throw new AuxError('EBUSY', `VF ${bdf}: ${why}`);
  }

  /** openVfio: the VF's vfio device; ENOENT no such VF, EOPNOTSUPP no migration driver on it. */
  async openVfio(bdf: string): Promise<VfioDeviceFd<DeviceBackend>> {
    const vf = this.vf(bdf);
    if (!this.vfio.list().includes(vf.bdf)) {
      throw new AuxError(
        'EOPNOTSUPP',
        `${bdf} is bound to ${vf.driverName ?? 'no driver'}; bind it to mlx5_vfio_pci (auxctl vf bind)`,
      );
    }
    return this.vfio.open<DeviceBackend>(vf.bdf);
  }

  /** close: every guest powered off, its VF reset and memory released (the source closes). */
  async close(): Promise<void> {
    for (const bdf of [...this.running.keys()]) {
      const g = this.leave(bdf);
      if (g) await dropVf(g.fd, g.ram);
    }
  }

  private vfs(): BusFunction[] {
    return this.pf.sriov?.vfs ?? [];
  }

  private need(bdf: string): RunningGuest {
    const g = this.running.get(bdf);
    if (!g) throw new AuxError('ENOENT', `no guest runs on VF ${bdf}`);
    return g;
  }
}

/** dropVf: what a VMM does when its guest is gone: reset the VF, release guest memory, close. */
export async function dropVf(fd: VfioDeviceFd<DeviceBackend>, ram: GuestRam): Promise<void> {
  await fd.reset().catch(() => undefined);
  ram.release();
  await fd.close().catch(() => undefined);
}

/**
 * SimPciFunctions: one simulated PF's PCI functions — the PF and its SR-IOV
 * VFs on the source's PCI bus — through the PciFunctions seam, as sysfs
 * shows and changes them on a host.
 *
 * Reads come from the bus (pciFunctionInfo) and the PF core's VF port
 * functions; writes go through the bus's sysfs operations (writeNumVfs,
 * setDriversAutoprobe, driver_override + unbind + drivers_probe) and the
 * PF's port functions, so the kernel's rules and errnos apply unchanged.
 * The PF itself stays bound to the core driver: auxctld serves through it,
 * so bind and unbind take VFs only. A VF whose vfio device auxctld's VMM
 * holds (a guest runs on it, or it is migrating) is not unbound, rebound
 * or removed: EBUSY, where the kernel would wait for the VMM to let go.
 *
 * Owns: the translation to the wire. Never: PCI or SR-IOV state of its own.
 */
import {
  type PciFunction as BusFunction,
  type CoreDevice,
  type PciBus,
  pciFunctionInfo,
  type VfPortFunctionInfo,
} from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type { PciFunction, SetVfRequest } from '@auxctl/proto';
import type { PciFunctions } from '../device-source.js';

/** SimPciFunctions: see the module header. */
export class SimPciFunctions implements PciFunctions {
  constructor(
    private readonly pci: PciBus,
    private readonly pf: BusFunction,
    private readonly core: CoreDevice,
    /** inUse: why the VMM holds VF `bdf` open (a guest runs on it, a migration), if it does. */
    private readonly inUse: (bdf: string) => string | undefined = () => undefined,
  ) {}

  list(): PciFunction[] {
    return [this.pf, ...(this.pf.sriov?.vfs ?? [])].map((fn) => this.wire(fn));
  }

  has(bdf: string): boolean {
    return this.pf.bdf === bdf || (this.pf.sriov?.vfs ?? []).some((v) => v.bdf === bdf);
  }

  async setNumVfs(n: number): Promise<void> {
    for (const vf of this.pf.sriov?.vfs ?? []) this.free(vf.bdf);
    await this.pci.writeNumVfs(this.pf.bdf, n);
  }

  setAutoprobe(on: boolean): void {
    this.pci.setDriversAutoprobe(this.pf.bdf, on);
  }

  async setVf(req: SetVfRequest): Promise<void> {
    const port = this.vfPort(req.vf);
    if (!port) {
      throw new AuxError('ENOENT', `${this.pf.bdf} has no VF ${req.vf} (sriov_numvfs first)`);
    }
    await this.core.portFunctions.set(port.index, {
      ...(req.hwAddr !== undefined && { hwAddr: req.hwAddr }),
      ...(req.roce !== undefined && { roce: req.roce }),
      ...(req.migratable !== undefined && { migratable: req.migratable }),
    });
  }

  async bind(bdf: string, driver: string): Promise<void> {
    const vf = this.vf(bdf);
    this.free(vf.bdf);
    const drivers = this.pci.listDrivers();
    if (driver !== '' && !drivers.includes(driver)) {
      throw new AuxError('ENOENT', `no PCI driver ${driver}; registered: ${drivers.join(', ')}`);
    }
    this.pci.setDriverOverride(vf.bdf, driver === '' ? undefined : driver);
    if (vf.driverName !== undefined && vf.driverName !== driver) await this.pci.unbind(vf.bdf);
    if (vf.driverName === undefined) await this.pci.reprobe(vf.bdf);
    if (driver !== '' && vf.driverName !== driver) {
      throw new AuxError('ENODEV', `${driver} did not bind ${vf.bdf}`);
    }
  }

  async unbind(bdf: string): Promise<void> {
    const vf = this.vf(bdf);
    if (vf.driverName === undefined) throw new AuxError('ENODEV', `${vf.bdf} has no driver`);
    this.free(vf.bdf);
    await this.pci.unbind(vf.bdf);
  }

  /**
   * free: EBUSY while the VMM holds VF `bdf`'s vfio device (where the
   * kernel's unbind would wait for the VMM to close it).
   */
  private free(bdf: string): void {
    const why = this.inUse(bdf);
    if (why) throw new AuxError('EBUSY', `${bdf}: ${why}`);
  }

  /** vf: one of this PF's VFs by address; EINVAL for the PF, ENOENT for another. */
  private vf(bdf: string): BusFunction {
    if (bdf === this.pf.bdf) {
      throw new AuxError(
        'EINVAL',
        `${bdf} is the PF auxctld serves through; bind and unbind take its VFs`,
      );
    }
    const vf = (this.pf.sriov?.vfs ?? []).find((v) => v.bdf === bdf);
    if (!vf) throw new AuxError('ENOENT', `${bdf} is not a VF of ${this.pf.bdf}`);
    return vf;
  }

  private vfPort(vfnum: number | undefined): VfPortFunctionInfo | undefined {
    return this.core.portFunctions
      .list()
      .find((p): p is VfPortFunctionInfo => p.flavour === 'pcivf' && p.vfnum === vfnum);
  }

  private wire(fn: BusFunction): PciFunction {
    const info = pciFunctionInfo(fn);
    const port = fn.isVirtfn ? this.vfPort(fn.vfIndex) : undefined;
    const device = fn === this.pf ? this.core : port?.nestedCore;
    return {
      bdf: info.bdf,
      vendorId: info.vendorId,
      deviceId: info.deviceId,
      driver: info.driver ?? '',
      driverOverride: info.driverOverride ?? '',
      physfn: info.physfn ?? '',
      ...(info.vfIndex !== undefined && { vfIndex: info.vfIndex }),
      ...(info.sriov && {
        sriov: {
          totalVfs: info.sriov.totalVfs,
          numVfs: info.sriov.numVfs,
          offset: info.sriov.offset,
          stride: info.sriov.stride,
          vfDeviceId: info.sriov.vfDeviceId,
          driversAutoprobe: info.sriov.driversAutoprobe,
        },
      }),
      ...(port && {
        port: {
          index: port.index,
          hwAddr: port.hwAddr,
          roce: port.roce,
          migratable: port.migratable,
        },
      }),
      device: device && device.state !== 'closed' ? device.name : '',
    };
  }
}

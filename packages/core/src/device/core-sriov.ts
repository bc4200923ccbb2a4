/**
 * CoreSriov: the SR-IOV virtual functions of one PF core device, firmware
 * side (mlx5's sriov.c), and their port functions (devlink `pcivf` ports).
 *
 * ENABLE / DISABLE (called by the core PCI driver's sriovConfigure, which
 * does the PCI part in between, in mlx5's order)
 *   enable(n)   each VF in order: the firmware enables function vf + 1
 *               with its port-function attributes (ENABLE_HCA with
 *               function_id); then the PCI bus adds the VF functions.
 *               EOPNOTSUPP without SR-IOV, EINVAL outside 1..totalVfs,
 *               EBUSY when VFs are enabled; on failure the VFs enabled so
 *               far are disabled again.
 *   disable()   after the PCI bus removed the VF functions (their drivers
 *               are gone): each VF disabled in reverse, every object and
 *               uid of it gone with it.
 *
 * VF PORT FUNCTIONS (listed among the PF's port functions)
 *   index pfnum << 16 | function id, vfnum = VF index; they exist exactly
 *   while the VFs are enabled. Attributes: hwAddr, roce, migratable (all
 *   VF ports offer migratable; SF ports do not). Applied by the firmware
 *   when the VF next comes up, so `set` is refused (EBUSY) while a driver
 *   has the VF's HCA enabled: unbind the VF, set, bind again (or enable
 *   the VFs with sriov_drivers_autoprobe 0 and set before binding). There
 *   is no state and no delete: refused by PortFunctions with EOPNOTSUPP,
 *   devlink's answer for a port without those ops.
 *
 * PF RESET (recovery of a fatal error; the firmware disables every VF)
 *   beforeReset()  the PCI driver's hook takes the VFs' drivers off them
 *                  (their devices cannot answer any more)
 *   afterReset()   once the PF is up again: each VF enabled again in
 *                  firmware with its attributes, then the hook gives the
 *                  VFs back to the drivers they had — mlx5's
 *                  sriov detach / attach around a reset.
 *
 * Owns: which VFs are enabled and their attributes, and the record of the
 * core device the core driver brought up on each. Never: the PCI view of
 * the VFs (the PCI bus) or the VFs' core devices (their PCI driver's).
 */
import { AuxError, type DeviceBackend, type VirtualFunctionHost } from '@auxctl/prm';
import type { Logger } from '../log.js';
import type { CoreDevice } from './core-device.js';
import type { CoreState } from './core-events.js';
import { type CheckedAttrs, formatHwAddr } from './port-function-args.js';

/** VfPortFunctionInfo: one VF port as the PF's port-function list shows it. */
export interface VfPortFunctionInfo {
  readonly flavour: 'pcivf';
  /** The devlink port index: pfnum << 16 | function id. */
  readonly index: number;
  readonly pfnum: number;
  /** The VF index (function id - 1). */
  readonly vfnum: number;
  /** The firmware function id (also the VF's vport number and vhca_id). */
  readonly functionId: number;
  readonly hwAddr: string;
  readonly roce: boolean;
  readonly migratable: boolean;
  /** The VF's core device while the core driver drives it. */
  readonly nestedCore?: CoreDevice;
}

/**
 * SriovResetHooks: what the PCI driver does with the VFs' PCI functions
 * around a PF reset (see the module header).
 */
export interface SriovResetHooks {
  /** prepare: unbind the VFs' drivers; resolves with what `restore` gives back. */
  prepare(): Promise<unknown>;
  /** restore: bind them again, given what `prepare` resolved with. */
  restore(prepared: unknown): Promise<void>;
}

/** CoreSriovOptions: what the PF core lends. */
export interface CoreSriovOptions {
  readonly host: VirtualFunctionHost | undefined;
  readonly pfnum: number;
  /** The PF core device's name. */
  readonly pf: string;
  readonly state: () => CoreState;
  readonly log: Logger;
}

interface Vf {
  readonly vfnum: number;
  attrs: { hwAddr: Buffer; roce: boolean; migratable: boolean };
  core: CoreDevice | undefined;
}

/** CoreSriov: see the module header. */
export class CoreSriov {
  private vfs: Vf[] = [];
  /** resetHooks: set by the PCI driver that enables the VFs (see the module header). */
  resetHooks: SriovResetHooks | undefined;
  private prepared: unknown;

  constructor(private readonly o: CoreSriovOptions) {}

  /** totalVfs: sriov_totalvfs; 0 without SR-IOV. */
  get totalVfs(): number {
    return this.o.host?.totalVfs ?? 0;
  }

  /** numVfs: VFs enabled now. */
  get numVfs(): number {
    return this.vfs.length;
  }

  /** enable: the firmware part of enabling `numVfs` VFs (see the module header). */
  enable(numVfs: number): void {
    const host = this.o.host;
    if (!host || host.totalVfs === 0) {
      throw new AuxError('EOPNOTSUPP', `${this.o.pf} has no SR-IOV (sriov_totalvfs 0)`);
    }
    if (!Number.isInteger(numVfs) || numVfs < 1 || numVfs > host.totalVfs) {
      throw new AuxError('EINVAL', `numVfs must be 1..${host.totalVfs}, got ${numVfs}`);
    }
    if (this.vfs.length > 0) {
      throw new AuxError('EBUSY', `${this.vfs.length} VFs already enabled; disable them first`);
    }
    this.usable();
    try {
      for (let vfnum = 0; vfnum < numVfs; vfnum++) {
        const vf: Vf = {
          vfnum,
          attrs: { hwAddr: Buffer.alloc(6), roce: true, migratable: false },
          core: undefined,
        };
        host.enable(vfnum + 1, vf.attrs);
        this.vfs.push(vf);
      }
    } catch (err) {
      this.disable();
      throw err;
    }
    this.o.log.info({ numVfs }, 'SR-IOV VFs enabled in firmware');
  }

  /** disable: the firmware part of disabling every VF, newest first. Never throws. */
  disable(): void {
    for (const vf of this.vfs.reverse()) {
      try {
        this.o.host?.disable(vf.vfnum + 1);
      } catch (err) {
        this.o.log.error({ err, vf: vf.vfnum }, 'disabling a VF failed');
      }
    }
    if (this.vfs.length > 0) this.o.log.info({}, 'SR-IOV VFs disabled in firmware');
    this.vfs = [];
  }

  /** beforeReset: the PF is about to be reset: the hook takes the VFs' drivers off them. */
  async beforeReset(): Promise<void> {
    if (this.vfs.length === 0 || !this.resetHooks) return;
    this.prepared = await this.resetHooks.prepare();
  }

  /**
   * afterReset: the PF is up again after a reset that disabled every VF in
   * firmware: enable each again with its attributes (a VF that fails is
   * dropped, logged), then let the hook rebind their drivers. Never throws.
   */
  async afterReset(): Promise<void> {
    const host = this.o.host;
    if (this.vfs.length === 0 || !host) return;
    const kept: Vf[] = [];
    for (const vf of this.vfs) {
      try {
        host.enable(vf.vfnum + 1, vf.attrs);
        kept.push(vf);
      } catch (err) {
        this.o.log.error({ err, vf: vf.vfnum }, 'enabling a VF again after the reset failed');
      }
    }
    this.vfs = kept;
    this.o.log.info({ numVfs: kept.length }, 'SR-IOV VFs enabled again in firmware after a reset');
    const prepared = this.prepared;
    this.prepared = undefined;
    try {
      await this.resetHooks?.restore(prepared);
    } catch (err) {
      this.o.log.error({ err }, 'binding the VFs again after the reset failed');
    }
  }

  /** backend: the BAR of VF `vfnum` (its own device backend); ENODEV when not enabled. */
  backend(vfnum: number): DeviceBackend {
    const host = this.o.host;
    if (!host || this.vfs[vfnum] === undefined) {
      throw new AuxError('ENODEV', `VF ${vfnum} of ${this.o.pf} is not enabled`);
    }
    return host.backend(vfnum + 1);
  }

  /** attachCore / detachCore: the core PCI driver records the core device it runs on VF `vfnum`. */
  attachCore(vfnum: number, core: CoreDevice): void {
    const vf = this.vfs[vfnum];
    if (vf) vf.core = core;
  }

  detachCore(vfnum: number, core: CoreDevice): void {
    const vf = this.vfs[vfnum];
    if (vf?.core === core) vf.core = undefined;
  }

  /** indexOf: the port index of VF `vfnum`. */
  indexOf(vfnum: number): number {
    return ((this.o.pfnum << 16) | (vfnum + 1)) >>> 0;
  }

  /** list: the VF ports, by index. */
  list(): VfPortFunctionInfo[] {
    return this.vfs.map((vf) => this.info(vf));
  }

  /** find: the VF port with `index`, if any. */
  find(index: number): VfPortFunctionInfo | undefined {
    const vf = this.vfs.find((v) => this.indexOf(v.vfnum) === index);
    return vf && this.info(vf);
  }

  /**
   * set: change hwAddr / roce / migratable of the VF port `index`.
   * EOPNOTSUPP for maxUctx (a VF port has no such attribute), ENOENT for an
   * unknown port, EBUSY while the VF is in use (see the module header);
   * nothing changes on failure.
   */
  set(index: number, a: CheckedAttrs): VfPortFunctionInfo {
    const vf = this.vfs.find((v) => this.indexOf(v.vfnum) === index);
    if (!vf) throw new AuxError('ENOENT', `no VF port function with index ${index}`);
    if (a.maxUctx !== undefined) {
      throw new AuxError('EOPNOTSUPP', `VF port ${index} has no max_uctx; set it on an SF port`);
    }
    this.usable();
    const next = {
      hwAddr: a.hwAddr ?? vf.attrs.hwAddr,
      roce: a.roce ?? vf.attrs.roce,
      migratable: a.migratable ?? vf.attrs.migratable,
    };
    this.o.host!.configure(vf.vfnum + 1, next);
    vf.attrs = next;
    return this.info(vf);
  }

  private info(vf: Vf): VfPortFunctionInfo {
    const core = vf.core;
    return {
      flavour: 'pcivf',
      index: this.indexOf(vf.vfnum),
      pfnum: this.o.pfnum,
      vfnum: vf.vfnum,
      functionId: vf.vfnum + 1,
      hwAddr: formatHwAddr(vf.attrs.hwAddr),
      roce: vf.attrs.roce,
      migratable: vf.attrs.migratable,
      ...(core && core.state === 'up' && { nestedCore: core }),
    };
  }

  private usable(): void {
    const st = this.o.state();
    if (st === 'closed') throw new AuxError('ENODEV', `${this.o.pf} is closed`);
    if (st !== 'up') throw new AuxError('EBUSY', `${this.o.pf} is ${st}; SR-IOV needs up`);
  }
}

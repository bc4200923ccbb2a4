/**
 * PortFunctions: the port functions of one PF core device (devlink
 * `port add pcisf` / `port function set` / `port del` semantics).
 *
 * STATES AND TRANSITIONS (each illegal one names its errno)
 *   add({pfnum, sfnum})  -> inactive   EINVAL bad args or pfnum not this PF's,
 *                                      EEXIST sfnum in use, ENOSPC max_num_sf
 *                                      reached, EOPNOTSUPP no SF support
 *   set(port, attrs)     inactive only EBUSY when active/attached, EINVAL attrs
 *   activate(port)       inactive -> active (sf aux device published) ->
 *                        attached (the SF driver's nested core is up with its
 *                        aux devices)       EBUSY when already active
 *   deactivate(port)     active/attached -> inactive   EINVAL when inactive
 *   delete(port)         any -> gone (deactivates first)
 *   unknown port         ENOENT;  PF not up: EBUSY;  PF closed: ENODEV
 * VF ports (core-sriov.ts) are listed here too and take `set`; activate,
 * deactivate and delete of a VF port are EOPNOTSUPP (no state, no delete:
 * VFs come and go with sriov_numvfs).
 * Teardown runs in reverse: the sf aux device is deleted (its driver
 * closes the nested core, whose aux drivers are removed first), then the
 * firmware function is disabled.
 *
 * PF LIFECYCLE
 * A fatal error takes every SF down (`takeDown`: nested queues put in
 * internal error, aux devices deleted) and remembers which were active;
 * recovery brings those back (`restore`). `reload()` of a PF with ports is
 * refused by the PF (EBUSY); `close()` deletes them all.
 *
 * Owns: the ports, their `mlx5_core.sf.N` aux devices and SfDevices.
 * Never: the nested cores (the SF driver's) or firmware state beyond the
 * SubFunctionHost calls.
 */
import { AuxError, type DeviceBackend, type SubFunctionHost } from '@auxctl/prm';
import type { AuxiliaryBus } from '../bus/auxiliary-bus.js';
import type { AuxiliaryDevice } from '../bus/auxiliary-device.js';
import type { Logger } from '../log.js';
import { printable } from '../printable.js';
import type { CoreDevice } from './core-device.js';
import type { CoreState } from './core-events.js';
import type { CoreSriov, VfPortFunctionInfo } from './core-sriov.js';
import type { IdAllocator } from './id-allocator.js';
import {
  type CheckedAttrs,
  checkAddArgs,
  checkAttrs,
  formatHwAddr,
  type PortFunctionAttrs,
} from './port-function-args.js';
import { SerialQueue } from './serial-queue.js';
import { SfDevice } from './sf-device.js';

/** PortFunctionState: devlink's view of an SF port. */
export type PortFunctionState = 'inactive' | 'active' | 'attached';

/** SfPortFunctionInfo: one SF port as `list()` reports it. */
export interface SfPortFunctionInfo {
  readonly flavour: 'pcisf';
  /** The devlink port index: pfnum << 16 | function id. */
  readonly index: number;
  readonly pfnum: number;
  readonly sfnum: number;
  /** The firmware function id (also the SF's vport number and vhca_id). */
  readonly functionId: number;
  readonly hwAddr: string;
  readonly roce: boolean;
  readonly maxUctx?: number;
  readonly state: PortFunctionState;
  /** The `mlx5_core.sf.N` aux device while active. */
  readonly auxDevice?: string;
  /** The nested core device while attached. */
  readonly nestedCore?: CoreDevice;
}

/** PortFunctionInfo: one port of the PF, SF (`pcisf`) or VF (`pcivf`, see core-sriov.ts). */
export type PortFunctionInfo = SfPortFunctionInfo | VfPortFunctionInfo;

/** isSfPort: true for an SF port. */
export function isSfPort(p: PortFunctionInfo): p is SfPortFunctionInfo {
  return p.flavour === 'pcisf';
}

/** PortFunctionsOptions: what the PF core lends. */
export interface PortFunctionsOptions {
  readonly host: SubFunctionHost | undefined;
  readonly bus: AuxiliaryBus;
  /** This PF's number (its PCI function number). */
  readonly pfnum: number;
  /** The PF core device's name (parent of the sf aux devices). */
  readonly pf: string;
  /** Where sf aux device ids come from. */
  readonly ids: IdAllocator;
  readonly state: () => CoreState;
  readonly announce: (index: number, sfnum: number, state: PortFunctionState | 'deleted') => void;
  readonly log: Logger;
  /** The PF's SR-IOV VFs, whose ports are listed with the SFs'. */
  readonly vfs?: CoreSriov;
}

interface Port {
  readonly index: number;
  readonly sfnum: number;
  readonly functionId: number;
  attrs: { hwAddr: Buffer; roce: boolean; maxUctx?: number };
  live: { adev: AuxiliaryDevice<SfDevice>; sf: SfDevice; id: number } | undefined;
  /** Was active when a fatal error took it down: recovery brings it back. */
  restore: boolean;
}

/** PortFunctions: see the module header. */
export class PortFunctions {
  private readonly ports = new Map<number, Port>();
  private readonly serial = new SerialQueue();

  constructor(private readonly o: PortFunctionsOptions) {}

  /** maxFunctions: SFs the PF can host (`max_num_sf`); 0 without SF support. */
  get maxFunctions(): number {
    return this.o.host?.maxFunctions ?? 0;
  }

  /** size: ports that exist (any state). */
  get size(): number {
    return this.ports.size;
  }

  /** list: every port, SF and VF, by index. */
  list(): PortFunctionInfo[] {
    const sfs: PortFunctionInfo[] = [...this.ports.values()].map((p) => this.info(p));
    return [...sfs, ...(this.o.vfs?.list() ?? [])].sort((a, b) => a.index - b.index);
  }

  /** get: one port; ENOENT when there is none. */
  get(port: number | PortFunctionInfo): PortFunctionInfo {
    return this.vfPort(port) ?? this.info(this.need(port));
  }

  /** add: a new inactive SF port (see the module header for errnos). */
  add(args: { pfnum: number; sfnum: number }): Promise<SfPortFunctionInfo> {
    return this.serial.run(async () => {
      const { pfnum, sfnum } = checkAddArgs(args);
      this.usable();
      const host = this.o.host;
      if (!host || host.maxFunctions === 0) {
        throw new AuxError('EOPNOTSUPP', `${this.o.pf} cannot host sub-functions (max_num_sf 0)`);
      }
      if (pfnum !== this.o.pfnum) {
        throw new AuxError('EINVAL', `pfnum ${pfnum} is not this PF's (${this.o.pfnum})`);
      }
      const functionId = host.alloc(sfnum);
      const index = ((pfnum << 16) | functionId) >>> 0;
      const p: Port = {
        index,
        sfnum,
        functionId,
        attrs: { hwAddr: Buffer.alloc(6), roce: true },
        live: undefined,
        restore: false,
      };
      this.ports.set(index, p);
      this.o.announce(index, sfnum, 'inactive');
      return this.info(p);
    });
  }

  /**
   * set: change hwAddr / roce / maxUctx of an inactive SF port (EBUSY
   * otherwise; EOPNOTSUPP for migratable), or hwAddr / roce / migratable of
   * a VF port (see core-sriov.ts).
   */
  set(port: number | PortFunctionInfo, attrs: PortFunctionAttrs): Promise<PortFunctionInfo> {
    return this.serial.run(async () => {
      const a: CheckedAttrs = checkAttrs(attrs);
      const vf = this.vfPort(port);
      if (vf) return this.o.vfs!.set(vf.index, a);
      const p = this.need(port);
      if (a.migratable !== undefined) {
        throw new AuxError(
          'EOPNOTSUPP',
          `port ${p.index} is an SF port; only VF ports are migratable`,
        );
      }
      if (p.live) {
        throw new AuxError('EBUSY', `port ${p.index} is active; deactivate it before set`);
      }
      p.attrs = {
        hwAddr: a.hwAddr ?? p.attrs.hwAddr,
        roce: a.roce ?? p.attrs.roce,
        ...((a.maxUctx ?? p.attrs.maxUctx) !== undefined && {
          maxUctx: a.maxUctx ?? p.attrs.maxUctx,
        }),
      };
      return this.info(p);
    });
  }

  /** activate: enable the function and publish `mlx5_core.sf.N` (see the module header). */
  activate(port: number | PortFunctionInfo): Promise<SfPortFunctionInfo> {
    return this.serial.run(async () => {
      const p = this.need(port);
      this.usable();
      if (p.live) throw new AuxError('EBUSY', `port ${p.index} is already active`);
      await this.up(p);
      return this.info(p);
    });
  }

  /** deactivate: tear the SF down in reverse and disable the function (EINVAL when inactive). */
  deactivate(port: number | PortFunctionInfo): Promise<SfPortFunctionInfo> {
    return this.serial.run(async () => {
      const p = this.need(port);
      if (!p.live) throw new AuxError('EINVAL', `port ${p.index} is not active`);
      await this.down(p);
      return this.info(p);
    });
  }

  /** delete: deactivate when needed, then free the function and forget the port. */
  delete(port: number | PortFunctionInfo): Promise<void> {
    return this.serial.run(async () => this.remove(this.need(port)));
  }

  /** deleteAll: delete every port, newest first (PF close). */
  deleteAll(): Promise<void> {
    return this.serial.run(async () => {
      for (const p of [...this.ports.values()].reverse()) await this.remove(p);
    });
  }

  /** takeDown: a fatal error: every active SF goes down, to be restored by `restore`. */
  takeDown(): Promise<void> {
    return this.serial.run(async () => {
      for (const p of [...this.ports.values()].reverse()) {
        if (!p.live) continue;
        // The function shares the PF's silicon: nothing it was sent will complete.
        const nested = p.live.sf.nestedCore;
        if (nested && !nested.queue.internalError && nested.state !== 'closed') {
          nested.queue.enterInternalError();
        }
        p.restore = true;
        await this.down(p);
      }
    });
  }

  /** restore: bring back the SFs `takeDown` took down (PF recovery); failures are logged. */
  restore(): Promise<void> {
    return this.serial.run(async () => {
      for (const p of this.ports.values()) {
        if (!p.restore) continue;
        p.restore = false;
        try {
          await this.up(p);
        } catch (err) {
          this.o.log.error({ err, port: p.index }, 'sub-function did not come back');
        }
      }
    });
  }

  private async up(p: Port): Promise<void> {
    const host = this.o.host!;
    const backend: DeviceBackend = host.enable(p.functionId, {
      sfnum: p.sfnum,
      hwAddr: p.attrs.hwAddr,
      roce: p.attrs.roce,
      ...(p.attrs.maxUctx !== undefined && { maxUctx: p.attrs.maxUctx }),
    });
    let id: number | undefined;
    try {
      id = this.o.ids.alloc();
      const sf = new SfDevice({
        backend,
        bus: this.o.bus,
        pf: this.o.pf,
        index: p.index,
        sfnum: p.sfnum,
        functionId: p.functionId,
      });
      const adev = this.o.bus.init<SfDevice>({
        modname: 'mlx5_core',
        name: 'sf',
        id,
        parent: this.o.pf,
        shared: sf,
        release: () => sf.revoke(),
      });
      try {
        await this.o.bus.add(adev);
      } catch (err) {
        this.o.bus.uninit(adev);
        throw err;
      }
      p.live = { adev, sf, id };
    } catch (err) {
      if (id !== undefined) this.o.ids.free(id);
      host.disable(p.functionId);
      throw err;
    }
    const state = this.info(p).state;
    this.o.log.info({ port: p.index, sfnum: p.sfnum, device: p.live.adev.devName, state }, 'SF up');
    this.o.announce(p.index, p.sfnum, state);
  }

  private async down(p: Port): Promise<void> {
    const live = p.live;
    if (!live) return;
    p.live = undefined;
    try {
      if (live.adev.state === 'added') await this.o.bus.delete(live.adev);
    } finally {
      live.sf.revoke();
      this.o.bus.uninit(live.adev);
      this.o.ids.free(live.id);
      // A driver that never let go still holds a core over a function about to vanish.
      const stale = live.sf.detach();
      if (stale) await stale.close();
      this.o.host?.disable(p.functionId);
    }
    this.o.log.info({ port: p.index, sfnum: p.sfnum }, 'SF down');
    this.o.announce(p.index, p.sfnum, 'inactive');
  }

  private async remove(p: Port): Promise<void> {
    p.restore = false;
    await this.down(p);
    this.ports.delete(p.index);
    this.o.host?.free(p.functionId);
    this.o.announce(p.index, p.sfnum, 'deleted');
  }

  private info(p: Port): SfPortFunctionInfo {
    const nested = p.live?.sf.nestedCore;
    const attached = nested !== undefined && nested.state === 'up';
    return {
      flavour: 'pcisf',
      index: p.index,
      pfnum: this.o.pfnum,
      sfnum: p.sfnum,
      functionId: p.functionId,
      hwAddr: formatHwAddr(p.attrs.hwAddr),
      roce: p.attrs.roce,
      ...(p.attrs.maxUctx !== undefined && { maxUctx: p.attrs.maxUctx }),
      state: !p.live ? 'inactive' : attached ? 'attached' : 'active',
      ...(p.live && { auxDevice: p.live.adev.devName }),
      ...(attached && { nestedCore: nested }),
    };
  }

  /** vfPort: the VF port `port` names, if it names one. */
  private vfPort(port: number | PortFunctionInfo): VfPortFunctionInfo | undefined {
    const index = typeof port === 'number' ? port : port?.index;
    return typeof index === 'number' ? this.o.vfs?.find(index) : undefined;
  }

  /** need: the SF port `port` names; EOPNOTSUPP for a VF port (no state, no delete), else ENOENT. */
  private need(port: number | PortFunctionInfo): Port {
    const vf = this.vfPort(port);
    if (vf) {
      throw new AuxError(
        'EOPNOTSUPP',
        `port ${vf.index} is a VF port: it has no state and no delete; use sriov_numvfs`,
      );
    }
    const index = typeof port === 'number' ? port : port?.index;
    const p = typeof index === 'number' ? this.ports.get(index) : undefined;
    if (!p) throw new AuxError('ENOENT', `no port function with index ${printable(index)}`);
    return p;
  }

  private usable(): void {
    const st = this.o.state();
    if (st === 'closed') throw new AuxError('ENODEV', `${this.o.pf} is closed`);
    if (st !== 'up') throw new AuxError('EBUSY', `${this.o.pf} is ${st}; port functions need up`);
  }
}

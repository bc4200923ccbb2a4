/**
 * AuxPublisher: the auxiliary devices one core device publishes.
 *
 * Keeps, per row of the aux table, the published device and the handle it
 * lends, and reconciles them with what the function supports (mlx5's
 * `mlx5_rescan_drivers_locked`): unsupported devices are deleted in reverse
 * table order, supported missing ones added in order, suspended ones
 * resumed. For a reload it detaches: suspend where the driver can, delete
 * otherwise.
 *
 * Owns: the published aux devices and their handles (revoked on delete).
 * Never: the core device's state, queue or firmware.
 */
import type { AuxiliaryBus } from '../bus/auxiliary-bus.js';
import type { AuxiliaryDevice } from '../bus/auxiliary-device.js';
import type { Logger } from '../log.js';
import { AUX_MODNAME, type AuxDeviceSpec, type AuxFunctionInfo } from './aux-table.js';
import type { CoreHandle } from './core-handle.js';
import type { GeneralCaps } from './firmware-commands.js';

interface PublishedAux {
  readonly spec: AuxDeviceSpec;
  readonly adev: AuxiliaryDevice<CoreHandle>;
  readonly handle: CoreHandle;
  suspended: boolean;
}

/** AuxPublisherOptions: where and how to publish. */
export interface AuxPublisherOptions {
  readonly bus: AuxiliaryBus;
  readonly table: readonly AuxDeviceSpec[];
  /** The id every aux device of this core device carries. */
  readonly id: number;
  readonly parent: AuxiliaryDevice | string;
  /** A fresh handle for the aux device named `devName`. */
  readonly handle: (devName: string) => CoreHandle;
  /** Told of every device added or removed. */
  readonly announce: (type: 'aux-added' | 'aux-removed', device: string) => void;
  readonly log: Logger;
}

/** AuxPublisher: see the module header. */
export class AuxPublisher {
  private readonly published = new Map<string, PublishedAux>();

  constructor(private readonly o: AuxPublisherOptions) {}

  /** devices: the published aux devices, in table order. */
  devices(): AuxiliaryDevice<CoreHandle>[] {
    return this.o.table.flatMap((s) => {
      const p = this.published.get(s.name);
      return p ? [p.adev] : [];
    });
  }

  /**
   * attach: delete (reverse order) what `caps` no longer supports, then add
   * or resume (in order) what it does. A failing add is logged and the loop
   * goes on.
   */
  async attach(caps: GeneralCaps, fn: AuxFunctionInfo): Promise<void> {
    for (const spec of [...this.o.table].reverse()) {
      const p = this.published.get(spec.name);
      if (p && !spec.supported(caps, fn)) await this.remove(p);
    }
    for (const spec of this.o.table) {
      if (!spec.supported(caps, fn)) continue;
      const p = this.published.get(spec.name);
      try {
        if (!p) await this.add(spec);
        else if (p.suspended) await this.resume(p);
      } catch (err) {
        this.o.log.error({ err, aux: spec.name }, 'adding aux device failed');
      }
    }
  }

  /** detach: suspend aux devices whose driver can, delete the rest (reverse order). */
  async detach(): Promise<void> {
    const bus = this.o.bus;
    for (const p of [...this.published.values()].reverse()) {
      if (bus.canSuspend(p.adev) && (await bus.suspend(p.adev))) p.suspended = true;
      else await this.remove(p);
    }
  }

  /** removeAll: delete every published aux device (reverse order). */
  async removeAll(): Promise<void> {
    for (const p of [...this.published.values()].reverse()) await this.remove(p);
  }

  private async resume(p: PublishedAux): Promise<void> {
    if (await this.o.bus.resume(p.adev)) {
      p.suspended = false;
      return;
    }
    // A driver that cannot come back gets a fresh device instead.
    await this.remove(p);
    await this.add(p.spec);
  }

  private async add(spec: AuxDeviceSpec): Promise<void> {
    const { bus, id } = this.o;
    const devName = `${AUX_MODNAME}.${spec.name}.${id}`;
    const handle = this.o.handle(devName);
    const adev = bus.init<CoreHandle>({
      modname: AUX_MODNAME,
      name: spec.name,
      id,
      parent: this.o.parent,
      shared: handle,
      release: () => handle.revoke(),
    });
    try {
      await bus.add(adev);
    } catch (err) {
      bus.uninit(adev);
      throw err;
    }
    this.published.set(spec.name, { spec, adev, handle, suspended: false });
    this.o.announce('aux-added', devName);
  }

  private async remove(p: PublishedAux): Promise<void> {
    this.published.delete(p.spec.name);
    try {
      // Someone with the bus may have deleted it already (sysfs-style); the
      // publisher still owns the init reference and the handle.
      if (p.adev.state === 'added') await this.o.bus.delete(p.adev);
    } finally {
      // Revoke now, not at release: a driver may hold a reference past delete.
      p.handle.revoke();
      this.o.bus.uninit(p.adev);
    }
    this.o.announce('aux-removed', p.adev.devName);
  }
}

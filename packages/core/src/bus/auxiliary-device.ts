/**
 * AuxiliaryDevice: one device on the auxiliary bus, as publisher, driver and
 * any later holder see it.
 *
 * The publisher creates it with `AuxiliaryBus.init` and attaches the object
 * it shares with the driver (`shared`: the per-driver API into the core).
 * The device is reference counted like a `struct device`: `get()` takes a
 * reference, `put()` drops one, and the publisher's `release` callback runs
 * exactly once, when the last reference goes, never earlier. A handle may
 * outlive the device on the bus: once deleted, every access through it
 * (`shared`, `ensureLive()`) fails with ENODEV, so a holder of a stale handle
 * gets an answer instead of touching torn-down state.
 *
 * Owns: identity, reference count, the shared object and the driver's
 * private slot. Never: binds or probes (the bus does, under the device lock).
 */
import { AuxError } from '@auxctl/prm';
import type { Logger } from '../log.js';
import { type AuxDeviceName, formatDeviceName, modaliasOf } from './aux-name.js';
import type { AuxiliaryDriver } from './auxiliary-driver.js';
import { DeviceLock } from './device-lock.js';

/**
 * AuxDeviceState: where a device is in its life.
 * `initialized` -> `added` -> `deleted` -> `released` (an initialized device
 * that is never added goes straight to `released` at uninit).
 */
export type AuxDeviceState = 'initialized' | 'added' | 'deleted' | 'released';

/** AuxDeviceInit: what the publisher supplies to `AuxiliaryBus.init`. */
export interface AuxDeviceInit<S = unknown> extends AuxDeviceName {
  /** The device this one hangs below (its name, or the device; a device is held while added). */
  readonly parent?: AuxiliaryDevice | string;
  /** The object the bound driver uses to reach the publisher (only while added). */
  readonly shared?: S;
  /** Runs exactly once, when the last reference drops; frees what `shared` holds. */
  readonly release?: (shared: S | undefined, adev: AuxiliaryDevice<S>) => void;
}

/** AuxDeviceContext: what the bus gives each device it creates. */
export interface AuxDeviceContext {
  /** The bus; operations check that a device is theirs. */
  readonly owner: object;
  readonly log: Logger;
  /** Called once, after the release callback, when the last reference dropped. */
  readonly released: (adev: AuxiliaryDevice) => void;
}

/** devicePrivate: key of the bus-only state of a device (the kernel's `device_private`). */
export const devicePrivate: unique symbol = Symbol('auxiliary.devicePrivate');

/** DevicePrivate: state only the bus reads and writes. */
export interface DevicePrivate {
  readonly owner: object;
  readonly lock: DeviceLock;
  state: AuxDeviceState;
  /** Set when delete starts, so no new driver binds while it runs. */
  dying: boolean;
  driver: AuxiliaryDriver | undefined;
  suspended: boolean;
  /** The parent device, referenced while this one is added. */
  parentRef: AuxiliaryDevice | undefined;
  /** True once the init reference was dropped by uninit. */
  uninitDone: boolean;
}

/** AuxiliaryDevice: a device published on an auxiliary bus. */
export class AuxiliaryDevice<S = unknown> {
  readonly modname: string;
  readonly name: string;
  readonly id: number;
  /** `<modname>.<name>.<id>` (the kernel's dev_name). */
  readonly devName: string;
  /** `<modname>.<name>`, what idTable entries are compared with. */
  readonly matchName: string;
  /** `auxiliary:<modname>.<name>`, the key for autoloading a driver. */
  readonly modalias: string;
  /** The parent's name, for tree views; undefined for a root device. */
  readonly parent: string | undefined;
  /** Bus-only state; drivers and publishers must not touch it. */
  readonly [devicePrivate]: DevicePrivate;

  #refs = 1;
  #shared: S | undefined;
  /** The publisher's release, bound to its arguments (so S stays covariant). */
  #release: (() => void) | undefined;
  #drvdata: unknown;
  readonly #ctx: AuxDeviceContext;

  /**
   * constructor: used by `AuxiliaryBus.init` only. Throws EINVAL on a bad
   * name, id or parent; nothing needs undoing then.
   */
  constructor(init: AuxDeviceInit<S>, ctx: AuxDeviceContext) {
    if (typeof init !== 'object' || init === null) {
      throw new AuxError('EINVAL', 'init needs { modname, name, id }');
    }
    this.devName = formatDeviceName(init);
    this.modname = init.modname;
    this.name = init.name;
    this.id = init.id;
    this.matchName = `${init.modname}.${init.name}`;
    this.modalias = modaliasOf(this.matchName);
    const parent = init.parent;
    const parentOk =
      parent === undefined ||
      (typeof parent === 'string' && parent.length > 0) ||
      parent instanceof AuxiliaryDevice;
    if (!parentOk) {
      throw new AuxError('EINVAL', `${this.devName}: parent must be a device name or a device`);
    }
    if (init.release !== undefined && typeof init.release !== 'function') {
      throw new AuxError('EINVAL', `${this.devName}: release must be a function`);
    }
    this.parent = parent instanceof AuxiliaryDevice ? parent.devName : parent;
    this.#shared = init.shared;
    const release = init.release;
    const shared = init.shared;
    this.#release = release && (() => release(shared, this));
    this.#ctx = ctx;
    this[devicePrivate] = {
      owner: ctx.owner,
      lock: new DeviceLock(this.devName),
      state: 'initialized',
      dying: false,
      driver: undefined,
      suspended: false,
      parentRef: parent instanceof AuxiliaryDevice ? parent : undefined,
      uninitDone: false,
    };
  }

  /** state: where the device is in its life. */
  get state(): AuxDeviceState {
    return this[devicePrivate].state;
  }

  /** refcount: references held (the init reference, the bus's while added, and holders'). */
  get refcount(): number {
    return this.#refs;
  }

  /** driverName: the bound driver's name, or undefined. */
  get driverName(): string | undefined {
    return this[devicePrivate].driver?.name;
  }

  /** suspended: true between a successful suspend and resume. */
  get suspended(): boolean {
    return this[devicePrivate].suspended;
  }

  /** live: true while the device is on the bus and not being deleted. */
  get live(): boolean {
    const p = this[devicePrivate];
    return p.state === 'added' && !p.dying;
  }

  /**
   * ensureLive: throws ENODEV unless the device is on the bus. Call it at
   * the top of anything a stale holder may reach.
   */
  ensureLive(): void {
    if (this[devicePrivate].state !== 'added') {
      throw new AuxError('ENODEV', `${this.devName} is ${this.state}; it is no longer on the bus`);
    }
  }

  /**
   * shared: the publisher's shared object. Throws ENODEV once the device was
   * deleted: a driver may use it only while the device is added.
   */
  get shared(): S {
    const st = this[devicePrivate].state;
    if (st === 'deleted' || st === 'released') {
      throw new AuxError('ENODEV', `${this.devName} was deleted; its shared objects are gone`);
    }
    return this.#shared as S;
  }

  /** drvdata: the bound driver's private slot; cleared when the driver unbinds. */
  get drvdata(): unknown {
    return this.#drvdata;
  }

  set drvdata(v: unknown) {
    this.#drvdata = v;
  }

  /** get: take a reference; pair it with `put()`. Throws ENODEV once released. */
  get(): this {
    if (this.#refs === 0) {
      throw new AuxError(
        'ENODEV',
        `${this.devName} was released; take references before the last put`,
      );
    }
    this.#refs++;
    return this;
  }

  /**
   * put: drop a reference; the last one runs `release`. Throws EINVAL (and
   * changes nothing) when no reference is left, or when it would drop the
   * reference the bus holds on an added device.
   */
  put(): void {
    if (this.#refs === 0) {
      throw new AuxError('EINVAL', `${this.devName}: put without a matching get`);
    }
    if (this.#refs === 1 && this[devicePrivate].state === 'added') {
      throw new AuxError(
        'EINVAL',
        `${this.devName}: put would drop the bus's reference; delete first`,
      );
    }
    this.#refs--;
    if (this.#refs === 0) this.#releaseNow();
  }

  #releaseNow(): void {
    const p = this[devicePrivate];
    p.state = 'released';
    const release = this.#release;
    this.#shared = undefined;
    this.#release = undefined;
    this.#drvdata = undefined;
    p.parentRef = undefined;
    try {
      release?.();
    } catch (err) {
      // A release cannot fail in the kernel either; keep going, but say so.
      this.#ctx.log.error({ err, device: this.devName }, 'release callback threw');
    }
    this.#ctx.released(this as AuxiliaryDevice);
  }
}

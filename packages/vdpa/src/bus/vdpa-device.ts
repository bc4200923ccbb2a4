/**
 * VdpaDevice: one device on the vdpa bus, as its implementation, its
 * driver and the management layer see it (the kernel's `struct
 * vdpa_device`).
 *
 * The implementation supplies config ops and a DMA seam; the bus gives the
 * device its name (`vdpaN` unless one is given) and index, and binds a
 * driver. The bus rules that sit between a driver and the ops live here as
 * methods, after vdpa.h's helpers: `reset` clears `featuresValid`,
 * `setFeatures` sets it, and `getConfig` before any features were set
 * negotiates none first (a legacy driver that never sets features still
 * gets a defined config layout).
 *
 * Once removed from the bus, every method throws ENODEV, so a driver or
 * user handle that outlives the device gets an answer, not a crash.
 *
 * Owns: identity, features_valid and the driver's private slot. Never:
 * binds or probes (the bus does, under the device lock).
 */
import type { BindingSlot } from '@auxctl/core';
import { DeviceLock } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type { VdpaConfigOps, VdpaDma } from './config-ops.js';
import type { VdpaDriver } from './vdpa-driver.js';

/** VdpaDeviceInit: what a device implementation supplies to `VdpaBus.addDevice`. */
export interface VdpaDeviceInit {
  /** The device name; `vdpa<index>` when absent. 1-64 of [A-Za-z0-9_.:-]. */
  readonly name?: string;
  readonly config: VdpaConfigOps;
  readonly dma: VdpaDma;
  /** Number of virtqueues (for net: 2 * max pairs + 1 control queue). */
  readonly nvqs: number;
  /** The device doing the DMA (the parent, e.g. `mlx5_core.sf.1`), for views. */
  readonly dmaDev?: string;
}

/** VdpaDeviceHooks: what the bus gives each device it creates. */
export interface VdpaDeviceHooks {
  readonly index: number;
  /** The management device handle when a `dev add` made it. */
  readonly mgmtdev: string | undefined;
  /** Reports a status change to watchers. */
  readonly onStatus: (vdev: VdpaDevice, status: number) => void;
}

/** bindingOf: key of the bus-only binding state of a device. */
export const bindingOf: unique symbol = Symbol('vdpa.binding');

const NAME = /^[A-Za-z0-9_.:-]{1,64}$/;

/** checkDeviceInit: throws EINVAL unless `init` is well formed; nothing to undo. */
export function checkDeviceInit(init: VdpaDeviceInit): void {
  if (typeof init !== 'object' || init === null || typeof init.config !== 'object') {
    throw new AuxError('EINVAL', 'a vdpa device needs { config, dma, nvqs }');
  }
  if (init.name !== undefined && !NAME.test(init.name)) {
    throw new AuxError('EINVAL', 'vdpa device name must be 1-64 of [A-Za-z0-9_.:-]');
  }
  if (!Number.isInteger(init.nvqs) || init.nvqs < 1 || init.nvqs > 0xffff) {
    throw new AuxError('EINVAL', 'nvqs must be an integer 1..65535');
  }
  if (typeof init.dma?.map !== 'function' || typeof init.dma.unmap !== 'function') {
    // Like __vdpa_alloc_device: a map without an unmap (or neither) is refused.
    throw new AuxError('EINVAL', 'dma must offer both map and unmap');
  }
}

/** VdpaDevice: see the module header. */
export class VdpaDevice {
  readonly name: string;
  readonly index: number;
  readonly nvqs: number;
  readonly dmaDev: string | undefined;
  /** The handle of the management device that created it; undefined otherwise. */
  readonly mgmtdev: string | undefined;
  /** Bus-only binding state; drivers must not touch it. */
  readonly [bindingOf]: BindingSlot<VdpaDriver> & { driverOverride: string | undefined };

  #live = true;
  #featuresValid = false;
  #drvdata: unknown;
  readonly #config: VdpaConfigOps;
  readonly #dma: VdpaDma;
  readonly #onStatus: (vdev: VdpaDevice, status: number) => void;

  constructor(init: VdpaDeviceInit, hooks: VdpaDeviceHooks) {
    this.index = hooks.index;
    this.name = init.name ?? `vdpa${hooks.index}`;
    this.nvqs = init.nvqs;
    this.dmaDev = init.dmaDev;
    this.mgmtdev = hooks.mgmtdev;
    this.#config = init.config;
    this.#dma = init.dma;
    this.#onStatus = hooks.onStatus;
    this[bindingOf] = {
      lock: new DeviceLock(this.name),
      driver: undefined,
      suspended: false,
      driverOverride: undefined,
    };
  }

  /** devName: the name, as core's DriverBinding logs it. */
  get devName(): string {
    return this.name;
  }

  /** live: true while the device is on the bus. */
  get live(): boolean {
    return this.#live;
  }

  /** driverName: the bound driver's name, or undefined. */
  get driverName(): string | undefined {
    return this[bindingOf].driver?.name;
  }

  /** driverOverride: the only driver allowed to bind, when set. */
  get driverOverride(): string | undefined {
    return this[bindingOf].driverOverride;
  }

  /** featuresValid: true once features were set since the last reset. */
  get featuresValid(): boolean {
    return this.#featuresValid;
  }

  /** drvdata: the bound driver's private slot; cleared when it unbinds. */
  get drvdata(): unknown {
    return this.#drvdata;
  }

  set drvdata(v: unknown) {
    this.#drvdata = v;
  }

  /** config: the device's ops, for the steps without bus rules (virtqueues, ids). ENODEV once removed. */
  get config(): VdpaConfigOps {
    this.ensureLive();
    return this.#config;
  }

  /** dma: the device's DMA seam. ENODEV once removed. */
  get dma(): VdpaDma {
    this.ensureLive();
    return this.#dma;
  }

  /** ensureLive: throws ENODEV once the device left the bus. */
  ensureLive(): void {
    if (!this.#live) throw new AuxError('ENODEV', `vdpa device ${this.name} is gone`);
  }

  /** reset: clear features_valid and reset the device (status 0). */
  async reset(): Promise<void> {
    this.#featuresValid = false;
    await this.config.reset();
    this.#onStatus(this, 0);
  }

  /** setFeatures: mark features valid and write them (errors from the device pass through, as in vdpa.h). */
  setFeatures(features: bigint): void {
    const c = this.config;
    this.#featuresValid = true;
    c.setDriverFeatures(features);
  }

  /** getStatus: the status byte. */
  getStatus(): number {
    return this.config.getStatus();
  }

  /** setStatus: write the status byte (0 = reset, through `reset`) and tell watchers. */
  async setStatus(status: number): Promise<void> {
    if (status === 0) return this.reset();
    await this.config.setStatus(status);
    if (this.#live) this.#onStatus(this, this.#config.getStatus());
  }

  /** getConfig: `len` bytes of config space at `offset`; negotiates no features first if none were set. */
  getConfig(offset: number, len: number): Buffer {
    if (!this.#featuresValid) {
      try {
        this.setFeatures(0n);
      } catch {
        // A device that refuses "no features" (mlx5 wants ACCESS_PLATFORM) still shows its config.
      }
    }
    return this.config.getConfig(offset, len);
  }

  /** setConfig: write config space at `offset`. */
  setConfig(offset: number, data: Buffer): void {
    this.config.setConfig(offset, data);
  }

  /** vqSizeRange: the device's smallest and largest queue size (min 1 when not given). */
  vqSizeRange(): { min: number; max: number } {
    const c = this.config;
    return { min: c.getVqNumMin?.() ?? 1, max: c.getVqNumMax() };
  }

  /** markRemoved: used by the bus when the device leaves it; then the ops' `free` runs once. */
  markRemoved(): void {
    if (!this.#live) return;
    this.#live = false;
    this.#config.free?.();
  }

  /** statusChanged: used by the implementation to tell watchers of a status it set itself (NEEDS_RESET). */
  statusChanged(): void {
    if (this.#live) this.#onStatus(this, this.#config.getStatus());
  }
}

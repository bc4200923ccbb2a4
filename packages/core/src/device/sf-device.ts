/**
 * SfDevice: what a PF core device lends through an `mlx5_core.sf.N`
 * auxiliary device (`adev.shared`): the sub-function's own backend (its
 * command-queue page, health, doorbells and events) and the bus its nested
 * core device publishes on. The SF driver (sf-driver.ts) brings a nested
 * CoreDevice up over `backend` and records it here, so the PF can tell an
 * `active` port (published) from an `attached` one (nested core up).
 *
 * Revoked when the aux device is deleted: `backend` then throws ENODEV, so
 * a driver that kept it past remove gets an answer, never a function it no
 * longer owns.
 *
 * Owns: the record of the nested core. Never: the nested core's life (the
 * driver's) or the function's (the PF's port functions).
 */
import { AuxError, type DeviceBackend } from '@auxctl/prm';
import type { AuxiliaryBus } from '../bus/auxiliary-bus.js';
import type { CoreDevice } from './core-device.js';

/** SfDeviceInit: what the PF knows of the function it publishes. */
export interface SfDeviceInit {
  readonly backend: DeviceBackend;
  readonly bus: AuxiliaryBus;
  /** The PF core device's name. */
  readonly pf: string;
  /** The devlink port index, sfnum and firmware function id of the SF. */
  readonly index: number;
  readonly sfnum: number;
  readonly functionId: number;
}

/** SfDevice: see the module header. */
export class SfDevice {
  readonly bus: AuxiliaryBus;
  readonly pf: string;
  readonly index: number;
  readonly sfnum: number;
  readonly functionId: number;
  private readonly fn: DeviceBackend;
  private revoked = false;
  private nested: CoreDevice | undefined;

  constructor(init: SfDeviceInit) {
    this.fn = init.backend;
    this.bus = init.bus;
    this.pf = init.pf;
    this.index = init.index;
    this.sfnum = init.sfnum;
    this.functionId = init.functionId;
  }

  /** backend: the SF's own device backend; ENODEV once the aux device is deleted. */
  get backend(): DeviceBackend {
    if (this.revoked) throw new AuxError('ENODEV', `sub-function ${this.sfnum} is gone`);
    return this.fn;
  }

  /** nestedCore: the core device the SF driver brought up, if any. */
  get nestedCore(): CoreDevice | undefined {
    return this.nested;
  }

  /** attach: record the nested core (the SF driver, in probe). */
  attach(core: CoreDevice): void {
    this.nested = core;
  }

  /** detach: forget and return the nested core (the SF driver, in remove). */
  detach(): CoreDevice | undefined {
    const c = this.nested;
    this.nested = undefined;
    return c;
  }

  /** revoke: the aux device was deleted. */
  revoke(): void {
    this.revoked = true;
  }
}

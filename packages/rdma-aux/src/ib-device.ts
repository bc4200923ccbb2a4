/**
 * IbDevice: the ib_device the driver registers for one bound
 * `mlx5_core.rdma.N` aux device, named `mlx5_N` (N = the aux device id,
 * as mlx5_ib names its devices). Callers open verbs contexts on it; when
 * the aux device goes away the driver calls `detach()`, which closes every
 * context (objects destroyed, uids released) while the core can still
 * answer, and makes every later call fail with ENODEV.
 *
 * Owns: its open contexts. Never: the core handle's life (the core revokes
 * it after the driver's remove has returned).
 */

import { type CoreHandle, type Logger, UserContexts } from '@auxctl/core';
import { AuxError, type DeviceIdentity } from '@auxctl/prm';
import { IbContext } from './ib-context.js';

/** IbDeviceInfo: a device as `RdmaRegistry.list()` shows it. */
export interface IbDeviceInfo {
  /** `mlx5_<N>`. */
  readonly name: string;
  readonly auxDevice: string;
  /** The core device (its PCI address). */
  readonly core: string;
  readonly identity: DeviceIdentity;
  readonly contexts: number;
}

/** ibDeviceName: the ib_device name for aux device id `id`. */
export function ibDeviceName(id: number): string {
  return `mlx5_${id}`;
}

/** IbDevice: see the module header. */
export class IbDevice {
  readonly auxDevice: string;
  private readonly contexts_: UserContexts<IbContext>;

  constructor(
    private readonly handle: CoreHandle,
    readonly name: string,
    private readonly log: Logger,
  ) {
    this.auxDevice = handle.auxDevice;
    this.contexts_ = new UserContexts(handle, () => this.gone());
  }

  /** live: false once the device is being detached. */
  get live(): boolean {
    return this.contexts_.live;
  }

  /** contexts: how many contexts are open. */
  get contexts(): number {
    return this.contexts_.size;
  }

  /** info: the listing entry; ENODEV once detached. */
  info(): IbDeviceInfo {
    if (!this.live) throw this.gone();
    return {
      name: this.name,
      auxDevice: this.auxDevice,
      core: this.handle.coreName,
      identity: this.handle.identity,
      contexts: this.contexts_.size,
    };
  }

  /**
   * openContext: a verbs context with a fresh uid (CREATE_UCTX, no
   * capability bits: verbs objects need none). ENODEV when the device is
   * gone; CREATE_UCTX's errno when firmware refuses (ENOMEM: no uid left).
   */
  openContext(): Promise<IbContext> {
    return this.contexts_.open(0, (uid) => {
      const ctx = new IbContext({
        handle: this.handle,
        device: this.name,
        uid,
        log: this.log.child({ uid }),
        onClosed: (c) => this.contexts_.closed(c),
      });
      this.log.debug({ device: this.name, uid }, 'verbs context opened');
      return ctx;
    });
  }

  /** detach: the driver's remove: refuse new work, wait for opens, close every context. Never rejects. */
  async detach(): Promise<void> {
    const first = this.contexts_.live;
    await this.contexts_.detach();
    if (first) this.log.info({ device: this.name }, 'ib device detached');
  }

  private gone(): AuxError {
    return new AuxError('ENODEV', `${this.name} was removed; list devices and open another`);
  }
}

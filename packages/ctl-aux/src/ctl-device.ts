/**
 * CtlDevice: the ctl device the driver registers for one bound
 * `mlx5_core.ctl.N` aux device (`mlx5ctl-mlx5_core.ctl.N`, the analogue of
 * `/dev/fwctl/fwctlN`). Callers open contexts on it; when the aux device
 * goes away the driver calls `detach()`, which closes every context (their
 * uids and umems are released while the device can still answer) and makes
 * every later call fail with ENODEV.
 *
 * Owns: its open contexts. Never: the core handle's life (the core revokes
 * it after the driver's remove has returned).
 */

import { type CoreHandle, type Logger, UserContexts } from '@auxctl/core';
import { AuxError, type DeviceIdentity } from '@auxctl/prm';
import type { AuditLog } from './audit-log.js';
import { type CtlCredentials, checkCredentials, privilegeCaps } from './credentials.js';
import { CtlContext } from './ctl-context.js';

/** CtlDeviceInfo: a ctl device as `CtlRegistry.list()` shows it. */
export interface CtlDeviceInfo {
  /** `mlx5ctl-<aux device name>`. */
  readonly name: string;
  readonly auxDevice: string;
  /** The core device (its PCI address). */
  readonly core: string;
  readonly identity: DeviceIdentity;
  /** uctx capabilities the device offers. */
  readonly devUctxCap: number;
  readonly contexts: number;
  readonly tainted: readonly string[];
}

/** CtlDeviceOptions: what the driver gives each device. */
export interface CtlDeviceOptions {
  readonly audit: AuditLog;
  readonly log: Logger;
  readonly umemBytesPerContext: number;
  /** What a refused raw CREATE_UMEM names instead (default LOCAL_UMEM_CALLS). */
  readonly umemCalls?: string;
}

/** ctlDeviceName: the ctl device name for an aux device name. */
export function ctlDeviceName(auxDevice: string): string {
  return `mlx5ctl-${auxDevice}`;
}

/** CtlDevice: see the module header. */
export class CtlDevice {
  readonly name: string;
  readonly auxDevice: string;
  private readonly contexts_: UserContexts<CtlContext>;

  constructor(
    private readonly handle: CoreHandle,
    private readonly opts: CtlDeviceOptions,
  ) {
    this.auxDevice = handle.auxDevice;
    this.name = ctlDeviceName(handle.auxDevice);
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
  info(): CtlDeviceInfo {
    this.ensureLive();
    return {
      name: this.name,
      auxDevice: this.auxDevice,
      core: this.handle.coreName,
      identity: this.handle.identity,
      devUctxCap: this.handle.caps.uctx_cap,
      contexts: this.contexts_.size,
      tainted: this.handle.tainted,
    };
  }

  /**
   * open: a new context for `credentials` (see credentials.ts for the
   * capability rules). EINVAL for bad credentials, ENODEV when the device
   * is gone, the CREATE_UCTX errno when firmware refuses (ENOMEM: no uid
   * left). Nothing is left behind on failure.
   */
  open(credentials: CtlCredentials): Promise<CtlContext> {
    if (!this.live) return Promise.reject(this.gone());
    let creds: ReturnType<typeof checkCredentials>;
    let devUctxCap: number;
    try {
      creds = checkCredentials(credentials);
      devUctxCap = this.handle.caps.uctx_cap;
    } catch (err) {
      return Promise.reject(err);
    }
    const ucap = privilegeCaps(creds.caps);
    const uctxCap = (ucap & devUctxCap) >>> 0;
    return this.contexts_.open(uctxCap, (uid) => {
      const ctx = new CtlContext({
        handle: this.handle,
        device: this.name,
        principal: creds.principal,
        privileges: creds.caps,
        uid,
        uctxCap,
        devUctxCap,
        ucap,
        audit: this.opts.audit,
        log: this.opts.log,
        umemBytesPerContext: this.opts.umemBytesPerContext,
        ...(this.opts.umemCalls !== undefined && { umemCalls: this.opts.umemCalls }),
        onClosed: (c) => this.contexts_.closed(c),
      });
      ctx.auditSession('ctl.open', { ucap, uctx_cap: uctxCap, dev_uctx_cap: devUctxCap });
      return ctx;
    });
  }

  /**
   * detach: the driver's remove: refuse new work, wait for opens in
   * progress, close every context. Never rejects; idempotent.
   */
  async detach(): Promise<void> {
    const first = this.contexts_.live;
    await this.contexts_.detach();
    if (first) this.opts.log.info({ device: this.name }, 'ctl device detached');
  }

  private ensureLive(): void {
    if (!this.live) throw this.gone();
  }

  private gone(): AuxError {
    return new AuxError('ENODEV', `${this.name} was removed; list devices and open another`);
  }
}

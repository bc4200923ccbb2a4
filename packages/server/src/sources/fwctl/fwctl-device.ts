/**
 * FwctlServedDevice: one Linux fwctl device (an mlx5 PCI function with a
 * `/dev/fwctl/fwctlN` node) as the server sees it through the DeviceSource
 * seam.
 *
 * Its state is `up` while sysfs shows it and `closed` once it is gone (hot
 * removal, driver unbind); its events are core's vocabulary (`state`,
 * `taint`). Every context opened on it is tracked so removal revokes them
 * all (the kernel already answers ENODEV on their files; revoking also
 * closes the files and ends their sessions with UNAVAILABLE).
 *
 * Owns: the contexts opened on the device and its event channel. Never:
 * health reporters (devlink's, on the host) or port functions (devlink
 * port) — it has none and the server says so.
 */

import { type CoreEvent, type CoreState, EventChannel } from '@auxctl/core';
import { type AuditLog, type CtlCredentials, privilegeCaps } from '@auxctl/ctl-aux';
import {
  type FwctlDeviceEntry,
  FwctlDeviceType,
  FwctlFile,
  type FwctlSyscalls,
} from '@auxctl/fwctl-linux';
import { AuxError } from '@auxctl/prm';
import { type Device, DeviceState, type HealthReporterReport } from '@auxctl/proto';
import type { DumpModes, HostCoredump, ServedDevice, SourceContext } from '../device-source.js';
import { FwctlContext } from './fwctl-context.js';

/** FwctlDeviceHost: what the fwctl source gives each device. */
export interface FwctlDeviceHost {
  readonly syscalls: FwctlSyscalls;
  readonly audit: AuditLog;
  /** The host's taint reasons now. */
  tainted(): readonly string[];
  /** An RPC at a tainting scope reached the kernel: re-read the host's taint. */
  taintingRpc(): void;
  /** The host's coredump of a PCI function, when the host can take one. */
  hostCoredump(pci: string): HostCoredump;
}

/** FwctlServedDevice: see the module header. */
export class FwctlServedDevice implements ServedDevice {
  readonly source = 'fwctl';
  readonly parent = '';
  readonly fwVersion = 'unknown';
  readonly events = new EventChannel<CoreEvent>();
  readonly dumps: DumpModes;
  private current: CoreState = 'up';
  private readonly contexts = new Set<FwctlContext>();

  constructor(
    readonly entry: FwctlDeviceEntry,
    private readonly ids: { readonly vendorId: number; readonly deviceId: number },
    private readonly host: FwctlDeviceHost,
  ) {
    this.dumps = {
      modes: ['inline'],
      why: 'mainline Linux fwctl has no user memory registration, so dumps are taken inline or by the host',
      hostCoredump: host.hostCoredump(entry.pci),
    };
  }

  /** name: the PCI function's address, the API's device name. */
  get name(): string {
    return this.entry.pci;
  }

  get state(): CoreState {
    return this.current;
  }

  /** openContexts: how many contexts are open on the device now. */
  get openContexts(): number {
    return this.contexts.size;
  }

  describe(): Device {
    const taint = this.host.tainted();
    return {
      name: this.name,
      id: Number(this.entry.name.replace(/^fwctl/, '')),
      identity: { ...this.ids, fwVersion: this.fwVersion, psid: '', serial: '' },
      state: this.current === 'up' ? DeviceState.DEVICE_STATE_UP : DeviceState.DEVICE_STATE_CLOSED,
      auxDevices: this.entry.aux.map((a) => ({
        name: a.name,
        driver: a.driver ?? '',
        suspended: false,
      })),
      health: [],
      taintReasons: [...taint],
      parent: '',
      portFunctions: [],
    };
  }

  healthReports(): HealthReporterReport[] {
    throw new AuxError(
      'EOPNOTSUPP',
      `device ${this.name} is served by Linux fwctl: its health reporters are devlink's; run devlink health show pci/${this.name} on its host`,
    );
  }

  /** open: one fwctl file, one uid; ENODEV once the device is gone. */
  async open(credentials: CtlCredentials): Promise<SourceContext> {
    if (this.current !== 'up') {
      throw new AuxError('ENODEV', `device ${this.name} is ${this.current}; list devices again`);
    }
    const file = await FwctlFile.open(this.entry.devnode, this.host.syscalls);
    if (file.info.deviceType !== FwctlDeviceType.MLX5) {
      await file.close();
      throw new AuxError(
        'EOPNOTSUPP',
        `${this.entry.devnode} is not an mlx5 fwctl device (FWCTL_INFO type ${file.info.deviceType})`,
      );
    }
    const ctx = new FwctlContext({
      file,
      device: this.name,
      principal: credentials.principal,
      sysRawio: credentials.caps?.sys_rawio === true,
      ucap: privilegeCaps(credentials.caps ?? {}),
      audit: this.host.audit,
      tainted: () => this.host.tainted(),
      onTaintingRpc: () => this.host.taintingRpc(),
      onClosed: (c) => this.contexts.delete(c),
    });
    this.contexts.add(ctx);
    // Gone while opening: the context must not outlive the device.
    if (this.current !== 'up') await ctx.revoke('removed');
    else ctx.auditSession('ctl.open', { uctx_cap: file.info.uctxCaps, source: 'fwctl' });
    return ctx;
  }

  /** taint: report that the host became tainted. */
  taint(reason: string): void {
    this.events.publish({ type: 'taint', core: this.name, reason });
  }

  /** remove: the device is gone: revoke every context, then report `closed`. */
  async remove(): Promise<void> {
    if (this.current === 'closed') return;
    const previous = this.current;
    this.current = 'closed';
    await Promise.all([...this.contexts].map((c) => c.revoke('removed')));
    this.events.publish({ type: 'state', core: this.name, state: 'closed', previous });
  }
}

/**
 * FwctlSource: the devices the Linux kernel owns, served through its fwctl
 * subsystem (`/dev/fwctl/fwctlN`, Linux 6.15 and later, CONFIG_FWCTL_MLX5).
 *
 * PURPOSE
 * Finds fwctl devices in sysfs (an mlx5 PCI function each, with the
 * auxiliary devices of that function and their drivers), follows hot add
 * and removal with a watcher, and opens one fwctl file per ctl context.
 * The kernel's fwctl taint is host-wide: it is read from
 * `/proc/sys/kernel/tainted` and shown on every device of this source.
 *
 * LIFESPAN
 * 1. `FwctlSource.start(opts)`: first discovery (mlx5 devices only, by the
 *    type FWCTL_INFO reports; others are logged and left alone), then the
 *    watcher polls.
 * 2. A device that appears is announced; one that disappears revokes its
 *    contexts and reports `closed`.
 * 3. `close()`: stop the watcher, revoke every context (closing its file).
 *
 * Owns: the watcher, the devices' views and the host taint reading. Never:
 * opens a file except for a context a caller asked for, or writes to sysfs.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, silentLogger } from '@auxctl/core';
import { AuditLog } from '@auxctl/ctl-aux';
import {
  type FwctlDeviceEntry,
  FwctlDeviceType,
  FwctlFile,
  type FwctlSyscalls,
  FwctlWatcher,
  fwctlDeviceTypeName,
  linuxSyscalls,
  readKernelTaint,
} from '@auxctl/fwctl-linux';
import type { DeviceSource, ServedDevice } from '../device-source.js';
import { type DevlinkOptions, devlinkCoredump } from './devlink-coredump.js';
import { FwctlServedDevice } from './fwctl-device.js';

/** FwctlSourceOptions: where to look and how to reach the kernel. */
export interface FwctlSourceOptions {
  /** sysfs root (default `/sys`). */
  readonly sysfsRoot?: string;
  /** Root of the device nodes (default `/dev`). */
  readonly devRoot?: string;
  /** Root of procfs, for the kernel's taint (default `/proc`). */
  readonly procRoot?: string;
  /** The system calls (default: Linux through koffi). */
  readonly syscalls?: FwctlSyscalls;
  /** How often sysfs is scanned for added and removed devices, ms (default 2000). */
  readonly pollMs?: number;
  readonly devlink?: DevlinkOptions;
  /** Run after the source closed (e.g. to release a kernel double it was started on). */
  readonly onClose?: () => Promise<void>;
  readonly logger?: Logger;
  /** Receives the contexts' `ctl.*` audit lines. */
  readonly auditLogger?: Logger;
}

/** FWCTL_TAINT_REASON: how the host's fwctl taint shows on a device. */
export const FWCTL_TAINT_REASON =
  "kernel tainted 'J': fwctl DEBUG_WRITE access was used on this host";

/** FwctlSource: see the module header. */
export class FwctlSource implements DeviceSource {
  readonly kind = 'fwctl';
  private readonly served = new Map<string, FwctlServedDevice>();
  private readonly appeared = new Set<(d: ServedDevice) => void>();
  private taintedHost = false;
  private readonly adding = new Set<Promise<void>>();
  private closed = false;

  private constructor(
    private readonly o: FwctlSourceOptions,
    private readonly watcher: FwctlWatcher,
    private readonly syscalls: FwctlSyscalls,
    private readonly log: Logger,
    private readonly audit: AuditLog,
  ) {}

  /** start: discover the host's fwctl devices and follow them; see LIFESPAN. */
  static async start(o: FwctlSourceOptions = {}): Promise<FwctlSource> {
    const watcher = new FwctlWatcher({
      ...(o.sysfsRoot !== undefined && { sysfsRoot: o.sysfsRoot }),
      ...(o.devRoot !== undefined && { devRoot: o.devRoot }),
      intervalMs: o.pollMs ?? 2000,
    });
    const log = o.logger ?? silentLogger;
    const source = new FwctlSource(
      o,
      watcher,
      o.syscalls ?? linuxSyscalls(),
      log,
      new AuditLog(o.auditLogger ?? silentLogger),
    );
    watcher.on('added', (e) => source.track(source.added(e)));
    watcher.on('removed', (e) => void source.removed(e));
    watcher.on('error', (err) => log.warn({ err }, 'fwctl discovery failed; retrying'));
    await source.refreshTaint();
    await watcher.scan();
    // The devices of the first scan are served when start() returns.
    await Promise.all(source.adding);
    watcher.start();
    return source;
  }

  /** devices: the mlx5 fwctl devices sysfs shows now, by fwctl number. */
  devices(): ServedDevice[] {
    // Discovery finishes in any order (one FWCTL_INFO per node); the list does not.
    return [...this.served.values()].sort((a, b) => byNumber.compare(a.entry.name, b.entry.name));
  }

  device(name: string): ServedDevice | undefined {
    return this.served.get(name);
  }

  onAppeared(fn: (device: ServedDevice) => void): () => void {
    this.appeared.add(fn);
    return () => this.appeared.delete(fn);
  }

  /** close: stop watching and revoke every context; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.appeared.clear();
    await this.watcher.close();
    await Promise.all([...this.served.values()].map((d) => d.remove()));
    this.served.clear();
    await this.o.onClose?.();
  }

  /**
   * refreshTaint: re-read the host's taint; a change to tainted is an event
   * on every device. The kernel never clears its taint, so once tainted
   * there is nothing left to read.
   */
  async refreshTaint(): Promise<void> {
    if (this.taintedHost) return;
    let fwctl = false;
    try {
      fwctl = (await readKernelTaint(this.o.procRoot)).fwctl;
    } catch (err) {
      this.log.warn({ err }, 'cannot read the kernel taint');
      return;
    }
    if (fwctl && !this.taintedHost) {
      this.taintedHost = true;
      for (const d of this.served.values()) d.taint(FWCTL_TAINT_REASON);
    }
  }

  private track(p: Promise<void>): void {
    this.adding.add(p);
    void p.finally(() => this.adding.delete(p));
  }

  private async added(e: FwctlDeviceEntry): Promise<void> {
    if (this.closed || this.served.has(e.pci)) return;
    const type = await this.deviceType(e);
    if (type !== 'mlx5') {
      this.log.info(
        { fwctl: e.name, device: e.pci, driver: e.driver, type },
        'not an mlx5 fwctl device; not served',
      );
      return;
    }
    const ids = await pciIds(this.o.sysfsRoot ?? '/sys', e.name);
    if (this.closed || this.served.has(e.pci)) return;
    const d = new FwctlServedDevice(e, ids, {
      syscalls: this.syscalls,
      audit: this.audit,
      tainted: () => (this.taintedHost ? [FWCTL_TAINT_REASON] : []),
      taintingRpc: () => void this.refreshTaint(),
      hostCoredump: (pci) => devlinkCoredump(pci, this.o.devlink),
    });
    this.served.set(e.pci, d);
    this.log.info({ fwctl: e.name, device: e.pci, devnode: e.devnode }, 'fwctl device found');
    for (const fn of [...this.appeared]) fn(d);
  }

  /**
   * deviceType: what FWCTL_INFO says the device is (one open and close of
   * its node); when the node cannot be opened now (permissions, a node not
   * yet created), the PCI driver's name decides, as mlx5ctl does, and the
   * open error is logged: each later open reports its own.
   */
  private async deviceType(e: FwctlDeviceEntry): Promise<string> {
    let file: FwctlFile;
    try {
      file = await FwctlFile.open(e.devnode, this.syscalls);
    } catch (err) {
      this.log.warn({ err, devnode: e.devnode }, 'cannot open the fwctl device to read its type');
      return e.driver === 'mlx5_core' ? 'mlx5' : `driver ${e.driver ?? 'none'}`;
    }
    await file.close();
    return file.info.deviceType === FwctlDeviceType.MLX5
      ? 'mlx5'
      : fwctlDeviceTypeName(file.info.deviceType);
  }

  private async removed(e: FwctlDeviceEntry): Promise<void> {
    const d = this.served.get(e.pci);
    if (!d || d.entry.name !== e.name) return;
    this.served.delete(e.pci);
    this.log.info({ fwctl: e.name, device: e.pci }, 'fwctl device gone');
    await d.remove();
  }
}

/** pciIds: the PCI vendor and device ids of fwctl device `name`'s function (0 when sysfs lacks them). */
async function pciIds(
  sysfsRoot: string,
  name: string,
): Promise<{ vendorId: number; deviceId: number }> {
  const read = async (file: string): Promise<number> => {
    try {
      const path = join(sysfsRoot, 'class', 'fwctl', name, 'device', file);
      const text = (await readFile(path, 'utf8')).trim();
      return /^0x[0-9a-f]{1,4}$/i.test(text) ? Number.parseInt(text, 16) : 0;
    } catch {
      return 0;
    }
  };
  const [vendorId, deviceId] = await Promise.all([read('vendor'), read('device')]);
  return { vendorId, deviceId };
}

/** byNumber: fwctl2 before fwctl10. */
const byNumber = new Intl.Collator('en', { numeric: true });

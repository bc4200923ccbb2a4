/**
 * VfioPciCoreDevice: vfio-pci-core as a library — a vfio device on top of
 * one PCI function, which a PCI driver (vfio-pci itself, or a variant
 * driver such as mlx5_vfio_pci) creates in probe and unregisters in
 * remove. The driver hands in its ops (vfio-ops.ts); vfio core owns the
 * rest: open counting, the user's view of the function, the feature
 * ioctl's rules and the migration path.
 *
 * LIFESPAN
 *   1. probe: `new VfioPciCoreDevice({ fn, ops, resetFunction })`.
 *   2. A user (a VMM) calls `open()` and gets a `VfioDeviceFd`; the first
 *      open runs the driver's `openDevice`. Through the fd it reaches the
 *      function's resource (`region`: its BARs — a guest driver drives the
 *      function through it), `deviceFeature(flags, data)`, `reset()`.
 *   3. `fd.close()`; the last close stops DMA logging and runs the
 *      driver's `closeDevice`.
 *   4. remove: `unregister()`. Open fds stay open (the user still holds
 *      them) but `open()` is ENODEV and the region, now gone, ENODEV.
 *
 * deviceFeature (one at a time per device, as every hook and file call):
 *   the header and per-feature rules of device-feature.ts, then
 *   MIGRATION (GET)           the driver's migration flags
 *   MIG_DEVICE_STATE (GET)    the state, data_fd -1
 *   MIG_DEVICE_STATE (SET)    walks `migPath(state, target)` one driver
 *                             arc at a time; only the last arc may open a
 *                             data file, which comes back (`file`, and an
 *                             fd number in the struct)
 *   MIG_DATA_SIZE (GET)       the driver's stop-copy estimate
 *   DMA_LOGGING_START (SET)   dma-logging-args.ts rules; EBUSY while on;
 *                             the struct comes back with the page size used
 *   DMA_LOGGING_STOP (SET)    stops logging (nothing when off)
 *   DMA_LOGGING_REPORT (GET)  EINVAL while off; the bitmap read and cleared
 *   a feature the device lacks (no migration or log ops, unknown)  ENOTTY
 *
 * reset (VFIO_DEVICE_RESET): the function reset (`resetFunction`; EINVAL
 * when the function has none), then the driver's `resetDone`.
 *
 * Owns: the open count, the fds, the state lock, whether logging is on.
 * Never: the migration state (the driver's), the PCI function (the bus's).
 */
import { SerialQueue } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import {
  checkFeature,
  checkFeatureHeader,
  FeatureFlag,
  featureIndex,
  VfioFeature,
} from '../feature/device-feature.js';
import { parseLoggingReport, parseLoggingStart } from '../feature/dma-logging-args.js';
import {
  dataSizeData,
  migrationData,
  migStateData,
  readMigState,
  STRUCT_BYTES,
} from '../feature/feature-structs.js';
import { IovaBitmap } from '../feature/iova-bitmap.js';
import { migPath } from '../migration/mig-fsm.js';
import { isMigState } from '../migration/mig-states.js';
import { LockedDataFile } from './locked-data-file.js';
import type { LogOps, MigDataFile, MigrationOps, VfioDeviceOps } from './vfio-ops.js';

/** FunctionView: what vfio core reads of a PCI function (core's PciFunction has it). */
export interface FunctionView<R> {
  readonly bdf: string;
  readonly resource: R;
}

/** VfioPciCoreDeviceInit: what the PCI driver's probe hands in. */
export interface VfioPciCoreDeviceInit<R> {
  readonly fn: FunctionView<R>;
  readonly ops?: VfioDeviceOps;
  /** resetFunction: the function-level reset of the resource; absent = reset is EINVAL. */
  readonly resetFunction?: (resource: R) => Promise<void>;
}

/** FeatureResult: what a feature call gives back. */
export interface FeatureResult {
  /** The feature's struct as the kernel copies it back (empty for SET-only and PROBE). */
  readonly data: Buffer;
  /** MIG_DEVICE_STATE SET: the data file the last arc opened. */
  readonly file?: MigDataFile;
  /** DMA_LOGGING_REPORT: the dirty bitmap. */
  readonly bitmap?: Buffer;
}

const { GET, SET } = FeatureFlag;
const NONE = Buffer.alloc(0);

/** VfioPciCoreDevice: see the module header. */
export class VfioPciCoreDevice<R = unknown> {
  readonly bdf: string;
  private readonly lock = new SerialQueue();
  private readonly fds = new Set<VfioDeviceFd<R>>();
  private registered = true;
  private logging = false;
  private nextFd = 3;

  constructor(private readonly init: VfioPciCoreDeviceInit<R>) {
    this.bdf = init.fn.bdf;
  }

  /** openCount: fds open now. */
  get openCount(): number {
    return this.fds.size;
  }

  /** live: false once the driver unregistered the device. */
  get live(): boolean {
    return this.registered;
  }

  /** open: a new fd; the first runs the driver's openDevice (its error comes back, nothing open). ENODEV once unregistered. */
  open(): Promise<VfioDeviceFd<R>> {
    return this.lock.run(async () => {
      if (!this.registered) throw new AuxError('ENODEV', `vfio device ${this.bdf} is gone`);
      if (this.fds.size === 0) await this.init.ops?.openDevice?.();
      const fd = new VfioDeviceFd<R>(this);
      this.fds.add(fd);
      return fd;
    });
  }

  /** unregister: step 4 (the driver's remove). */
  unregister(): void {
    this.registered = false;
  }

  /** @internal the fd's close. */
  closeFd(fd: VfioDeviceFd<R>): Promise<void> {
    return this.lock.run(async () => {
      if (!this.fds.delete(fd) || this.fds.size > 0) return;
      await this.stopLogging();
      await this.init.ops?.closeDevice?.();
    });
  }

  /** @internal the fd's region. */
  get region(): R {
    if (!this.registered) throw new AuxError('ENODEV', `vfio device ${this.bdf} is gone`);
    return this.init.fn.resource;
  }

  /** @internal VFIO_DEVICE_RESET. */
  reset(): Promise<void> {
    return this.lock.run(async () => {
      const reset = this.init.resetFunction;
      if (!reset) throw new AuxError('EINVAL', `${this.bdf} has no function reset`);
      await reset(this.region);
      await this.init.ops?.migration?.resetDone();
    });
  }

  /** @internal VFIO_DEVICE_FEATURE (see the module header). */
  feature(flags: number, data: Buffer = NONE): Promise<FeatureResult> {
    return this.lock.run(async () => {
      checkFeatureHeader(flags);
      if (!Buffer.isBuffer(data)) throw new AuxError('EFAULT', 'feature data must be a Buffer');
      const mig = this.init.ops?.migration;
      const log = this.init.ops?.log;
      switch (featureIndex(flags)) {
        case VfioFeature.MIGRATION: {
          const m = need(mig, 'migration');
          if (
            checkFeature(flags, data.length, GET, STRUCT_BYTES.migration, 'MIGRATION') === 'probe'
          )
            return { data: NONE };
          return { data: migrationData(m.flags) };
        }
        case VfioFeature.MIG_DEVICE_STATE: {
          const m = need(mig, 'migration');
          const ops = GET | SET;
          if (
            checkFeature(flags, data.length, ops, STRUCT_BYTES.migState, 'MIG_DEVICE_STATE') ===
            'probe'
          )
            return { data: NONE };
          if (flags & GET) return { data: migStateData(m.getState()) };
          return this.setState(m, readMigState(data).state);
        }
        case VfioFeature.MIG_DATA_SIZE: {
          const m = need(mig, 'migration');
          if (
            checkFeature(flags, data.length, GET, STRUCT_BYTES.dataSize, 'MIG_DATA_SIZE') ===
            'probe'
          )
            return { data: NONE };
          return { data: dataSizeData(await m.getDataSize()) };
        }
        case VfioFeature.DMA_LOGGING_START:
          return this.loggingStart(need(log, 'DMA logging'), flags, data);
        case VfioFeature.DMA_LOGGING_STOP:
          need(log, 'DMA logging');
          if (checkFeature(flags, data.length, SET, 0, 'DMA_LOGGING_STOP') === 'run') {
            await this.stopLogging();
          }
          return { data: NONE };
        case VfioFeature.DMA_LOGGING_REPORT:
          return this.loggingReport(need(log, 'DMA logging'), flags, data);
        default:
          throw new AuxError('ENOTTY', `${this.bdf} has no device feature ${featureIndex(flags)}`);
      }
    });
  }

  private async setState(m: MigrationOps, target: number): Promise<FeatureResult> {
    if (!isMigState(target)) throw new AuxError('EINVAL', `no device state ${target}`);
    const arcs = migPath(m.getState(), target, m.flags);
    let file: MigDataFile | undefined;
    for (const [i, arc] of arcs.entries()) {
      file = await m.setState(arc.to);
      if (file && i < arcs.length - 1) {
        await file.close();
        throw new AuxError('EINVAL', `an arc before the end of the path opened a data file`);
      }
    }
    if (!file) return { data: migStateData(target) };
    const fd = this.nextFd++;
    return { data: migStateData(target, fd), file: new LockedDataFile(file, this.lock) };
  }

  private async loggingStart(log: LogOps, flags: number, data: Buffer): Promise<FeatureResult> {
    const name = 'DMA_LOGGING_START';
    if (checkFeature(flags, data.length, SET, STRUCT_BYTES.loggingControl, name) === 'probe')
      return { data: NONE };
    const { pageSize, ranges } = parseLoggingStart(data);
    if (this.logging) throw new AuxError('EBUSY', `${this.bdf} is logging DMA already; stop first`);
    const chosen = await log.start(ranges, pageSize);
    this.logging = true;
    const out = Buffer.from(data);
    out.writeBigUInt64LE(chosen, 0);
    return { data: out };
  }

  private async loggingReport(log: LogOps, flags: number, data: Buffer): Promise<FeatureResult> {
    const name = 'DMA_LOGGING_REPORT';
    if (checkFeature(flags, data.length, GET, STRUCT_BYTES.loggingReport, name) === 'probe')
      return { data: NONE };
    const r = parseLoggingReport(data);
    if (!this.logging) throw new AuxError('EINVAL', `${this.bdf} is not logging DMA; start first`);
    const bitmap = new IovaBitmap(r.iova, r.length, r.pageSize);
    await log.readAndClear(bitmap);
    return { data: Buffer.from(data), bitmap: bitmap.bytes };
  }

  private async stopLogging(): Promise<void> {
    if (!this.logging) return;
    this.logging = false;
    await this.init.ops?.log?.stop();
  }
}

function need<T>(ops: T | undefined, what: string): T {
  if (!ops) throw new AuxError('ENOTTY', `the device has no ${what}`);
  return ops;
}

/**
 * VfioDeviceFd: one open of a vfio device (the user's fd). Every call on a
 * closed fd is EBADF.
 */
export class VfioDeviceFd<R = unknown> {
  private open = true;

  constructor(private readonly dev: VfioPciCoreDevice<R>) {}

  /** region: the function's resource (its BARs). */
  get region(): R {
    this.check();
    return this.dev.region;
  }

  /** deviceFeature: VFIO_DEVICE_FEATURE with `flags` and the feature's struct in `data`. */
  async deviceFeature(flags: number, data?: Buffer): Promise<FeatureResult> {
    this.check();
    return this.dev.feature(flags, data);
  }

  /** reset: VFIO_DEVICE_RESET. */
  async reset(): Promise<void> {
    this.check();
    return this.dev.reset();
  }

  /** close: idempotent; the last close of the device runs its close hooks. */
  async close(): Promise<void> {
    if (!this.open) return;
    this.open = false;
    await this.dev.closeFd(this);
  }

  private check(): void {
    if (!this.open) throw new AuxError('EBADF', `this fd of ${this.dev.bdf} is closed`);
  }
}

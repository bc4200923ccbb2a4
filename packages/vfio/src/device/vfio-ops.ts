/**
 * What a variant driver hands vfio-pci-core (the kernel's
 * `vfio_device_ops` open/close, `vfio_migration_ops`, `vfio_log_ops`), and
 * the migration data file its arcs open.
 *
 * Every hook runs with the device's state lock held (one feature call,
 * reset, open or close at a time on a device), so a driver keeps no lock
 * of its own for them. A data file's own calls (read, write, precopyInfo,
 * close) run under the same lock.
 *
 * Owns: the shapes. Never: behaviour.
 */

import type { IovaRange } from '../feature/feature-structs.js';
import type { IovaBitmap } from '../feature/iova-bitmap.js';
import type { MigStateValue } from '../migration/mig-states.js';

/** PrecopyInfo: `struct vfio_precopy_info` (VFIO_MIG_GET_PRECOPY_INFO). */
export interface PrecopyInfo {
  /** Bytes of the initial image not yet read. */
  readonly initialBytes: bigint;
  /** Bytes beyond the initial image the device has now (read or not). */
  readonly dirtyBytes: bigint;
}

/**
 * MigDataFile: the data_fd a migration arc opens (saving or resuming).
 *   read(max)     up to `max` bytes of the saved stream. While pre-copying,
 *                 ENOMSG means "nothing more for now" (a temporary end);
 *                 in STOP_COPY an empty buffer is the permanent end.
 *   write(buf)    the next bytes of a stream being resumed, cut anywhere;
 *                 resolves how many were taken.
 *   precopyInfo() EINVAL unless the device is in PRE_COPY / PRE_COPY_P2P.
 *   close()       releases what the file holds; idempotent. Every other
 *                 call on a closed file is EBADF.
 * A file opened for one direction refuses the other (EINVAL).
 */
export interface MigDataFile {
  read(max: number): Promise<Buffer>;
  write(buf: Buffer): Promise<number>;
  precopyInfo(): Promise<PrecopyInfo>;
  close(): Promise<void>;
  readonly closed: boolean;
}

/**
 * MigrationOps: `vfio_migration_ops`. `flags` is what the device
 * advertises (`VFIO_MIGRATION_*`, STOP_COPY at least).
 */
export interface MigrationOps {
  readonly flags: number;
  /**
   * setState: take ONE arc, from `getState()` to `next` (vfio core walks
   * the path); the data file when the arc opened one. On failure the
   * driver leaves its state where the failure left the device (the arc's
   * start, or ERROR) and throws.
   */
  setState(next: MigStateValue): Promise<MigDataFile | undefined>;
  getState(): MigStateValue;
  /** getDataSize: the stop-copy length estimate (MIG_DATA_SIZE). */
  getDataSize(): Promise<bigint>;
  /** resetDone: the function was reset: back to RUNNING, every data file closed. */
  resetDone(): Promise<void>;
}

/** LogOps: `vfio_log_ops`, device DMA dirty tracking. */
export interface LogOps {
  /** start: track DMA writes into `ranges` (sorted, checked); resolves the page size chosen. */
  start(ranges: readonly IovaRange[], pageSize: bigint): Promise<bigint>;
  stop(): Promise<void>;
  /** readAndClear: set the bits of pages written since the last report, and forget them. */
  readAndClear(bitmap: IovaBitmap): Promise<void>;
}

/** VfioDeviceOps: a variant driver's part of its device. */
export interface VfioDeviceOps {
  /** openDevice: the first open of the device (before the user gets it). */
  openDevice?(): Promise<void>;
  /** closeDevice: the last close. Cannot fail. */
  closeDevice?(): Promise<void>;
  readonly migration?: MigrationOps;
  readonly log?: LogOps;
}

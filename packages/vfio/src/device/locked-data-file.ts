/**
 * LockedDataFile: a driver's migration data file as the user holds it —
 * each call runs under its device's state lock, so a read never races an
 * arc or a reset, and the driver's file needs no lock of its own.
 *
 * Owns: nothing but the ordering. Never: the driver's file state.
 */
import type { SerialQueue } from '@auxctl/core';
import type { MigDataFile, PrecopyInfo } from './vfio-ops.js';

/** LockedDataFile: see the module header. */
export class LockedDataFile implements MigDataFile {
  constructor(
    private readonly file: MigDataFile,
    private readonly lock: SerialQueue,
  ) {}

  get closed(): boolean {
    return this.file.closed;
  }

  read(max: number): Promise<Buffer> {
    return this.lock.run(() => this.file.read(max));
  }

  write(buf: Buffer): Promise<number> {
    return this.lock.run(() => this.file.write(buf));
  }

  precopyInfo(): Promise<PrecopyInfo> {
    return this.lock.run(() => this.file.precopyInfo());
  }

  close(): Promise<void> {
    return this.lock.run(() => this.file.close());
  }
}

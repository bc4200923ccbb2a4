/**
 * readMigData: a migration data file's bytes as a VMM reads them — `read`
 * until the end (an empty read) or, in pre-copy, the temporary end
 * (ENOMSG: nothing more for now; read again after the next round).
 * Bounded: EIO after `maxReads` reads (a device that never ends its
 * stream); `signal` stops it between reads.
 *
 * Owns: the read loop. Never: the file (the driver's) or what the bytes mean.
 */
import { AuxError, isAuxError } from '@auxctl/prm';
import type { MigDataFile } from '../device/vfio-ops.js';

export interface ReadMigDataOptions {
  /** Bytes one read asks for (default 1 MiB). */
  readonly readBytes?: number;
  /** Reads at most (default 1,000,000). */
  readonly maxReads?: number;
  readonly signal?: AbortSignal;
}

/** readMigData: see the module header. */
export async function* readMigData(
  file: MigDataFile,
  o: ReadMigDataOptions = {},
): AsyncGenerator<Buffer> {
  const max = o.maxReads ?? 1_000_000;
  for (let i = 0; i < max; i++) {
    o.signal?.throwIfAborted();
    let b: Buffer;
    try {
      b = await file.read(o.readBytes ?? 1024 * 1024);
    } catch (e) {
      if (isAuxError(e, 'ENOMSG')) return;
      throw e;
    }
    if (b.length === 0) return;
    yield b;
  }
  throw new AuxError('EIO', `the device's state did not end within ${max} reads`);
}

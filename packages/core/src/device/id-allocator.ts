/**
 * IdAllocator: the lowest free small integer, like the kernel's IDA.
 *
 * Core devices take their id from one allocator so that the aux devices of
 * every core device in a process have distinct names (`mlx5_core.eth.0`,
 * `mlx5_core.eth.1`, ...), as mlx5 does with its module-wide IDA.
 */
import { AuxError } from '@auxctl/prm';

/** IdAllocator: see the module header. */
export class IdAllocator {
  private readonly used = new Set<number>();

  constructor(private readonly max = 0xffff) {}

  /** alloc: the lowest free id; ENOSPC when all are taken. Undo with free(). */
  alloc(): number {
    for (let id = 0; id <= this.max; id++) {
      if (!this.used.has(id)) {
        this.used.add(id);
        return id;
      }
    }
    throw new AuxError('ENOSPC', `all ${this.max + 1} ids are in use; close a device first`);
  }

  /** free: give `id` back (freeing an unused id is a no-op). */
  free(id: number): void {
    this.used.delete(id);
  }

  /** inUse: how many ids are taken. */
  get inUse(): number {
    return this.used.size;
  }
}

/** coreDeviceIds: the process-wide allocator core devices use unless given another. */
export const coreDeviceIds = new IdAllocator();

/** sfDeviceIds: the process-wide allocator of `mlx5_core.sf.N` ids unless a PF is given another. */
export const sfDeviceIds = new IdAllocator();

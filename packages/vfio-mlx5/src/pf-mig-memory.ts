/**
 * PfMigMemory: the PF-side memory one migration data file moves a VF's
 * images through (mlx5_vfio_pci's data buffers): a protection domain and
 * a physical-address memory key on the PF, and buffers mapped into the
 * PF's DMA space that SAVE_VHCA_STATE writes and LOAD_VHCA_STATE reads
 * (`va` = the buffer's bus address, through the PA key).
 *
 * LIFESPAN
 *   1. `PfMigMemory.open(cmd, dma)`: ALLOC_PD, CREATE_MKEY (PA). On
 *      failure whatever was made is destroyed again.
 *   2. `map(size)`: a zeroed buffer, mapped; as many as needed.
 *   3. `release()`: every buffer unmapped, the key destroyed, the PD
 *      deallocated — once; later calls do nothing. Never throws (a
 *      failing destroy is reported to `onError`, the rest still goes).
 *
 * Owns: the PD, the key and the mappings it made. Never: the PF's other
 * objects.
 */
import { allocPd, type CommandExecutor, createPaMkey, deallocPd, destroyMkey } from '@auxctl/core';
import { AuxError, type DmaSpace } from '@auxctl/prm';
import type { VhcaImageTarget } from './vhca-commands.js';

/** MigBuffer: a mapped buffer and how firmware reaches it. */
export interface MigBuffer extends VhcaImageTarget {
  readonly buf: Buffer;
}

/** PfMigMemory: see the module header. */
export class PfMigMemory {
  private readonly mapped: bigint[] = [];
  private released = false;

  private constructor(
    private readonly cmd: CommandExecutor,
    private readonly dma: DmaSpace,
    private readonly pd: number,
    readonly mkey: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** open: step 1. */
  static async open(
    cmd: CommandExecutor,
    dma: DmaSpace,
    onError: (err: unknown) => void,
  ): Promise<PfMigMemory> {
    const pd = await allocPd(cmd);
    try {
      return new PfMigMemory(cmd, dma, pd, await createPaMkey(cmd, pd), onError);
    } catch (err) {
      await deallocPd(cmd, pd).catch(onError);
      throw err;
    }
  }

  /** map: step 2; EBADF after release. */
  map(size: number): MigBuffer {
    if (this.released) throw new AuxError('EBADF', 'the migration memory was released');
    const buf = Buffer.alloc(Math.max(size, 1));
    const va = this.dma.map(buf);
    this.mapped.push(va);
    return { buf, va, mkey: this.mkey, size };
  }

  /** release: step 3. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    for (const va of this.mapped.splice(0)) this.dma.unmap(va);
    await destroyMkey(this.cmd, this.mkey).catch(this.onError);
    await deallocPd(this.cmd, this.pd).catch(this.onError);
  }
}

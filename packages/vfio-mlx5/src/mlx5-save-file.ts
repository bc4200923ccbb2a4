/**
 * Mlx5SaveFile: the saving data file (mlx5_vfio_pci's save migf). Each
 * SAVE_VHCA_STATE writes an image into a PF-side buffer (PfMigMemory);
 * the file hands it out as a FW_DATA record — header, then the image,
 * read straight from the mapped buffer — after an optional
 * STOP_COPY_SIZE record with the device's first size estimate.
 *
 * PHASES
 *   precopy   (PRE_COPY / PRE_COPY_P2P) read at the end of what is saved
 *             is ENOMSG: more may come. `precopyInfo` reports the unread
 *             initial bytes, else the unread rest; caught up, it asks the
 *             firmware for the incremental size and, when the VF changed,
 *             saves the increment (a new record) and reports it as dirty.
 *   stopcopy  (STOP_COPY) the last image is in; read at the end is an
 *             empty buffer, the stream's permanent end.
 *
 * close (by the user, an arc, reset or the VF going away) releases the
 * buffers, the key and the PD; further calls are EBADF. Writes are EINVAL.
 *
 * Owns: the records and the PF memory they sit in. Never: the device
 * state (Mlx5VfMigration's).
 */
import { AuxError } from '@auxctl/prm';
import {
  encodeMigRecord,
  type MigDataFile,
  MigTag,
  type PrecopyInfo,
  stopCopySizeRecord,
} from '@auxctl/vfio';
import type { PfMigMemory } from './pf-mig-memory.js';
import type { VfTarget } from './vf-target.js';
import { queryVhcaMigrationState, saveVhcaState } from './vhca-commands.js';

/** SavePhase: see the module header. */
export type SavePhase = 'precopy' | 'stopcopy';

/** Mlx5SaveFile: see the module header. */
export class Mlx5SaveFile implements MigDataFile {
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private pos = 0;
  /** Stream bytes of the first image (with the records before it): PRE_COPY's initial bytes. */
  private initialBytes = 0;
  private isClosed = false;

  constructor(
    private readonly vf: VfTarget,
    private readonly mem: PfMigMemory,
    public phase: SavePhase,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** announce: the optional STOP_COPY_SIZE record (a size estimate for the destination). */
  announce(bytes: number): void {
    this.push(encodeMigRecord(stopCopySizeRecord(BigInt(bytes))));
  }

  /**
   * save: SAVE_VHCA_STATE of up to `size` bytes into a new PF buffer,
   * queued as a FW_DATA record; the first save is the initial image.
   */
  async save(size: number, opts: { incremental?: boolean; track?: boolean }): Promise<void> {
    this.check();
    const b = this.mem.map(size);
    const actual = await saveVhcaState(this.vf.cmd, this.vf.vhcaId, b, opts);
    if (actual > size) {
      throw new AuxError('EIO', `SAVE_VHCA_STATE wrote ${actual} bytes into ${size}`);
    }
    // The header alone, then the image as a view of the mapped buffer (no copy until read).
    const header = encodeMigRecord({ tag: MigTag.FW_DATA, flags: 0, data: Buffer.alloc(0) });
    header.writeBigUInt64LE(BigInt(actual), 0);
    this.push(header);
    this.push(b.buf.subarray(0, actual));
    if (!opts.incremental) this.initialBytes = this.queued;
  }

  async read(max: number): Promise<Buffer> {
    this.check();
    if (!Number.isInteger(max) || max < 0) throw new AuxError('EINVAL', 'read size must be >= 0');
    if (this.queue.length === 0) {
      if (this.phase === 'precopy') {
        throw new AuxError('ENOMSG', 'no more pre-copy data for now; ask precopyInfo');
      }
      return Buffer.alloc(0);
    }
    const out: Buffer[] = [];
    let n = 0;
    while (n < max && this.queue.length > 0) {
      const head = this.queue[0]!;
      const k = Math.min(head.length, max - n);
      out.push(Buffer.from(head.subarray(0, k)));
      if (k === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(k);
      n += k;
    }
    this.pos += n;
    return Buffer.concat(out, n);
  }

  async write(): Promise<number> {
    this.check();
    throw new AuxError('EINVAL', 'a saving data file cannot be written');
  }

  async precopyInfo(): Promise<PrecopyInfo> {
    this.check();
    if (this.phase !== 'precopy') {
      throw new AuxError('EINVAL', 'precopy info exists only in PRE_COPY and PRE_COPY_P2P');
    }
    if (this.pos < this.initialBytes) {
      return { initialBytes: BigInt(this.initialBytes - this.pos), dirtyBytes: 0n };
    }
    if (this.queued === this.pos) {
      const { required } = await queryVhcaMigrationState(this.vf.cmd, this.vf.vhcaId, true);
      if (required > 0) await this.save(required, { incremental: true });
    }
    return { initialBytes: 0n, dirtyBytes: BigInt(this.queued - this.pos) };
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue.length = 0;
    await this.mem.release();
  }

  private push(b: Buffer): void {
    if (b.length === 0) return;
    this.queue.push(b);
    this.queued += b.length;
  }

  private check(): void {
    if (this.isClosed) throw new AuxError('EBADF', 'the data file is closed');
  }
}

/**
 * Mlx5ResumeFile: the resuming data file (mlx5_vfio_pci's resume migf).
 * Writes are the source's record stream, cut anywhere; `MigStreamParser`
 * frames it (skipping unknown optional records, refusing an unknown
 * mandatory tag at once with EINVAL — the file then refuses every later
 * write), and each FW_DATA record's image is copied into a PF-side buffer.
 *
 * `load()` (RESUMING -> STOP) first makes sure the stream ended on a
 * record boundary (EINVAL "truncated" otherwise) and only then issues
 * LOAD_VHCA_STATE per image, in order — so a truncated stream loads
 * nothing. close releases the buffers, key and PD; later calls are EBADF.
 * Reads and precopy info are EINVAL.
 *
 * Owns: the images and the PF memory they sit in. Never: the device state.
 */
import { AuxError } from '@auxctl/prm';
import { type MigDataFile, MigStreamParser, MigTag, type PrecopyInfo } from '@auxctl/vfio';
import type { MigBuffer, PfMigMemory } from './pf-mig-memory.js';
import type { VfTarget } from './vf-target.js';
import { loadVhcaState } from './vhca-commands.js';

/** Mlx5ResumeFile: see the module header. */
export class Mlx5ResumeFile implements MigDataFile {
  private readonly parser = new MigStreamParser();
  private readonly images: MigBuffer[] = [];
  private failed: unknown;
  private isClosed = false;

  constructor(
    private readonly vf: VfTarget,
    private readonly mem: PfMigMemory,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** imageCount: FW_DATA records taken so far. */
  get imageCount(): number {
    return this.images.length;
  }

  async write(buf: Buffer): Promise<number> {
    this.check();
    if (this.failed) throw this.failed;
    if (!Buffer.isBuffer(buf)) throw new AuxError('EFAULT', 'write takes a Buffer');
    try {
      for (const r of this.parser.push(Buffer.from(buf))) {
        if (r.tag !== MigTag.FW_DATA) continue;
        const b = this.mem.map(r.data.length);
        r.data.copy(b.buf);
        this.images.push(b);
      }
    } catch (err) {
      this.failed = err;
      throw err;
    }
    return buf.length;
  }

  /** load: see the module header. */
  async load(): Promise<void> {
    this.check();
    if (this.failed) throw this.failed;
    this.parser.end();
    for (const img of this.images) await loadVhcaState(this.vf.cmd, this.vf.vhcaId, img);
  }

  async read(): Promise<Buffer> {
    this.check();
    throw new AuxError('EINVAL', 'a resuming data file cannot be read');
  }

  async precopyInfo(): Promise<PrecopyInfo> {
    this.check();
    throw new AuxError('EINVAL', 'precopy info exists only in PRE_COPY and PRE_COPY_P2P');
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    this.images.length = 0;
    await this.mem.release();
  }

  private check(): void {
    if (this.isClosed) throw new AuxError('EBADF', 'the data file is closed');
  }
}

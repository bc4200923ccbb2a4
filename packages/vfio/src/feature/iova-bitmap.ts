/**
 * IovaBitmap: the dirty bitmap a DMA_LOGGING_REPORT fills (the kernel's
 * `iova_bitmap`): one bit per page of [iova, iova + length), bit i for the
 * page at iova + i * page_size, in u64 words, little-endian. A driver's
 * `readAndClear` sets bits; nothing clears them.
 *
 * Owns: the bits. Never: what is dirty (the driver's tracker).
 */
import { AuxError } from '@auxctl/prm';

/** IovaBitmap: see the module header. */
export class IovaBitmap {
  readonly bytes: Buffer;
  private readonly pages: bigint;

  constructor(
    readonly iova: bigint,
    readonly length: bigint,
    readonly pageSize: bigint,
  ) {
    this.pages = length / pageSize;
    if (this.pages > 1n << 32n) {
      throw new AuxError('ENOMEM', `a bitmap of ${this.pages} pages is too large`);
    }
    this.bytes = Buffer.alloc(Number((this.pages + 63n) / 64n) * 8);
  }

  /** setRange: mark every page that [iova, iova + length) touches inside the bitmap's span. */
  setRange(iova: bigint, length: bigint): void {
    let from = iova;
    let to = iova + length;
    if (from < this.iova) from = this.iova;
    if (to > this.iova + this.length) to = this.iova + this.length;
    if (length <= 0n || from >= to) return;
    const first = (from - this.iova) / this.pageSize;
    const last = (to - 1n - this.iova) / this.pageSize;
    for (let p = first; p <= last; p++) {
      const i = Number(p);
      this.bytes[i >> 3] = (this.bytes[i >> 3] ?? 0) | (1 << (i & 7));
    }
  }

  /** dirtyPages: the iova of every page whose bit is set, in order. */
  dirtyPages(): bigint[] {
    const out: bigint[] = [];
    for (let i = 0; i < Number(this.pages); i++) {
      if ((this.bytes[i >> 3]! >> (i & 7)) & 1) out.push(this.iova + BigInt(i) * this.pageSize);
    }
    return out;
  }
}

/**
 * DirtyLog: device DMA logging for one function — which pages of its DMA
 * space the device WROTE between `start` and `readAndClear`, as
 * VFIO_DEVICE_FEATURE_DMA_LOGGING_{START,REPORT,STOP} expose it to a VMM.
 *
 * Every device write of the function reports itself here (`note`): CQEs
 * and EQEs (completion-writer.ts), receive scatter, RDMA WRITE targets and
 * READ responses and virtqueue used rings (key-access.ts), and what
 * firmware writes through a key (memory-translation.ts `mkeyViews`).
 * Reads are never logged.
 *
 * RULES (AuxError, as the uAPI's driver answers)
 *   start(ranges, pageSize)  ranges page-aligned, non-empty, not
 *                            overlapping, at most LOG_MAX_RANGES (E2BIG);
 *                            page size a power of two >= 4 KiB; EBUSY when
 *                            already started
 *   readAndClear(iova, len)  the dirty page addresses in [iova, iova+len),
 *                            cleared; EINVAL when not started
 *   stop()                   forget everything
 * A simplification of mlx5's PAGE_TRACK general object (0x46), whose
 * reports travel through a firmware RC QP into host receive buffers: here
 * the PF's host reads the log directly (`Firmware.dirtyLog`).
 *
 * Owns: the log. Never: memory.
 */
import { AuxError, PAGE_SIZE } from '@auxctl/prm';

/** LOG_MAX_RANGES: ranges one start may name (PAGE_SIZE / 16, as the uAPI). */
export const LOG_MAX_RANGES = PAGE_SIZE / 16;

/** DmaRange: a range of bus addresses. */
export interface DmaRange {
  readonly iova: bigint;
  readonly length: bigint;
}

/** DirtyLog: see the module header. */
export class DirtyLog {
  private ranges: DmaRange[] | undefined;
  private pageSize = BigInt(PAGE_SIZE);
  private readonly dirty = new Set<bigint>();

  /** tracking: whether a log is started. */
  get tracking(): boolean {
    return this.ranges !== undefined;
  }

  start(ranges: readonly DmaRange[], pageSize = PAGE_SIZE): void {
    if (this.ranges) throw new AuxError('EBUSY', 'DMA logging already started; stop it first');
    const ps = BigInt(pageSize);
    if (pageSize < PAGE_SIZE || (ps & (ps - 1n)) !== 0n) {
      throw new AuxError('EINVAL', `page size ${pageSize} is not a power of two >= ${PAGE_SIZE}`);
    }
    if (ranges.length === 0) throw new AuxError('EINVAL', 'DMA logging needs at least one range');
    if (ranges.length > LOG_MAX_RANGES) {
      throw new AuxError('E2BIG', `at most ${LOG_MAX_RANGES} ranges, got ${ranges.length}`);
    }
    const sorted = [...ranges].sort((a, b) => (a.iova < b.iova ? -1 : 1));
    sorted.forEach((r, i) => {
      if (r.length <= 0n || r.iova % ps !== 0n || r.length % ps !== 0n) {
        throw new AuxError(
          'EINVAL',
          `range 0x${r.iova.toString(16)}+0x${r.length.toString(16)} is not page-aligned`,
        );
      }
      const prev = sorted[i - 1];
      if (prev && prev.iova + prev.length > r.iova) throw new AuxError('EINVAL', 'ranges overlap');
    });
    this.pageSize = ps;
    this.ranges = sorted;
    this.dirty.clear();
  }

  stop(): void {
    this.ranges = undefined;
    this.dirty.clear();
  }

  /** note: the device wrote `len` bytes at `addr` (the one place device writes are logged). */
  note(addr: bigint, len: number): void {
    if (!this.ranges || len <= 0) return;
    const end = addr + BigInt(len);
    for (let p = addr - (addr % this.pageSize); p < end; p += this.pageSize) {
      if (this.ranges.some((r) => p >= r.iova && p < r.iova + r.length)) this.dirty.add(p);
    }
  }

  /** readAndClear: dirty page addresses in [iova, iova + length), ascending; they are cleared. */
  readAndClear(iova: bigint, length: bigint): bigint[] {
    if (!this.ranges) throw new AuxError('EINVAL', 'DMA logging is not started');
    const out = [...this.dirty]
      .filter((p) => p >= iova && p < iova + length)
      .sort((a, b) => (a < b ? -1 : 1));
    for (const p of out) this.dirty.delete(p);
    return out;
  }
}

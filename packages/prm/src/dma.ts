/**
 * DmaSpace: the host memory a device may reach, addressed by bus address.
 *
 * Firmware never sees a JavaScript object: it sees 64-bit bus addresses in
 * command entries, mailbox `next` pointers and MTT lists, exactly as a PCI
 * device sees IOVAs. The driver maps a buffer (like `dma_map_single` or a
 * pinned umem) and gets an address; the device resolves addresses back to
 * bytes. An address that is not mapped resolves to nothing, which the
 * firmware reports as a bad pointer instead of crashing.
 *
 * Mappings are made of 4 KiB pages. A mapping's first address is page
 * aligned and the buffer's bytes follow it contiguously, so a range inside
 * one mapping resolves to one view of the caller's buffer (no copy).
 *
 * `mapAt` places a mapping at an address the caller chooses, as
 * VFIO_IOMMU_MAP_DMA does for a VMM: the destination of a live migration
 * maps guest RAM at the IOVAs the source used, because the device state it
 * loads names them. `map` never hands out a page `mapAt` took.
 *
 * Owns: the address allocator and the page table. Never: the buffers' life
 * (the caller unmaps before it lets a buffer go).
 */
import { AuxError } from './errors.js';

/** PAGE_SIZE: the device page size (log_pg_sz 12). */
export const PAGE_SIZE = 4096;
const PAGE_SHIFT = 12;

interface Mapping {
  readonly buf: Buffer;
  readonly first: number;
  readonly pages: number;
}

/** DmaSpace: address allocator and page table of one device. */
export class DmaSpace {
  /** page number -> mapping; every page of a mapping has an entry. */
  private readonly pages = new Map<number, Mapping>();
  /** Every live mapping once (regions() walks these, not every page). */
  private readonly live = new Set<Mapping>();
  private nextPage = 0x100; // start above zero so a zero pointer is never valid

  /** map: make `buf` reachable by the device; returns its bus address. Undo with `unmap`. */
  map(buf: Buffer): bigint {
    const n = Math.max(1, Math.ceil(buf.length / PAGE_SIZE));
    while (!this.free(this.nextPage, n + 1)) this.nextPage++;
    const m: Mapping = { buf, first: this.nextPage, pages: n };
    for (let i = 0; i < n; i++) this.pages.set(m.first + i, m);
    // Leave a one-page hole after each mapping so an overrun never lands in a neighbour.
    this.nextPage += n + 1;
    this.live.add(m);
    return BigInt(m.first) << BigInt(PAGE_SHIFT);
  }

  /**
   * mapAt: make `buf` reachable at bus address `iova`, which the caller
   * chose. Throws AuxError EINVAL when `iova` is not page aligned, is zero
   * or negative, or the mapping would pass 2^53; EEXIST when any of its
   * pages is already mapped (nothing is mapped then). Undo with `unmap`.
   */
  mapAt(iova: bigint, buf: Buffer): void {
    const n = Math.max(1, Math.ceil(buf.length / PAGE_SIZE));
    if (iova <= 0n || (iova & BigInt(PAGE_SIZE - 1)) !== 0n) {
      throw new AuxError(
        'EINVAL',
        `iova 0x${iova.toString(16)} must be a non-zero multiple of ${PAGE_SIZE}`,
      );
    }
    if (iova + BigInt(n * PAGE_SIZE) > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new AuxError('EINVAL', `iova 0x${iova.toString(16)} + ${buf.length} bytes passes 2^53`);
    }
    const first = Number(iova >> BigInt(PAGE_SHIFT));
    if (!this.free(first, n)) {
      throw new AuxError(
        'EEXIST',
        `iova 0x${iova.toString(16)} (+${buf.length} bytes) overlaps a mapping; unmap it first`,
      );
    }
    const m: Mapping = { buf, first, pages: n };
    for (let i = 0; i < n; i++) this.pages.set(first + i, m);
    this.live.add(m);
  }

  /** unmap: forget the mapping that starts at `addr`; false when there is none. */
  unmap(addr: bigint): boolean {
    const page = Number(addr >> BigInt(PAGE_SHIFT));
    const m = this.pages.get(page);
    if (!m || m.first !== page || Number(addr & BigInt(PAGE_SIZE - 1)) !== 0) return false;
    for (let i = 0; i < m.pages; i++) this.pages.delete(m.first + i);
    this.live.delete(m);
    return true;
  }

  /**
   * resolve: the `len` bytes at `addr` as a view of the mapped buffer, or
   * undefined when any of them is outside one mapping.
   */
  resolve(addr: bigint, len: number): Buffer | undefined {
    if (addr < 0n || addr > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
    return this.resolveAt(Number(addr), len);
  }

  /** resolveAt: `resolve` for an address held as a number (the hot path: mailbox blocks). */
  resolveAt(addr: number, len: number): Buffer | undefined {
    if (!Number.isSafeInteger(addr) || addr < 0 || len < 0) return undefined;
    const page = Math.floor(addr / PAGE_SIZE);
    const m = this.pages.get(page);
    if (!m) return undefined;
    const start = (page - m.first) * PAGE_SIZE + (addr % PAGE_SIZE);
    if (start + len > m.buf.length) return undefined;
    return m.buf.subarray(start, start + len);
  }

  /** pageAddresses: the bus address of every page of the mapping at `addr` (an MTT list). */
  pageAddresses(addr: bigint): bigint[] {
    const page = Number(addr >> BigInt(PAGE_SHIFT));
    const m = this.pages.get(page);
    if (!m || m.first !== page) return [];
    return Array.from({ length: m.pages }, (_, i) => BigInt(m.first + i) << BigInt(PAGE_SHIFT));
  }

  /**
   * regions: every live mapping as its bus address and buffer, ascending
   * (what a VMM walks to copy a domain's memory).
   */
  regions(): Array<{ readonly iova: bigint; readonly buf: Buffer }> {
    return [...this.live]
      .map((m) => ({ iova: BigInt(m.first) << BigInt(PAGE_SHIFT), buf: m.buf }))
      .sort((a, b) => (a.iova < b.iova ? -1 : a.iova > b.iova ? 1 : 0));
  }

  /** free: whether pages [first, first + n) are all unmapped. */
  private free(first: number, n: number): boolean {
    for (let i = 0; i < n; i++) if (this.pages.has(first + i)) return false;
    return true;
  }

  /** mappings: how many mappings are live (tests assert it returns to baseline). */
  get mappings(): number {
    return this.live.size;
  }
}

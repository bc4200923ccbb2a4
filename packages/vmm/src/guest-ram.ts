/**
 * GuestRam: a VMM's view of the memory of the guest a VF is assigned to —
 * every mapping of the VF's IOMMU domain (the VF's DMA space: its own per
 * VF), which is all the memory the device can reach and so all the guest
 * memory a migration must carry.
 *
 * SOURCE. `startTracking` turns on the device's DMA logging over every
 * region through the vfio device (VFIO_DEVICE_FEATURE_DMA_LOGGING_START)
 * and forgets the shadow; `allPages` answers every page and keeps a
 * shadow copy; `dirtyPages` answers the pages written since: those the
 * device's log reports (DMA_LOGGING_REPORT) unioned with those whose bytes
 * differ from the shadow — the CPU's writes, which a real VMM learns from
 * KVM's dirty log and this one by comparing — and every page of a region
 * mapped since. `stopTracking` ends both.
 *
 * DESTINATION. `applyLayout` maps a zeroed buffer at each region's address
 * (the source's, since the device state names them), `writePage` fills
 * pages, `release` unmaps the whole domain (the guest's memory is gone).
 *
 * Owns: the shadow and the destination's buffers. Never: what the guest
 * keeps in its memory.
 */
import { AuxError, type DeviceBackend, type DmaSpace, PAGE_SIZE } from '@auxctl/prm';
import {
  FeatureFlag,
  IovaBitmap,
  loggingControlData,
  loggingReportData,
  type VfioDeviceFd,
  VfioFeature,
} from '@auxctl/vfio';

/** RamRegion / RamPage: a region of guest memory and one 4 KiB page of it. */
export interface RamRegion {
  readonly iova: bigint;
  readonly length: number;
}
export interface RamPage {
  readonly iova: bigint;
  readonly data: Buffer;
}

const P = BigInt(PAGE_SIZE);
const pagesOf = (bytes: number) => Math.max(1, Math.ceil(bytes / PAGE_SIZE));
/** page: a copy of the page at `at` of `from` (the stream keeps it while the shadow changes). */
const page = (iova: bigint, from: Buffer, at: number): RamPage => ({
  iova,
  data: Buffer.from(from.subarray(at, at + PAGE_SIZE)),
});

/** GuestRam: see the module header. */
export class GuestRam {
  private shadow = new Map<bigint, Buffer>();
  private tracking = false;
  /** The regions the device's log covers (those mapped when tracking started). */
  private logged: RamRegion[] = [];
  /** deviceDirtied: how many pages the device's log reported in the last dirtyPages. */
  deviceDirtied = 0;
  /** Destination: the buffers this GuestRam mapped, by region address. */
  private readonly mine = new Map<bigint, Buffer>();

  constructor(private readonly fd: VfioDeviceFd<DeviceBackend>) {}

  private get dma(): DmaSpace {
    return this.fd.region.dma;
  }

  /** layout: the regions of guest memory now, ascending, page-rounded. */
  layout(): RamRegion[] {
    return this.dma
      .regions()
      .map((r) => ({ iova: r.iova, length: pagesOf(r.buf.length) * PAGE_SIZE }));
  }

  /** bytes: guest memory in bytes (page-rounded regions). */
  get bytes(): number {
    return this.layout().reduce((n, r) => n + r.length, 0);
  }

  async startTracking(): Promise<void> {
    if (this.tracking) throw new AuxError('EBUSY', 'guest memory is already tracked');
    const layout = this.layout();
    const ranges = layout.map((r) => ({ iova: r.iova, length: BigInt(r.length) }));
    await this.fd.deviceFeature(
      VfioFeature.DMA_LOGGING_START | FeatureFlag.SET,
      loggingControlData(P, ranges),
    );
    this.tracking = true;
    this.logged = layout;
    this.shadow.clear();
  }

  async stopTracking(): Promise<void> {
    this.shadow.clear();
    if (!this.tracking) return;
    this.tracking = false;
    this.logged = [];
    await this.fd.deviceFeature(VfioFeature.DMA_LOGGING_STOP | FeatureFlag.SET, Buffer.alloc(0));
  }

  /** allPages: every page of guest memory (copies); the shadow becomes another copy. */
  allPages(): RamPage[] {
    const out: RamPage[] = [];
    this.shadow.clear();
    for (const r of this.dma.regions()) {
      const copy = Buffer.alloc(pagesOf(r.buf.length) * PAGE_SIZE);
      r.buf.copy(copy);
      this.shadow.set(r.iova, Buffer.from(copy));
      for (let at = 0; at < copy.length; at += PAGE_SIZE) {
        out.push({ iova: r.iova + BigInt(at), data: copy.subarray(at, at + PAGE_SIZE) });
      }
    }
    return out;
  }

  /** dirtyPages: the pages written since the last allPages/dirtyPages (see the module header). */
  async dirtyPages(): Promise<RamPage[]> {
    const logged = await this.deviceLog();
    this.deviceDirtied = logged.size;
    const out: RamPage[] = [];
    const next = new Map<bigint, Buffer>();
    for (const r of this.dma.regions()) {
      let shadow = this.shadow.get(r.iova);
      const bytes = pagesOf(r.buf.length) * PAGE_SIZE;
      if (shadow === undefined || shadow.length !== bytes) {
        // New since the last copy: all of it.
        shadow = Buffer.alloc(bytes);
        r.buf.copy(shadow);
        for (let at = 0; at < bytes; at += PAGE_SIZE) out.push(page(r.iova, shadow, at));
      } else {
        // Compared in place; only what changed is copied (into the shadow).
        for (let at = 0; at < bytes; at += PAGE_SIZE) {
          const end = Math.min(at + PAGE_SIZE, r.buf.length);
          const iova = r.iova + BigInt(at);
          if (logged.has(iova) || r.buf.compare(shadow, at, end, at, end) !== 0) {
            r.buf.copy(shadow, at, at, end);
            out.push(page(iova, shadow, at));
          }
        }
      }
      next.set(r.iova, shadow);
    }
    this.shadow = next;
    return out;
  }

  /** deviceLog: the pages the device wrote since the last report (empty when not tracking). */
  private async deviceLog(): Promise<Set<bigint>> {
    const out = new Set<bigint>();
    if (!this.tracking) return out;
    // Regions mapped since the start are not in the log: dirtyPages copies them whole.
    for (const r of this.logged) {
      const rep = await this.fd.deviceFeature(
        VfioFeature.DMA_LOGGING_REPORT | FeatureFlag.GET,
        loggingReportData(r.iova, BigInt(r.length), P),
      );
      const bits = new IovaBitmap(r.iova, BigInt(r.length), P);
      if (rep.bitmap) bits.bytes.set(rep.bitmap.subarray(0, bits.bytes.length));
      for (const p of bits.dirtyPages()) out.add(p);
    }
    return out;
  }

  /**
   * applyLayout: map a zeroed buffer at each region not mapped yet; unmap
   * this GuestRam's regions no longer listed. EEXIST when the domain has
   * something else there; EINVAL for a region that is not page-aligned.
   */
  applyLayout(layout: readonly RamRegion[]): void {
    const want = new Map(layout.map((r) => [r.iova, r.length]));
    for (const [iova, buf] of [...this.mine]) {
      if (want.get(iova) !== buf.length) {
        this.dma.unmap(iova);
        this.mine.delete(iova);
      }
    }
    for (const r of layout) {
      if (this.mine.has(r.iova)) continue;
      if (r.length <= 0 || r.length % PAGE_SIZE !== 0) {
        throw new AuxError('EINVAL', `a guest memory region is whole pages, got ${r.length} bytes`);
      }
      const buf = Buffer.alloc(r.length);
      this.dma.mapAt(r.iova, buf);
      this.mine.set(r.iova, buf);
    }
  }

  /** writePage: one page into the region that holds it; EINVAL outside the layout. */
  writePage(p: RamPage): void {
    if (p.data.length !== PAGE_SIZE) {
      throw new AuxError('EINVAL', `a page is ${PAGE_SIZE} bytes, got ${p.data.length}`);
    }
    for (const [iova, buf] of this.mine) {
      if (p.iova >= iova && p.iova + P <= iova + BigInt(buf.length)) {
        p.data.copy(buf, Number(p.iova - iova));
        return;
      }
    }
    throw new AuxError('EINVAL', `page 0x${p.iova.toString(16)} is outside guest memory`);
  }

  /** release: unmap every mapping of the domain (guest memory gone). Idempotent. */
  release(): void {
    for (const r of this.dma.regions()) this.dma.unmap(r.iova);
    this.mine.clear();
    this.shadow.clear();
  }
}

/**
 * CrdumpAddressMap: which addresses the simulated device's core dump
 * covers, in order.
 *
 * A real CR_DUMP_TO_MEM dump lists register addresses in ascending order
 * with gaps (the public sample runs 0x500b14..0x500b48 in steps of 4, then
 * jumps to 0x500c00). The simulator draws such a layout from the device:
 * its address space is cut into windows of CRDUMP_WINDOW_BYTES (256); each
 * window is dumped from its start for 0..64 dwords, the count drawn from a
 * hash of the device's layout seed and the window number (a quarter of the
 * windows are skipped). Window 0 is always whole: it holds the header.
 *
 * The layout belongs to the device, not to a crash, and a dump of N pairs
 * is the first N pairs of it, so a bigger dump of the same device begins
 * with the same addresses. Pair i's address is found through prefix counts
 * of the windows, extended lazily as far as a dump reaches (about 1.5 MB of
 * counts for a 64 MiB dump).
 *
 * Owns: the layout. Never: values (crdump-image.ts).
 */
import { CRDUMP_WINDOW_BYTES } from '@auxctl/prm';

/** WINDOW_DWORDS: dwords of one window. */
const WINDOW_DWORDS = CRDUMP_WINDOW_BYTES / 4;

/** mix32: the murmur3 finaliser, spreading every input bit over the output. */
export function mix32(v: number): number {
  let h = v >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85eb_ca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2_ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** CrdumpAddressMap: see the module header. */
export class CrdumpAddressMap {
  /** starts[w]: index of the first pair of window w; starts[w + 1] - starts[w] = its dwords. */
  private starts = new Uint32Array(1024);
  private windows = 0;

  constructor(readonly layoutSeed: number) {}

  /** dwordsOf: how many dwords window `w` contributes. */
  dwordsOf(w: number): number {
    if (w === 0) return WINDOW_DWORDS;
    const h = mix32((this.layoutSeed ^ Math.imul(w, 0x9e37_79b9)) >>> 0);
    return (h & 3) === 0 ? 0 : 1 + ((h >>> 2) % WINDOW_DWORDS);
  }

  /** cover: extend the prefix counts until they reach pair `pairs` - 1. */
  private cover(pairs: number): void {
    while (this.windows === 0 || this.starts[this.windows]! < pairs) {
      if (this.windows + 2 > this.starts.length) {
        const grown = new Uint32Array(this.starts.length * 2);
        grown.set(this.starts);
        this.starts = grown;
      }
      this.starts[this.windows + 1] = this.starts[this.windows]! + this.dwordsOf(this.windows);
      this.windows++;
    }
  }

  /** windowOf: the window holding pair `i`. */
  private windowOf(i: number): number {
    this.cover(i + 1);
    let lo = 0;
    let hi = this.windows - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.starts[mid]! <= i) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** address: the address of pair `i` (0-based). */
  address(i: number): number {
    const w = this.windowOf(i);
    return w * CRDUMP_WINDOW_BYTES + (i - this.starts[w]!) * 4;
  }

  /**
   * pairAtOrAfter: the index of the first pair whose address is >= `address`,
   * looking no further than pair `limit` (returned when none before it is).
   */
  pairAtOrAfter(address: number, limit: number): number {
    this.cover(limit);
    const w = Math.floor(address / CRDUMP_WINDOW_BYTES);
    if (w >= this.windows) return limit;
    const inWindow = Math.ceil((address - w * CRDUMP_WINDOW_BYTES) / 4);
    const first = this.starts[w]!;
    const i = inWindow < this.starts[w + 1]! - first ? first + inWindow : this.starts[w + 1]!;
    return Math.min(i, limit);
  }

  /**
   * forEach: call `fn(i, address)` for pairs `from` .. `to` - 1 in order,
   * walking the windows instead of searching for each pair.
   */
  forEach(from: number, to: number, fn: (i: number, address: number) => void): void {
    if (from >= to) return;
    this.cover(to);
    let w = this.windowOf(from);
    for (let i = from; i < to; i++) {
      while (this.starts[w + 1]! <= i) w++;
      fn(i, w * CRDUMP_WINDOW_BYTES + (i - this.starts[w]!) * 4);
    }
  }
}

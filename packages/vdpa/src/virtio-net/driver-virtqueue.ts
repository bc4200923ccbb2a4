/**
 * DriverVirtqueue: the driver side of one split virtqueue (the role of
 * the kernel's virtio_ring.c for split rings): the three areas allocated
 * in memory the device reaches through the vdpa device's DMA seam,
 * descriptor chains built from a free list, the available ring filled,
 * the used ring reclaimed, and notifications both ways suppressed as the
 * other side asks (VRING_USED_F_NO_NOTIFY, or with RING_EVENT_IDX the
 * avail_event / used_event indexes).
 *
 * Indexes are free-running 16-bit counters (`ringSlot` maps one to an
 * entry); a queue can start at a saved index (after suspend, or a user's
 * SET_VRING_BASE), so wrap-around is ordinary, not an edge case.
 *
 * Owns: the ring memory and its mappings (released by `destroy`) and the
 * token of every chain in flight. Never: what the buffers mean.
 */
import {
  AuxError,
  Avail,
  isValidQueueSize,
  needEvent,
  readDesc,
  Used,
  VRING_USED_F_NO_NOTIFY,
  VringDescF,
  vringSizes,
  writeDesc,
} from '@auxctl/prm';
import type { VdpaCallback } from '../bus/config-ops.js';
import type { VdpaDevice } from '../bus/vdpa-device.js';

/** VqSegment: one buffer of a chain: its IOVA, length, and whether the device writes it. */
export interface VqSegment {
  readonly addr: bigint;
  readonly len: number;
  readonly write: boolean;
}

/** UsedChain: a chain the device completed, with the driver's token and the bytes written. */
export interface UsedChain<T> {
  readonly token: T;
  readonly len: number;
}

/** DriverVirtqueueOptions: how to build a queue. */
export interface DriverVirtqueueOptions {
  /** RING_EVENT_IDX was negotiated. */
  readonly eventIdx?: boolean;
  /** The free-running index to start at (a restored vring base); default 0. */
  readonly startIndex?: number;
}

/** ringSlot: the entry of free-running index `idx` in a ring of `num` (a power of two). */
export function ringSlot(idx: number, num: number): number {
  return idx & (num - 1);
}

/** ringDistance: how far `to` is ahead of `from`, modulo 2^16 (entries in flight). */
export function ringDistance(to: number, from: number): number {
  return (to - from) & 0xffff;
}

/** DriverVirtqueue: see the module header. */
export class DriverVirtqueue<T> {
  readonly index: number;
  readonly num: number;
  private readonly desc: Buffer;
  private readonly avail: Buffer;
  private readonly used: Buffer;
  private readonly iovas: bigint[];
  private readonly nextFree: Uint16Array;
  private readonly chainLen: Uint16Array;
  private readonly tokens: (T | undefined)[];
  private readonly eventIdx: boolean;
  private freeHead = 0;
  private free: number;
  private availIdx: number;
  private kickedAt: number;
  private lastUsed: number;
  private destroyed = false;

  /**
   * constructor: allocate and map the rings and tell the device their size
   * and addresses (the queue is not ready yet). EINVAL for a size that is
   * not a power of two within the device's range; nothing is left mapped.
   */
  constructor(
    private readonly vdev: VdpaDevice,
    index: number,
    num: number,
    opts: DriverVirtqueueOptions = {},
  ) {
    const { min, max } = vdev.vqSizeRange();
    if (!isValidQueueSize(num) || num < min || num > max) {
      throw new AuxError('EINVAL', `queue size ${num} must be a power of two in ${min}..${max}`);
    }
    this.index = index;
    this.num = num;
    this.eventIdx = opts.eventIdx ?? false;
    const start = (opts.startIndex ?? 0) & 0xffff;
    this.availIdx = this.kickedAt = this.lastUsed = start;
    const sizes = vringSizes(num);
    this.desc = Buffer.alloc(sizes.desc);
    this.avail = Buffer.alloc(sizes.avail);
    this.used = Buffer.alloc(sizes.used);
    Avail.setIdx(this.avail, start);
    Used.setIdx(this.used, start);
    this.nextFree = Uint16Array.from({ length: num }, (_, i) => i + 1);
    this.chainLen = new Uint16Array(num);
    this.tokens = new Array<T | undefined>(num).fill(undefined);
    this.free = num;
    const dma = vdev.dma;
    this.iovas = [dma.map(this.desc), dma.map(this.avail), dma.map(this.used)];
    try {
      const c = vdev.config;
      c.setVqNum(index, num);
      c.setVqAddress(index, this.iovas[0]!, this.iovas[1]!, this.iovas[2]!);
      if (start !== 0) c.setVqState(index, { availIndex: start });
    } catch (err) {
      this.destroy();
      throw err;
    }
  }

  /** numFree: descriptors not in any chain. */
  get numFree(): number {
    return this.free;
  }

  /** inFlight: chains made available and not yet reclaimed. */
  get inFlight(): number {
    return ringDistance(this.availIdx, this.lastUsed);
  }

  /** availIndex: the driver's next available index (what a vring base saves). */
  get availIndex(): number {
    return this.availIdx;
  }

  /** setReady: let the device use the queue (or stop it). */
  async setReady(ready: boolean): Promise<void> {
    await this.vdev.config.setVqReady(this.index, ready);
  }

  /** setCallback: the handler the device calls when it used buffers. */
  setCallback(cb: VdpaCallback | undefined): void {
    this.vdev.config.setVqCb(this.index, cb);
  }

  /**
   * add: make one chain of `segs` (readable ones first) available, with
   * `token` given back by `getUsed`. False when too few descriptors are
   * free (reclaim first); EINVAL for an empty chain or a readable segment
   * after a writable one. Call `kick` after one or more adds.
   */
  add(segs: readonly VqSegment[], token: T): boolean {
    if (segs.length === 0) throw new AuxError('EINVAL', 'a chain needs at least one buffer');
    if (segs.some((s, i) => !s.write && i > 0 && segs[i - 1]!.write)) {
      throw new AuxError('EINVAL', 'readable buffers must come before writable ones');
    }
    if (segs.length > this.free) return false;
    const head = this.freeHead;
    let i = head;
    segs.forEach((s, k) => {
      const last = k === segs.length - 1;
      const flags = (s.write ? VringDescF.WRITE : 0) | (last ? 0 : VringDescF.NEXT);
      writeDesc(this.desc, i, {
        addr: s.addr,
        len: s.len,
        flags,
        next: last ? 0 : this.nextFree[i]!,
      });
      if (!last) i = this.nextFree[i]!;
    });
    this.freeHead = this.nextFree[i]!;
    this.free -= segs.length;
    this.tokens[head] = token;
    this.chainLen[head] = segs.length;
    Avail.setEntry(this.avail, ringSlot(this.availIdx, this.num), head);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    Avail.setIdx(this.avail, this.availIdx);
    return true;
  }

  /** kick: notify the device of new chains unless it asked not to be. True when it kicked. */
  kick(): boolean {
    const old = this.kickedAt;
    this.kickedAt = this.availIdx;
    if (old === this.availIdx) return false;
    const wanted = this.eventIdx
      ? needEvent(Used.availEvent(this.used, this.num), this.availIdx, old)
      : (Used.flags(this.used) & VRING_USED_F_NO_NOTIFY) === 0;
    if (wanted) this.vdev.config.kickVq(this.index);
    return wanted;
  }

  /** getUsed: the next completed chain, its descriptors freed; undefined when none. EIO for a bad id. */
  getUsed(): UsedChain<T> | undefined {
    if (this.lastUsed === Used.idx(this.used)) return undefined;
    const slot = ringSlot(this.lastUsed, this.num);
    const id = Used.id(this.used, slot);
    const token = id < this.num ? this.tokens[id] : undefined;
    if (token === undefined) throw new AuxError('EIO', `device used chain ${id}, not in flight`);
    const len = Used.len(this.used, slot);
    let tail = id;
    for (let k = 1; k < this.chainLen[id]!; k++) tail = this.nextFree[tail]!;
    this.nextFree[tail] = this.freeHead;
    this.freeHead = id;
    this.free += this.chainLen[id]!;
    this.tokens[id] = undefined;
    this.lastUsed = (this.lastUsed + 1) & 0xffff;
    // With event idx, ask to be called at the very next used entry.
    if (this.eventIdx) Avail.setUsedEvent(this.avail, this.num, this.lastUsed);
    return { token, len };
  }

  /** descriptor: descriptor `i` as written (for tests and diagnostics). */
  descriptor(i: number): ReturnType<typeof readDesc> {
    return readDesc(this.desc, i);
  }

  /** destroy: unmap the rings (the device must be reset or the queue not ready). Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (!this.vdev.live) return;
    for (const iova of this.iovas) this.vdev.dma.unmap(iova);
  }
}

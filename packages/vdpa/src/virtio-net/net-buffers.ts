/**
 * NetBufferPool: fixed-size packet buffers for one queue, carved from one
 * Buffer mapped once through the vdpa device's DMA seam (like a page pool):
 * slot `i` is at `iova + i * size`. RX slots are posted writable, TX slots
 * readable; a slot is in flight from `take` until `give`.
 *
 * Owns: the pool memory and its mapping (released by `destroy`). Never:
 * the ring (DriverVirtqueue) or the frames' meaning.
 */
import type { VdpaDevice } from '../bus/vdpa-device.js';

/** NetBufferPool: see the module header. */
export class NetBufferPool {
  readonly size: number;
  private readonly mem: Buffer;
  private readonly iova: bigint;
  private readonly freeSlots: number[];
  private released = false;

  constructor(
    private readonly vdev: VdpaDevice,
    count: number,
    size: number,
  ) {
    this.size = size;
    this.mem = Buffer.alloc(count * size);
    this.iova = vdev.dma.map(this.mem);
    this.freeSlots = Array.from({ length: count }, (_, i) => count - 1 - i);
  }

  /** take: a free slot, or undefined when all are in flight. */
  take(): number | undefined {
    return this.freeSlots.pop();
  }

  /** give: return slot `i`. */
  give(i: number): void {
    this.freeSlots.push(i);
  }

  /** buf: the bytes of slot `i`. */
  buf(i: number): Buffer {
    return this.mem.subarray(i * this.size, (i + 1) * this.size);
  }

  /** addr: the IOVA of slot `i`. */
  addr(i: number): bigint {
    return this.iova + BigInt(i * this.size);
  }

  /** destroy: unmap (the queue using it must be stopped first). Idempotent. */
  destroy(): void {
    if (this.released) return;
    this.released = true;
    if (this.vdev.live) this.vdev.dma.unmap(this.iova);
  }
}

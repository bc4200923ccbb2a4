/**
 * QueueBuffer: host memory for one ring (EQ, CQ, SQ, RQ or a QP's queues)
 * and its doorbell record, mapped for the device as one DMA buffer.
 *
 * The ring comes first and the 8-byte doorbell record sits after it, in
 * the same mapping, so the page list (`pas`) names consecutive pages as
 * the device requires and one `release()` gives everything back.
 * `createOrRelease` and `destroyThenRelease` tie that release to the
 * command that creates or destroys the queue object over the buffer.
 *
 * Owns: the buffer's mapping. Never: the queue object (its creator).
 */
import type { DmaSpace } from '@auxctl/prm';

const DBR_SLOT = 64;

/** QueueBuffer: see the module header. */
export class QueueBuffer {
  /** ring: the ring's bytes; dbr: the doorbell record (two big-endian dwords). */
  readonly ring: Buffer;
  readonly dbr: Buffer;
  readonly addr: bigint;
  readonly dbrAddr: bigint;
  readonly pas: readonly bigint[];
  private mapped = true;

  /** `ringBytes` is rounded up to 64; the whole buffer is zeroed. */
  constructor(
    private readonly dma: DmaSpace,
    ringBytes: number,
  ) {
    const bytes = Math.ceil(ringBytes / DBR_SLOT) * DBR_SLOT;
    const buf = Buffer.alloc(bytes + DBR_SLOT);
    this.ring = buf.subarray(0, bytes);
    this.dbr = buf.subarray(bytes, bytes + 8);
    this.addr = dma.map(buf);
    this.dbrAddr = this.addr + BigInt(bytes);
    this.pas = dma.pageAddresses(this.addr);
  }

  /**
   * createOrRelease: run `create`, the command that hands this buffer to
   * the device; when it rejects, release the buffer and rethrow.
   */
  async createOrRelease<T>(create: () => Promise<T>): Promise<T> {
    try {
      return await create();
    } catch (err) {
      this.release();
      throw err;
    }
  }

  /** destroyThenRelease: run `destroy`, the command that takes the buffer back, then release it (also when it fails). */
  async destroyThenRelease(destroy: () => Promise<void>): Promise<void> {
    try {
      await destroy();
    } finally {
      this.release();
    }
  }

  /** release: unmap the buffer (idempotent); the device can no longer reach it. */
  release(): void {
    if (!this.mapped) return;
    this.mapped = false;
    this.dma.unmap(this.addr);
  }
}

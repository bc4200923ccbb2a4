/**
 * MailboxPool: the driver's supply of mailbox blocks in device-reachable memory.
 *
 * Blocks are carved from chunks mapped into the backend's DmaSpace, one
 * block per MAILBOX_ALIGN bytes (as Linux's DMA pool aligns them), and
 * recycled through a free list, so a queue in steady state maps nothing
 * new. The pool only grows; its high-water mark is what the largest burst
 * of commands needed.
 *
 * Blocks whose command firmware may still write (a timed-out command, or
 * one force-completed on internal error) are *quarantined* instead of
 * freed: reusing them could let a late device write land in another
 * command's outbox. They come back after a device reset
 * (`releaseQuarantine`) or go away with the pool.
 *
 * LIFESPAN
 *   1. new MailboxPool(dma)           nothing mapped yet
 *   2. take() / give(chain)           grows on demand, recycles
 *   3. close()                        unmaps every chunk; the pool is dead
 *
 * Owns: its DMA mappings. Never: the format of a block (see MailboxChain).
 */
import type { DmaSpace } from '../dma.js';
import { MAILBOX_ALIGN, MAILBOX_BLOCK_BYTES } from '../ifc/cmd-layout.js';
import type { BlockMemory } from './mailbox-chain.js';

/** MailboxBlock: one block the driver owns; `link` chains blocks in memory order. */
export interface MailboxBlock {
  /** Bus address the device uses. */
  readonly addr: number;
  /** The 576 bytes of the block (a view of its chunk). */
  readonly buf: Buffer;
  /** Next block of the same chain or free list (driver bookkeeping, not `next`). */
  link: MailboxBlock | undefined;
}

/** BLOCKS_PER_CHUNK: blocks mapped at a time when the pool grows (16 KiB). */
export const BLOCKS_PER_CHUNK = 16;

/** MailboxPool: a free list of mapped mailbox blocks. */
export class MailboxPool implements BlockMemory {
  private free: MailboxBlock | undefined;
  private quarantined: MailboxBlock | undefined;
  private readonly byAddr = new Map<number, Buffer>();
  private readonly chunks: bigint[] = [];
  private idle = 0;
  private held = 0;
  private dead = false;

  constructor(private readonly dma: DmaSpace) {}

  /** take: a block for a new chain; maps a new chunk when none is free. */
  take(): MailboxBlock {
    if (this.dead) throw new Error('MailboxPool used after close');
    if (!this.free) this.grow();
    const b = this.free!;
    this.free = b.link;
    b.link = undefined;
    this.idle--;
    return b;
  }

  /** give: return a chain (linked through `link`) to the free list. */
  give(head: MailboxBlock | undefined): void {
    let b = head;
    while (b) {
      const next = b.link;
      b.link = this.free;
      this.free = b;
      this.idle++;
      b = next;
    }
  }

  /** quarantine: keep a chain out of use until `releaseQuarantine` (firmware may still write it). */
  quarantine(head: MailboxBlock | undefined): void {
    let b = head;
    while (b) {
      const next = b.link;
      b.link = this.quarantined;
      this.quarantined = b;
      this.held++;
      b = next;
    }
  }

  /** releaseQuarantine: the device was reset; quarantined blocks are safe to reuse. */
  releaseQuarantine(): void {
    const q = this.quarantined;
    this.quarantined = undefined;
    this.held = 0;
    this.give(q);
  }

  /** resolve: the block at bus address `addr`, or undefined (BlockMemory). */
  resolve(addr: number): Buffer | undefined {
    return this.byAddr.get(addr);
  }

  /** blocks / idleBlocks / quarantinedBlocks: pool accounting. */
  get blocks(): number {
    return this.byAddr.size;
  }

  get idleBlocks(): number {
    return this.idle;
  }

  get quarantinedBlocks(): number {
    return this.held;
  }

  /** close: unmap every chunk. Every block handed out becomes invalid. */
  close(): void {
    if (this.dead) return;
    this.dead = true;
    for (const addr of this.chunks) this.dma.unmap(addr);
    this.chunks.length = 0;
    this.byAddr.clear();
    this.free = undefined;
    this.quarantined = undefined;
    this.idle = 0;
    this.held = 0;
  }

  private grow(): void {
    const chunk = Buffer.alloc(BLOCKS_PER_CHUNK * MAILBOX_ALIGN);
    const base = this.dma.map(chunk);
    this.chunks.push(base);
    const first = Number(base);
    for (let i = BLOCKS_PER_CHUNK - 1; i >= 0; i--) {
      const off = i * MAILBOX_ALIGN;
      const buf = chunk.subarray(off, off + MAILBOX_BLOCK_BYTES);
      const addr = first + off;
      this.byAddr.set(addr, buf);
      this.free = { addr, buf, link: this.free };
      this.idle++;
    }
  }
}

/**
 * CommandFifo: commands waiting for a slot, served strictly in order of arrival.
 *
 * The queue's counting semaphore: when a slot frees, the oldest waiter
 * gets it. A waiter that gives up (its slot wait timed out, the queue went
 * into internal error) is discarded in place and skipped later, so removal
 * never reorders the rest.
 *
 * Owns: the order. Never: settles a command (the queue does).
 */

/** Queued: an item the FIFO can mark as waiting or not. */
export interface Queued {
  queued: boolean;
}

/** CommandFifo: an array with a moving head; discarded items are skipped. */
export class CommandFifo<T extends Queued> {
  private items: (T | undefined)[] = [];
  private head = 0;
  private live = 0;

  /** size: items still waiting. */
  get size(): number {
    return this.live;
  }

  /** push: append `item` (it is now waiting). */
  push(item: T): void {
    item.queued = true;
    this.items.push(item);
    this.live++;
  }

  /** shift: the oldest waiting item, or undefined. */
  shift(): T | undefined {
    while (this.head < this.items.length) {
      const item = this.items[this.head];
      this.items[this.head++] = undefined;
      if (item?.queued) {
        item.queued = false;
        this.live--;
        this.compact();
        return item;
      }
    }
    this.compact();
    return undefined;
  }

  /** discard: `item` stops waiting; its place is skipped. */
  discard(item: T): void {
    if (!item.queued) return;
    item.queued = false;
    this.live--;
  }

  /** waiting: a snapshot of the waiting items, oldest first. */
  waiting(): T[] {
    const out: T[] = [];
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i];
      if (item?.queued) out.push(item);
    }
    return out;
  }

  private compact(): void {
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

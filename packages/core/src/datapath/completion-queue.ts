/**
 * CompletionQueue: a CQ in host memory and its firmware object, as a
 * driver polls it (mlx5's `mlx5_core_cq` plus the poll loop).
 *
 * USAGE (create() opens the device's data path first)
 *   const cq = await CompletionQueue.create(handle, { logSize: 8, onCompletion: (cq) => {
 *     for (const cqe of cq.poll()) handle(cqe);
 *     cq.arm();               // ask for the next event
 *   } });
 *   cq.arm();
 *   ...
 *   await cq.destroy();
 *
 * The ring starts with every entry INVALID / owner 1, so nothing is valid
 * on the first pass. `poll()` consumes valid CQEs, then publishes the
 * consumer index in the doorbell record (dword 0), which is what lets the
 * device reuse the entries. `arm()` asks for one completion event.
 *
 * Owns: the ring memory, the CQ object and its handler registration.
 */

import { CQE_BYTES, CQE_INIT_OP_OWN, type Cqe, Cqe64, cqeReady, parseCqe } from '@auxctl/prm';
import { createCq, destroyCq } from '../device/queue-commands.js';
import type { DataPathHandle } from './data-path-handle.js';
import { QueueBuffer } from './queue-buffer.js';

/** CompletionQueueOptions: a CQ of 2^logSize entries. */
export interface CompletionQueueOptions {
  readonly logSize: number;
  /** Completion vector (default 0). */
  readonly vector?: number;
  readonly uid?: number;
  /** Called on each completion event (after `arm()`). */
  readonly onCompletion?: (cq: CompletionQueue) => void;
}

/**
 * pollCqes: consume up to `max` new CQEs of the ring at consumer index
 * `ci` and publish the new index in the doorbell record (dword 0); the
 * CQEs and the index. What CompletionQueue.poll does, for a ring held by
 * its bus address alone (a guest resumed from its memory).
 */
export function pollCqes(
  ring: Buffer,
  dbr: Buffer,
  ci: number,
  logSize: number,
  max = 1 << logSize,
): { cqes: Cqe[]; ci: number } {
  const cqes: Cqe[] = [];
  const entries = 1 << logSize;
  while (cqes.length < max && cqeReady(ring, ci, logSize)) {
    cqes.push(parseCqe(ring, (ci & (entries - 1)) * CQE_BYTES));
    ci = (ci + 1) & 0xff_ffff;
  }
  if (cqes.length > 0) dbr.writeUInt32BE(ci, 0);
  return { cqes, ci };
}

/** CompletionQueue: see the module header. */
export class CompletionQueue {
  /** ci: the consumer index (free running, 24 bits). */
  ci = 0;
  private off: (() => void) | undefined;

  private constructor(
    private readonly h: DataPathHandle,
    private readonly mem: QueueBuffer,
    readonly cqn: number,
    readonly logSize: number,
    private readonly uid: number,
  ) {}

  /** create: map the ring, CREATE_CQ on the vector's EQ, register the handler. Nothing is left on failure. */
  static async create(h: DataPathHandle, o: CompletionQueueOptions): Promise<CompletionQueue> {
    await h.openDataPath();
    const entries = 1 << o.logSize;
    const mem = new QueueBuffer(h.dma, entries * CQE_BYTES);
    for (let i = 0; i < entries; i++) Cqe64.set(mem.ring, 'op_own', CQE_INIT_OP_OWN, i * CQE_BYTES);
    const cqn = await mem.createOrRelease(() =>
      createCq(h, {
        logSize: o.logSize,
        eqn: h.compEqn(o.vector ?? 0),
        pas: mem.pas,
        dbrAddr: mem.dbrAddr,
        ...(o.uid !== undefined && { uid: o.uid }),
      }),
    );
    const cq = new CompletionQueue(h, mem, cqn, o.logSize, o.uid ?? 0);
    const fn = o.onCompletion;
    if (fn) {
      try {
        cq.off = h.onCompletion(cqn, () => fn(cq));
      } catch (err) {
        await cq.destroy();
        throw err;
      }
    }
    return cq;
  }

  /** entries: the ring's size. */
  get entries(): number {
    return 1 << this.logSize;
  }

  /** poll: consume up to `max` new CQEs and publish the consumer index. */
  poll(max = this.entries): Cqe[] {
    const r = pollCqes(this.mem.ring, this.mem.dbr, this.ci, this.logSize, max);
    this.ci = r.ci;
    return r.cqes;
  }

  /** ringAddr / dbrAddr: the bus addresses of the ring and its doorbell record. */
  get ringAddr(): bigint {
    return this.mem.addr;
  }

  get dbrAddr(): bigint {
    return this.mem.dbrAddr;
  }

  /** arm: request a completion event for the next CQE (or at once when some are unread). */
  arm(solicited = false): void {
    this.mem.dbr.writeUInt32BE(this.ci, 0);
    this.h.ringDoorbell({ type: 'cq', num: this.cqn, ci: this.ci, solicited });
  }

  /** release: forget the queue without a command (the device was reset: it is gone) and unmap its memory. */
  release(): void {
    this.off?.();
    this.off = undefined;
    this.mem.release();
  }

  /** destroy: remove the handler, DESTROY_CQ, unmap the ring (also when the command fails). */
  async destroy(): Promise<void> {
    this.off?.();
    this.off = undefined;
    await this.mem.destroyThenRelease(() => destroyCq(this.h, this.cqn, this.uid));
  }
}

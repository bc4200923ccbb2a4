/**
 * Ethernet queues for a netdev: SendQueue (an SQ, its TIS-directed port,
 * ring and doorbell) and ReceiveQueue (an RQ, ring and doorbell record),
 * both created in RST and brought to RDY, as mlx5e opens its channels.
 *
 * USAGE
 *   const sq = await SendQueue.create(h, { cq: txCq, tisn, pd, logSize: 8 });
 *   sq.postFrame([{ addr, lkey, length }]); sq.doorbell();
 *   const rq = await ReceiveQueue.create(h, { cq: rxCq, pd, logSize: 8 });
 *   rq.wq.postRecv([{ addr, lkey, length: 2048 }]); rq.wq.doorbell();
 * On a send CQE call `sq.wq.completed(cqe.wqeCounter)`; on a receive CQE
 * `rq.wq.completed(cqe.wqeCounter)` and repost the buffer.
 *
 * Owns: the queue object and its ring memory; destroy() releases both.
 */
import {
  createRq,
  createSq,
  destroyRq,
  destroySq,
  modifyRq,
  modifySq,
} from '../device/queue-commands.js';
import { QueueState } from '../ifc/wq.js';
import { WqeOpcode } from '../ifc/wqe.js';
import type { CompletionQueue } from './completion-queue.js';
import type { DataPathHandle } from './data-path-handle.js';
import { QueueBuffer } from './queue-buffer.js';
import { WorkQueue } from './work-queue.js';
import type { Sge } from './wqe-format.js';

/** SendQueueOptions: an SQ of 2^logSize WQEBBs. */
export interface SendQueueOptions {
  readonly cq: CompletionQueue;
  readonly tisn: number;
  readonly pd: number;
  readonly logSize: number;
  readonly uid?: number;
}

/** SendQueue: see the module header. */
export class SendQueue {
  private constructor(
    private readonly h: DataPathHandle,
    private readonly mem: QueueBuffer,
    readonly sqn: number,
    readonly wq: WorkQueue,
    private readonly uid: number,
    public state: number,
  ) {}

  /** create: map the ring, CREATE_SQ, then RST -> RDY. Nothing is left on failure. */
  static async create(h: DataPathHandle, o: SendQueueOptions): Promise<SendQueue> {
    const mem = new QueueBuffer(h.dma, WorkQueue.sendRingBytes(o.logSize));
    const uid = o.uid ?? 0;
    let sqn: number | undefined;
    try {
      sqn = await createSq(h, {
        cqn: o.cq.cqn,
        tisn: o.tisn,
        pd: o.pd,
        logSize: o.logSize,
        pas: mem.pas,
        dbrAddr: mem.dbrAddr,
        uid,
      });
      await modifySq(h, sqn, QueueState.RST, QueueState.RDY, uid);
    } catch (err) {
      if (sqn !== undefined) await destroySq(h, sqn, uid).catch(() => {});
      mem.release();
      throw err;
    }
    const wq = new WorkQueue(
      'send',
      mem.ring,
      o.logSize,
      64,
      mem.dbr,
      sqn,
      (db) => h.ringDoorbell(db),
      'sq',
    );
    return new SendQueue(h, mem, sqn, wq, uid, QueueState.RDY);
  }

  /** postFrame: post one frame gathered from `sges` (optionally with an inline L2 header); its WQE index. */
  postFrame(sges: readonly Sge[], o: { inlineHeader?: Buffer; signaled?: boolean } = {}): number {
    return this.wq.postSend({
      opcode: WqeOpcode.SEND,
      eth: true,
      sges,
      ...(o.inlineHeader && { inlineHeader: o.inlineHeader }),
      ...(o.signaled !== undefined && { signaled: o.signaled }),
    });
  }

  /** doorbell: hand posted WQEs to the device. */
  doorbell(): void {
    this.wq.doorbell();
  }

  /** modify: MODIFY_SQ from the current state to `to` (RST resets the ring counters). */
  async modify(to: number): Promise<void> {
    await modifySq(this.h, this.sqn, this.state, to, this.uid);
    if (to === QueueState.RST || this.state === QueueState.RST) this.wq.reset();
    this.state = to;
  }

  /** release: forget the queue without a command (the device was reset: it is gone) and unmap its memory. */
  release(): void {
    this.mem.release();
  }

  /** destroy: DESTROY_SQ and unmap the ring (also when the command fails). */
  async destroy(): Promise<void> {
    try {
      await destroySq(this.h, this.sqn, this.uid);
    } finally {
      this.mem.release();
    }
  }
}

/** ReceiveQueueOptions: an RQ of 2^logSize WQEs with up to `maxSge` SGEs each (default 1). */
export interface ReceiveQueueOptions {
  readonly cq: CompletionQueue;
  readonly pd: number;
  readonly logSize: number;
  readonly maxSge?: number;
  readonly uid?: number;
}

/** ReceiveQueue: see the module header. */
export class ReceiveQueue {
  private constructor(
    private readonly h: DataPathHandle,
    private readonly mem: QueueBuffer,
    readonly rqn: number,
    readonly wq: WorkQueue,
    private readonly uid: number,
    public state: number,
  ) {}

  /** create: map the ring, CREATE_RQ, then RST -> RDY. Nothing is left on failure. */
  static async create(h: DataPathHandle, o: ReceiveQueueOptions): Promise<ReceiveQueue> {
    const logStride = Math.max(4, Math.ceil(Math.log2(16 * (o.maxSge ?? 1))));
    const stride = 1 << logStride;
    const mem = new QueueBuffer(h.dma, (1 << o.logSize) * stride);
    const uid = o.uid ?? 0;
    let rqn: number | undefined;
    try {
      rqn = await createRq(h, {
        cqn: o.cq.cqn,
        pd: o.pd,
        logSize: o.logSize,
        logStride,
        pas: mem.pas,
        dbrAddr: mem.dbrAddr,
        uid,
      });
      await modifyRq(h, rqn, QueueState.RST, QueueState.RDY, uid);
    } catch (err) {
      if (rqn !== undefined) await destroyRq(h, rqn, uid).catch(() => {});
      mem.release();
      throw err;
    }
    const wq = new WorkQueue('recv', mem.ring, o.logSize, stride, mem.dbr, rqn, undefined);
    return new ReceiveQueue(h, mem, rqn, wq, uid, QueueState.RDY);
  }

  /** modify: MODIFY_RQ from the current state to `to`. */
  async modify(to: number): Promise<void> {
    await modifyRq(this.h, this.rqn, this.state, to, this.uid);
    if (to === QueueState.RST || this.state === QueueState.RST) this.wq.reset();
    this.state = to;
  }

  /** release: forget the queue without a command (the device was reset: it is gone) and unmap its memory. */
  release(): void {
    this.mem.release();
  }

  /** destroy: DESTROY_RQ and unmap the ring (also when the command fails). */
  async destroy(): Promise<void> {
    try {
      await destroyRq(this.h, this.rqn, this.uid);
    } finally {
      this.mem.release();
    }
  }
}

/**
 * QueuePair: an RC QP for an RDMA driver: its ring (receive queue first,
 * send queue after it, one DMA buffer), doorbell record and firmware
 * object, with the state machine driven through `modify()`.
 *
 * USAGE
 *   const qp = await QueuePair.create(h, { pd, sendCq, recvCq, logSqSize: 6, logRqSize: 6 });
 *   await qp.modify('RST2INIT', { port: 1, remoteWrite: true, remoteRead: true });
 *   await qp.modify('INIT2RTR', { remoteQpn: peer.qpn });
 *   await qp.modify('RTR2RTS', { retryCount: 3 });
 *   qp.postSend({ opcode: WqeOpcode.SEND, sges: [{ addr, lkey, length }] }); qp.sq.doorbell();
 *
 * `2RST` also restarts the software counters and clears the doorbell
 * record, as the device forgets the queues' contents.
 *
 * Owns: the QP object and its ring memory; destroy() releases both.
 */

import { type QpTransition, RQ_STRIDE_BASE } from '@auxctl/prm';
import {
  createQp,
  destroyQp,
  modifyQp,
  type QpInfo,
  type QpModifyParams,
  queryQp,
} from '../device/qp-commands.js';
import type { CompletionQueue } from './completion-queue.js';
import type { DataPathHandle } from './data-path-handle.js';
import { QueueBuffer } from './queue-buffer.js';
import { WorkQueue } from './work-queue.js';
import { recvWqeStride, type SendWqe, type Sge } from './wqe-format.js';

/** QueuePairOptions: send queue of 2^logSqSize WQEBBs, receive queue of 2^logRqSize WQEs. */
export interface QueuePairOptions {
  readonly pd: number;
  readonly sendCq: CompletionQueue;
  readonly recvCq: CompletionQueue;
  readonly logSqSize: number;
  readonly logRqSize: number;
  /** SGEs per receive WQE (default 1). */
  readonly maxRecvSge?: number;
  readonly uid?: number;
}

/** QueuePair: see the module header. */
export class QueuePair {
  private constructor(
    private readonly h: DataPathHandle,
    private readonly mem: QueueBuffer,
    readonly qpn: number,
    readonly sq: WorkQueue,
    readonly rq: WorkQueue,
    private readonly uid: number,
  ) {}

  /** create: map the ring, CREATE_QP (RC, RST). Nothing is left on failure. */
  static async create(h: DataPathHandle, o: QueuePairOptions): Promise<QueuePair> {
    const stride = recvWqeStride(o.maxRecvSge ?? 1);
    const rqBytes = (1 << o.logRqSize) * stride.bytes;
    const sqBytes = WorkQueue.sendRingBytes(o.logSqSize);
    const mem = new QueueBuffer(h.dma, rqBytes + sqBytes);
    const qpn = await mem.createOrRelease(() =>
      createQp(h, {
        pd: o.pd,
        cqnSnd: o.sendCq.cqn,
        cqnRcv: o.recvCq.cqn,
        logSqSize: o.logSqSize,
        logRqSize: o.logRqSize,
        logRqStride: stride.log - Math.log2(RQ_STRIDE_BASE),
        pas: mem.pas,
        dbrAddr: mem.dbrAddr,
        ...(o.uid !== undefined && { uid: o.uid }),
      }),
    );
    const rq = WorkQueue.recv(
      mem.ring.subarray(0, rqBytes),
      o.logRqSize,
      stride.bytes,
      mem.dbr,
      qpn,
    );
    const sq = WorkQueue.send(
      mem.ring.subarray(rqBytes, rqBytes + sqBytes),
      o.logSqSize,
      mem.dbr,
      qpn,
      'qp',
      (db) => h.ringDoorbell(db),
    );
    return new QueuePair(h, mem, qpn, sq, rq, o.uid ?? 0);
  }

  /** modify: one state transition (see sim/commands/qp.ts for what each takes). */
  async modify(t: QpTransition, p: QpModifyParams = {}): Promise<void> {
    await modifyQp(this.h, this.qpn, t, p, this.uid);
    if (t === '2RST') {
      this.sq.reset();
      this.rq.reset();
    }
  }

  /** query: QUERY_QP. */
  query(): Promise<QpInfo> {
    return queryQp(this.h, this.qpn, this.uid);
  }

  /** postSend: post a send WQE (SEND, RDMA_WRITE, RDMA_READ); its index. Ring `sq.doorbell()` after. */
  postSend(w: SendWqe): number {
    return this.sq.postSend(w);
  }

  /** postRecv: post a receive WQE; its index. Publish with `rq.doorbell()`. */
  postRecv(sges: readonly Sge[]): number {
    return this.rq.postRecv(sges);
  }

  /** release: forget the queue without a command (the device was reset: it is gone) and unmap its memory. */
  release(): void {
    this.mem.release();
  }

  /** destroy: DESTROY_QP and unmap the ring (also when the command fails). */
  async destroy(): Promise<void> {
    await this.mem.destroyThenRelease(() => destroyQp(this.h, this.qpn, this.uid));
  }
}

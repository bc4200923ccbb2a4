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

import { QueueState, WqeOpcode } from '@auxctl/prm';
import {
  createRq,
  createSq,
  destroyRq,
  destroySq,
  modifyRq,
  modifySq,
} from '../device/queue-commands.js';
import type { CompletionQueue } from './completion-queue.js';
import type { DataPathHandle } from './data-path-handle.js';
import { QueueBuffer } from './queue-buffer.js';
import { WorkQueue } from './work-queue.js';
import { recvWqeStride, type Sge } from './wqe-format.js';

/** SendQueueOptions: an SQ of 2^logSize WQEBBs. */
export interface SendQueueOptions {
  readonly cq: CompletionQueue;
  readonly tisn: number;
  readonly pd: number;
  readonly logSize: number;
  readonly uid?: number;
}

/** QueueCommands: the firmware commands of one kind of work queue. */
interface QueueCommands {
  readonly modify: (
    h: DataPathHandle,
    n: number,
    from: number,
    to: number,
    uid: number,
  ) => Promise<void>;
  readonly destroy: (h: DataPathHandle, n: number, uid: number) => Promise<void>;
}

const SQ_COMMANDS: QueueCommands = { modify: modifySq, destroy: destroySq };
const RQ_COMMANDS: QueueCommands = { modify: modifyRq, destroy: destroyRq };

/**
 * bringUp: create a queue over `mem` and move it RST -> RDY; on failure
 * destroy what was made, unmap the ring and rethrow, so nothing is left.
 */
async function bringUp(
  h: DataPathHandle,
  mem: QueueBuffer,
  uid: number,
  cmds: QueueCommands,
  create: () => Promise<number>,
): Promise<number> {
  return mem.createOrRelease(async () => {
    const n = await create();
    try {
      await cmds.modify(h, n, QueueState.RST, QueueState.RDY, uid);
    } catch (err) {
      await cmds.destroy(h, n, uid).catch(() => {});
      throw err;
    }
    return n;
  });
}

/** EthWorkQueue: what an SQ and an RQ share — state changes, release and destroy. */
abstract class EthWorkQueue {
  protected constructor(
    private readonly h: DataPathHandle,
    private readonly mem: QueueBuffer,
    protected readonly num: number,
    readonly wq: WorkQueue,
    private readonly uid: number,
    public state: number,
    private readonly cmds: QueueCommands,
  ) {}

  /** modify: move the queue from its current state to `to` (RST resets the ring counters). */
  async modify(to: number): Promise<void> {
    await this.cmds.modify(this.h, this.num, this.state, to, this.uid);
    if (to === QueueState.RST || this.state === QueueState.RST) this.wq.reset();
    this.state = to;
  }

  /** ringAddr / dbrAddr: the bus addresses of the ring and its doorbell record. */
  get ringAddr(): bigint {
    return this.mem.addr;
  }

  get dbrAddr(): bigint {
    return this.mem.dbrAddr;
  }

  /** release: forget the queue without a command (the device was reset: it is gone) and unmap its memory. */
  release(): void {
    this.mem.release();
  }

  /** destroy: destroy the queue and unmap the ring (also when the command fails). */
  async destroy(): Promise<void> {
    await this.mem.destroyThenRelease(() => this.cmds.destroy(this.h, this.num, this.uid));
  }
}

/** SendQueue: see the module header. */
export class SendQueue extends EthWorkQueue {
  /** sqn: the SQ's number. */
  get sqn(): number {
    return this.num;
  }

  /** create: map the ring, CREATE_SQ, then RST -> RDY. Nothing is left on failure. */
  static async create(h: DataPathHandle, o: SendQueueOptions): Promise<SendQueue> {
    const mem = new QueueBuffer(h.dma, WorkQueue.sendRingBytes(o.logSize));
    const uid = o.uid ?? 0;
    const sqn = await bringUp(h, mem, uid, SQ_COMMANDS, () =>
      createSq(h, {
        cqn: o.cq.cqn,
        tisn: o.tisn,
        pd: o.pd,
        logSize: o.logSize,
        pas: mem.pas,
        dbrAddr: mem.dbrAddr,
        uid,
      }),
    );
    const wq = WorkQueue.send(mem.ring, o.logSize, mem.dbr, sqn, 'sq', (db) => h.ringDoorbell(db));
    return new SendQueue(h, mem, sqn, wq, uid, QueueState.RDY, SQ_COMMANDS);
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
export class ReceiveQueue extends EthWorkQueue {
  /** rqn: the RQ's number. */
  get rqn(): number {
    return this.num;
  }

  /** create: map the ring, CREATE_RQ, then RST -> RDY. Nothing is left on failure. */
  static async create(h: DataPathHandle, o: ReceiveQueueOptions): Promise<ReceiveQueue> {
    const stride = recvWqeStride(o.maxSge ?? 1);
    const mem = new QueueBuffer(h.dma, (1 << o.logSize) * stride.bytes);
    const uid = o.uid ?? 0;
    const rqn = await bringUp(h, mem, uid, RQ_COMMANDS, () =>
      createRq(h, {
        cqn: o.cq.cqn,
        pd: o.pd,
        logSize: o.logSize,
        logStride: stride.log,
        pas: mem.pas,
        dbrAddr: mem.dbrAddr,
        uid,
      }),
    );
    const wq = WorkQueue.recv(mem.ring, o.logSize, stride.bytes, mem.dbr, rqn);
    return new ReceiveQueue(h, mem, rqn, wq, uid, QueueState.RDY, RQ_COMMANDS);
  }
}

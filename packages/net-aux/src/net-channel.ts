/**
 * NetChannel: one TX/RX channel of a netdev (mlx5e's `mlx5e_channel`): a
 * PD and the kernel's physical-address key, a TX CQ and an RX CQ on
 * completion vector 0, a TIS on the port, an SQ, an RQ with every buffer
 * posted, and the direct TIR that steers the function's frames to the RQ,
 * plus two buffers mapped for the device (TX slots and RX slots, one
 * per ring entry).
 *
 * LIFESPAN
 *   1. `NetChannel.create(h, opts)`: objects created in that order; on any
 *      failure what was made is destroyed again and the error rethrown.
 *   2. traffic: `xmit(frame)` copies the frame into the TX slot of the next
 *      WQE and rings the doorbell; completions arrive on the CQ handlers
 *      (below), which re-arm their CQ after polling.
 *   3. `destroy()`: every object destroyed in reverse order (TIR first, so
 *      steering stops before the RQ goes), then the buffers unmapped. A
 *      command that fails (device in error, handle revoked) is logged and
 *      its memory released anyway: the channel never leaks a mapping.
 *
 * COMPLETIONS
 * TX: each CQE frees the ring through its WQE and counts the frame
 * (tx_packets / tx_bytes, or tx_cqe_err). RX: each CQE's frame is copied out
 * of its slot (the slot is reposted at once, so the copy is the consumer's
 * to keep), counted and handed to `onFrame`; the ring is refilled and its
 * doorbell record published once per poll.
 *
 * Owns: the channel's firmware objects and DMA mappings. Never: the netdev's
 * configuration or the port (PAOS / PMTU).
 */
import {
  allocPd,
  CompletionQueue,
  type CoreHandle,
  createPaMkey,
  createTir,
  createTis,
  deallocPd,
  destroyMkey,
  destroyTir,
  destroyTis,
  type Logger,
  ObjectStack,
  ReceiveQueue,
  SendQueue,
} from '@auxctl/core';
import type { Cqe } from '@auxctl/prm';
import type { SwCounters } from './net-stats.js';

/** NetChannelOptions: ring sizes, slot sizes and where frames and counts go. */
export interface NetChannelOptions {
  readonly logSqSize: number;
  readonly logRqSize: number;
  /** Bytes per TX / RX slot (>= the longest frame at the current MTU). */
  readonly slotBytes: number;
  /** The physical port the TIS sends through (1-based). */
  readonly port: number;
  readonly counters: SwCounters;
  readonly onFrame: (frame: Buffer) => void;
  readonly log: Logger;
}

/** NetChannel: see the module header. */
export class NetChannel {
  private closed = false;
  private sq: SendQueue | undefined;
  private rq: ReceiveQueue | undefined;
  private txBuf = Buffer.alloc(0);
  private txAddr = 0n;
  private rxBuf = Buffer.alloc(0);
  private rxAddr = 0n;
  private lkey = 0;

  private constructor(
    private readonly h: CoreHandle,
    private readonly o: NetChannelOptions,
    private readonly objs = new ObjectStack(),
  ) {}

  /** create: build the channel (see LIFESPAN 1). */
  static async create(h: CoreHandle, o: NetChannelOptions): Promise<NetChannel> {
    const ch = new NetChannel(h, o);
    try {
      await ch.build();
    } catch (err) {
      await ch.destroy();
      throw err;
    }
    return ch;
  }

  /** txRoom: free TX ring entries. */
  get txRoom(): number {
    return this.sq?.wq.room ?? 0;
  }

  /** xmit: post `frame` (already checked); false when the ring is full or the channel closed. */
  xmit(frame: Buffer): boolean {
    const sq = this.sq;
    if (this.closed || !sq || sq.wq.room < 1) return false;
    const slot = sq.wq.pc & (sq.wq.entries - 1);
    const at = slot * this.o.slotBytes;
    frame.copy(this.txBuf, at);
    sq.postFrame([{ addr: this.txAddr + BigInt(at), lkey: this.lkey, length: frame.length }]);
    sq.doorbell();
    return true;
  }

  /** destroy: see LIFESPAN 3; idempotent. */
  async destroy(): Promise<void> {
    this.closed = true;
    await this.objs.unwind(this.o.log);
  }

  private async build(): Promise<void> {
    const { h, o, objs } = this;
    const dma = h.dma;
    const sqEntries = 1 << o.logSqSize;
    const rqEntries = 1 << o.logRqSize;
    this.txBuf = Buffer.alloc(sqEntries * o.slotBytes);
    const txAddr = dma.map(this.txBuf);
    this.txAddr = txAddr;
    const unmapTx = () => void dma.unmap(txAddr);
    objs.push('tx buffer', unmapTx);
    this.rxBuf = Buffer.alloc(rqEntries * o.slotBytes);
    const rxAddr = dma.map(this.rxBuf);
    this.rxAddr = rxAddr;
    const unmapRx = () => void dma.unmap(rxAddr);
    objs.push('rx buffer', unmapRx);

    const pd = await allocPd(h);
    objs.push('PD', () => deallocPd(h, pd));
    const lkey = await createPaMkey(h, pd);
    this.lkey = lkey;
    objs.push('MKEY', () => destroyMkey(h, lkey));

    const txCq = await CompletionQueue.create(h, {
      logSize: o.logSqSize,
      onCompletion: (cq) => this.onTx(cq),
    });
    objs.push(
      'TX CQ',
      () => txCq.destroy(),
      () => txCq.release(),
    );
    const rxCq = await CompletionQueue.create(h, {
      logSize: o.logRqSize,
      onCompletion: (cq) => this.onRx(cq),
    });
    objs.push(
      'RX CQ',
      () => rxCq.destroy(),
      () => rxCq.release(),
    );
    txCq.arm();
    rxCq.arm();

    const tisn = await createTis(h, { port: o.port });
    objs.push('TIS', () => destroyTis(h, tisn));
    const sq = await SendQueue.create(h, { cq: txCq, tisn, pd, logSize: o.logSqSize });
    objs.push(
      'SQ',
      () => sq.destroy(),
      () => sq.release(),
    );
    const rq = await ReceiveQueue.create(h, { cq: rxCq, pd, logSize: o.logRqSize });
    objs.push(
      'RQ',
      () => rq.destroy(),
      () => rq.release(),
    );
    this.sq = sq;
    this.rq = rq;
    this.refill(rq);
    // The TIR comes last: frames are steered here only once buffers wait for them.
    const tirn = await createTir(h, { rqn: rq.rqn });
    objs.push('TIR', () => destroyTir(h, tirn));
  }

  private onTx(cq: CompletionQueue): void {
    if (this.closed) return;
    const c = this.o.counters;
    for (const cqe of cq.poll()) {
      if (cqe.error) c.tx_cqe_err++;
      else {
        c.tx_packets++;
        c.tx_bytes += BigInt(cqe.byteCnt);
      }
      this.sq?.wq.completed(cqe.wqeCounter);
    }
    cq.arm();
  }

  private onRx(cq: CompletionQueue): void {
    const rq = this.rq;
    if (this.closed || !rq) return;
    const frames: Buffer[] = [];
    for (const cqe of cq.poll()) {
      rq.wq.completed(cqe.wqeCounter);
      const f = this.take(cqe, rq);
      if (f) frames.push(f);
    }
    this.refill(rq);
    cq.arm();
    for (const f of frames) {
      try {
        this.o.onFrame(f);
      } catch (err) {
        this.o.log.warn({ err }, 'a frame handler threw; the frame is counted as received');
      }
    }
  }

  private take(cqe: Cqe, rq: ReceiveQueue): Buffer | undefined {
    const c = this.o.counters;
    if (cqe.error) {
      c.rx_wqe_err++;
      return undefined;
    }
    const at = (cqe.wqeCounter & (rq.wq.entries - 1)) * this.o.slotBytes;
    c.rx_packets++;
    c.rx_bytes += BigInt(cqe.byteCnt);
    return Buffer.from(this.rxBuf.subarray(at, at + cqe.byteCnt));
  }

  /** refill: post every free RX slot (slot i belongs to WQE counter i mod ring size). */
  private refill(rq: ReceiveQueue): void {
    const mask = rq.wq.entries - 1;
    let posted = 0;
    while (rq.wq.room > 0) {
      const at = (rq.wq.pc & mask) * this.o.slotBytes;
      rq.wq.postRecv([
        { addr: this.rxAddr + BigInt(at), lkey: this.lkey, length: this.o.slotBytes },
      ]);
      posted++;
    }
    if (posted > 0) rq.wq.doorbell();
  }
}

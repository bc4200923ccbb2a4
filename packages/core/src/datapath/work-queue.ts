/**
 * WorkQueue: the software side of one send or receive ring: producer and
 * consumer counters, WQE posting and the doorbell record.
 *
 * A send ring (`WorkQueue.send`) counts 64-byte WQEBBs and a WQE may take
 * several; a receive ring (`WorkQueue.recv`) counts WQEs of `stride` bytes.
 * `post*` writes a WQE at the producer
 * counter and returns its index (the `wqe_counter` its CQE will carry);
 * `doorbell()` publishes the producer counter in the doorbell record (send:
 * dword 1, receive: dword 0) and, for a send ring, rings the device. On a
 * CQE, `completed(wqeCounter)` frees the ring up to and including that WQE
 * (an unsignaled WQE is freed by the next signaled one after it).
 * Posting into a full ring fails with ENOSPC and writes nothing.
 *
 * Owns: counters only; the memory belongs to the queue object's buffer.
 */
import { AuxError, type Doorbell, SEND_WQEBB_BYTES, WQE_SEG_BYTES } from '@auxctl/prm';
import {
  type SendWqe,
  type Sge,
  sendWqeBlocks,
  sendWqeDs,
  writeRecvWqe,
  writeSendWqe,
} from './wqe-format.js';

/** WorkQueueKind: the ring's direction. */
export type WorkQueueKind = 'send' | 'recv';

/** WorkQueue: see the module header. */
export class WorkQueue {
  /** pc / cc: producer and consumer counters (free running). */
  pc = 0;
  cc = 0;
  private readonly blocks: Uint8Array;

  private constructor(
    readonly kind: WorkQueueKind,
    /** The ring's bytes (a view of the queue's buffer). */
    private readonly ring: Buffer,
    readonly logSize: number,
    /** Receive WQE size in bytes (send rings: SEND_WQEBB_BYTES). */
    readonly stride: number,
    private readonly dbr: Buffer,
    /** The queue number WQEs carry. */
    readonly num: number,
    /** Rings the device (send rings). */
    private readonly ringBell: (() => void) | undefined,
  ) {
    this.blocks = new Uint8Array(1 << logSize);
  }

  /**
   * send: the send ring of queue `num` (2^logSize WQEBBs in `ring`);
   * `doorbell()` hands `ringBell` a doorbell of type `bell` for it.
   */
  static send(
    ring: Buffer,
    logSize: number,
    dbr: Buffer,
    num: number,
    bell: 'sq' | 'qp',
    ringBell: (db: Doorbell) => void,
  ): WorkQueue {
    return new WorkQueue('send', ring, logSize, SEND_WQEBB_BYTES, dbr, num, () =>
      ringBell({ type: bell, num }),
    );
  }

  /** recv: the receive ring of queue `num` (2^logSize WQEs of `stride` bytes in `ring`). */
  static recv(ring: Buffer, logSize: number, stride: number, dbr: Buffer, num: number): WorkQueue {
    return new WorkQueue('recv', ring, logSize, stride, dbr, num, undefined);
  }

  /** entries: ring size in WQEBBs (send) or WQEs (receive). */
  get entries(): number {
    return 1 << this.logSize;
  }

  /** room: free entries. */
  get room(): number {
    return this.entries - (this.pc - this.cc);
  }

  /** postSend: write a send WQE; its index. ENOSPC when it does not fit. */
  postSend(w: SendWqe): number {
    if (this.kind !== 'send') throw new AuxError('EINVAL', 'postSend on a receive queue');
    const ds = sendWqeDs(w);
    const n = sendWqeBlocks(w, ds);
    if (n > this.room)
      throw new AuxError('ENOSPC', `send queue full (${this.room} WQEBBs free, need ${n})`);
    const index = this.pc & 0xffff;
    writeSendWqe(this.ring, index, this.num, w, ds);
    this.blocks[this.pc & (this.entries - 1)] = n;
    this.pc += n;
    return index;
  }

  /** postRecv: write a receive WQE of `sges`; its index. ENOSPC when full, EINVAL when too many SGEs. */
  postRecv(sges: readonly Sge[]): number {
    if (this.kind !== 'recv') throw new AuxError('EINVAL', 'postRecv on a send queue');
    if (sges.length * WQE_SEG_BYTES > this.stride) {
      throw new AuxError(
        'EINVAL',
        `${sges.length} SGEs do not fit a ${this.stride}-byte receive WQE`,
      );
    }
    if (this.room < 1) throw new AuxError('ENOSPC', 'receive queue full');
    const index = this.pc & 0xffff;
    writeRecvWqe(this.ring, (this.pc & (this.entries - 1)) * this.stride, this.stride, sges);
    this.pc += 1;
    return index;
  }

  /** doorbell: publish the producer counter; a send ring also rings the device. */
  doorbell(): void {
    this.dbr.writeUInt32BE(this.pc & 0xffff, this.kind === 'send' ? 4 : 0);
    this.ringBell?.();
  }

  /** completed: free the ring through the WQE at `wqeCounter` (a CQE's counter). */
  completed(wqeCounter: number): void {
    const behind = (wqeCounter - this.cc) & 0xffff;
    const at = this.cc + behind;
    const n = this.kind === 'send' ? this.blocks[at & (this.entries - 1)] || 1 : 1;
    this.cc = Math.min(this.pc, at + n);
  }

  /** reset: counters and doorbell record back to zero (queue moved to RST). */
  reset(): void {
    this.pc = 0;
    this.cc = 0;
    this.dbr.writeUInt32BE(0, this.kind === 'send' ? 4 : 0);
  }

  /** sendRingBytes: bytes of a send ring of 2^logSize WQEBBs. */
  static sendRingBytes(logSize: number): number {
    return (1 << logSize) * SEND_WQEBB_BYTES;
  }
}

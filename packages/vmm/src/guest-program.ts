/**
 * GuestProgram: what the guest's vCPU runs once its driver set the queues
 * up — from guest memory alone: its state page (guest-state.ts), rings,
 * doorbell records and buffers, all reached by bus address through the
 * VF's DMA space, and the VF's doorbells. Nothing else is kept between
 * steps, so the same program resumes on a migration destination from a
 * copy of guest memory and the vCPU's registers.
 *
 * A step polls both CQs and then, for a FLOW, sends:
 *   send CQE     its wqe_counter must be the oldest outstanding WQE's, and
 *                not an error; else completionErrors (a lost or repeated
 *                completion) — the ring is freed through it either way
 *   receive CQE  the same check against the receive ring; the frame is
 *                read from its buffer, the buffer posted again
 *   FLOW         one frame in flight (stop and wait): sequence number
 *                `expectSeq`; its echo counts once (`echoed`), an echo of
 *                an older number is a duplicate; no echo within
 *                RESEND_TICKS steps sends it again (`retransmits`)
 *   ECHO         every frame received goes back with the MACs swapped
 * Buffers: receive slot i and send slot i (2 KiB each) sit in the
 * registered memory region, receive slots first.
 *
 * Owns: the program's steps. Never: guest memory (the VMM's) or the
 * queues' creation (guest.ts).
 */
import { pollCqes, WorkQueue } from '@auxctl/core';
import {
  AuxError,
  CQE_BYTES,
  type Cqe,
  type DeviceBackend,
  SEND_WQEBB_BYTES,
  WqeOpcode,
} from '@auxctl/prm';
import { GuestState, ProgramCode } from './guest-state.js';

/** SLOT: bytes of one receive or send buffer. */
export const SLOT = 2048;
/** FRAME_BYTES: a flow frame: Ethernet header, EtherType 0x88b5, the sequence number, padding. */
export const FRAME_BYTES = 64;
/** RESEND_TICKS: steps a FLOW waits for an echo before it sends the frame again. */
export const RESEND_TICKS = 40;
const ETHERTYPE = 0x88b5;

/** CqView: a CQ in guest memory; its consumer index is kept in the state page. */
interface CqView {
  readonly ring: Buffer;
  readonly dbr: Buffer;
}

/** GuestProgram: see the module header. */
export class GuestProgram {
  readonly st: GuestState;
  private readonly sq: WorkQueue;
  private readonly rq: WorkQueue;
  private readonly txCq: CqView;
  private readonly rxCq: CqView;
  private readonly logSize: number;
  private readonly entries: number;

  constructor(
    private readonly backend: DeviceBackend,
    stateIova: bigint,
  ) {
    this.st = new GuestState(this.view(stateIova, 4096));
    const st = this.st;
    const log = st.get('logSize');
    this.logSize = log;
    this.entries = 1 << log;
    const stride = st.get('rqStride');
    this.sq = WorkQueue.send(
      this.view(st.addr('sqRing'), this.entries * SEND_WQEBB_BYTES),
      log,
      this.view(st.addr('sqDbr'), 8),
      st.get('sqn'),
      'sq',
      (db) => backend.ringDoorbell?.(db),
    );
    this.rq = WorkQueue.recv(
      this.view(st.addr('rqRing'), this.entries * stride),
      log,
      stride,
      this.view(st.addr('rqDbr'), 8),
      st.get('rqn'),
    );
    this.sq.pc = st.get('sqPc');
    this.sq.cc = st.get('sqCc');
    this.rq.pc = st.get('rqPc');
    this.rq.cc = st.get('rqCc');
    const cq = (ring: 'txCqRing' | 'rxCqRing', dbr: 'txCqDbr' | 'rxCqDbr'): CqView => ({
      ring: this.view(st.addr(ring), this.entries * CQE_BYTES),
      dbr: this.view(st.addr(dbr), 8),
    });
    this.txCq = cq('txCqRing', 'txCqDbr');
    this.rxCq = cq('rxCqRing', 'rxCqDbr');
  }

  /** fill: post every receive buffer (the driver's last setup step). */
  fill(): void {
    for (let i = this.rq.room; i > 0; i--) this.postRecv();
    this.rq.doorbell();
    this.save();
  }

  /** step: one turn of the program (see the module header). */
  step(): void {
    const st = this.st;
    const tx = pollCqes(this.txCq.ring, this.txCq.dbr, st.get('txCi'), this.logSize);
    st.set('txCi', tx.ci);
    for (const c of tx.cqes) {
      this.check(c, this.sq.cc & 0xffff);
      this.sq.completed(c.wqeCounter);
      st.bump('sendCompletions');
    }
    const rx = pollCqes(this.rxCq.ring, this.rxCq.dbr, st.get('rxCi'), this.logSize);
    st.set('rxCi', rx.ci);
    for (const c of rx.cqes) {
      this.check(c, this.rq.cc & 0xffff);
      const slot = c.wqeCounter & (this.entries - 1);
      this.rq.completed(c.wqeCounter);
      st.bump('recvCompletions');
      if (!c.error) this.received(this.view(this.slotAddr(slot), Math.min(c.byteCnt, SLOT)));
      this.postRecv();
    }
    if (rx.cqes.length > 0) this.rq.doorbell();
    if (st.get('program') === ProgramCode.flow) this.flowSend();
    this.save();
  }

  private check(c: Cqe, expected: number): void {
    if (c.error || c.wqeCounter !== expected) this.st.bump('completionErrors');
  }

  private received(frame: Buffer): void {
    const st = this.st;
    if (st.get('program') === ProgramCode.echo) {
      const back = Buffer.from(frame);
      frame.copy(back, 0, 6, 12);
      frame.copy(back, 6, 0, 6);
      this.send(back);
      st.bump('sent');
      return;
    }
    if (frame.length < 18 || frame.readUInt16BE(12) !== ETHERTYPE) return;
    const seq = frame.readUInt32BE(14);
    if (seq === st.get('expectSeq') && st.get('nextSeq') !== seq) {
      st.bump('echoed');
      st.bump('expectSeq');
      st.set('idleTicks', 0);
    } else {
      st.bump('duplicates');
    }
  }

  private flowSend(): void {
    const st = this.st;
    const seq = st.get('expectSeq');
    if (st.get('nextSeq') === seq) {
      if (!this.send(this.flowFrame(seq))) return;
      st.bump('nextSeq');
      st.bump('sent');
      st.set('idleTicks', 0);
    } else if (st.get('idleTicks') >= RESEND_TICKS) {
      if (this.send(this.flowFrame(seq))) st.bump('retransmits');
      st.set('idleTicks', 0);
    } else {
      st.bump('idleTicks');
    }
  }

  private flowFrame(seq: number): Buffer {
    const f = Buffer.alloc(FRAME_BYTES);
    this.st.peer.copy(f, 0);
    this.st.mac.copy(f, 6);
    f.writeUInt16BE(ETHERTYPE, 12);
    f.writeUInt32BE(seq, 14);
    return f;
  }

  /** send: `frame` through the next send slot; false when the ring is full. */
  private send(frame: Buffer): boolean {
    if (this.sq.room < 1) return false;
    const addr = this.slotAddr(this.entries + (this.sq.pc & (this.entries - 1)));
    frame.copy(this.view(addr, frame.length));
    this.sq.postSend({
      opcode: WqeOpcode.SEND,
      eth: true,
      sges: [{ addr, lkey: this.st.get('lkey'), length: frame.length }],
    });
    this.sq.doorbell();
    return true;
  }

  private postRecv(): void {
    const slot = this.rq.pc & (this.entries - 1);
    this.rq.postRecv([{ addr: this.slotAddr(slot), lkey: this.st.get('lkey'), length: SLOT }]);
  }

  private slotAddr(slot: number): bigint {
    return this.st.addr('memory') + BigInt(slot * SLOT);
  }

  /** save: the ring counters into the state page (everything else is written as it changes). */
  private save(): void {
    this.st.set('sqPc', this.sq.pc);
    this.st.set('sqCc', this.sq.cc);
    this.st.set('rqPc', this.rq.pc);
    this.st.set('rqCc', this.rq.cc);
  }

  /** view: `len` bytes of guest memory at `iova`; EFAULT when they are not mapped. */
  private view(iova: bigint, len: number): Buffer {
    const b = this.backend.dma.resolve(iova, len);
    if (!b)
      throw new AuxError('EFAULT', `guest memory 0x${iova.toString(16)}+${len} is not mapped`);
    return b;
  }
}

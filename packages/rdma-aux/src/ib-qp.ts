/**
 * IbQp: an RC queue pair of a verbs context: a core QueuePair created
 * under the context's uid, with verbs work requests and state changes.
 *
 * State changes: the target state names the command (INIT: RST2INIT, or
 * INIT2INIT from INIT; RTR: INIT2RTR; RTS: RTR2RTS, or RTS2RTS from RTS;
 * ERR: 2ERR; RESET: 2RST) and the firmware checks the QP's real state: an
 * illegal change fails with EINVAL whose `detail.status` is BAD_QP_STATE
 * (0x10) and changes nothing. `state` is the last state the driver knows
 * (from its own changes, error completions and `query()`).
 *
 * Posting: work requests are checked first (verbs-validation.ts), then
 * written into the ring and the doorbell rung once per call; a batch that
 * does not fit is refused whole (ENOMEM, as mlx5_ib). Sends need RTS (or
 * ERR, where the device flushes them); receives any state but RESET. The
 * driver keeps each send's checked work request (for its wrId and opcode)
 * and each receive's wrId by ring slot, so a CQE's `wqe_counter` finds
 * them again; an unsignaled send's slot is freed by
 * the next signaled completion after it.
 *
 * Owns: the QP object, its ring and the wrId tables. Never: its PD and CQs
 * (it holds a use of each until destroyed).
 */

import { type QpInfo, QueuePair, type SendWqe, sendWqeBlocks } from '@auxctl/core';
import {
  AuxError,
  type Cqe,
  CqeOpcode,
  type QpStateName,
  type QpTransition,
  WqeOpcode,
} from '@auxctl/prm';
import type { CompletionSink, ContextLink } from './context-link.js';
import type { IbCq } from './ib-cq.js';
import type { IbPd } from './ib-pd.js';
import { VerbsBase } from './verbs-base.js';
import {
  type CheckedCap,
  type CheckedSendWr,
  checkQpAttr,
  checkRecvWr,
  checkSendWr,
  type IbQpState,
  type QpAttr,
  type RecvWr,
  type SendOpcode,
  type SendWr,
} from './verbs-validation.js';
import { type WorkCompletion, type WrId, wcStatus } from './work-completion.js';

/** QpInit: what createQp takes. */
export interface QpInit {
  readonly pd: IbPd;
  readonly sendCq: IbCq;
  readonly recvCq: IbCq;
  readonly cap: CheckedCap;
}

/** IbQpInfo: QUERY_QP as verbs names it. */
export interface IbQpInfo {
  readonly state: IbQpState;
  readonly remoteQpn: number;
  readonly port: number;
  readonly retryCount: number;
  /** The device's send (WQEBB) and receive (WQE) counters. */
  readonly sqCounter: number;
  readonly rqCounter: number;
}

const WQE_OPCODE: Readonly<Record<SendOpcode, number>> = {
  SEND: WqeOpcode.SEND,
  RDMA_WRITE: WqeOpcode.RDMA_WRITE,
  RDMA_READ: WqeOpcode.RDMA_READ,
};

const STATE_NAME: Readonly<Record<QpStateName, IbQpState>> = {
  RST: 'RESET',
  INIT: 'INIT',
  RTR: 'RTR',
  RTS: 'RTS',
  SQER: 'SQE',
  SQD: 'SQD',
  ERR: 'ERR',
};

/** sendBlocks: the WQEBBs one send WQE of up to `sges` SGEs takes (ctrl + raddr + data). */
export function sendBlocks(sges: number): number {
  return Math.ceil((2 + sges) / 4);
}

/** IbQp: see the module header. */
export class IbQp extends VerbsBase implements CompletionSink {
  readonly kind = 'QP';
  private known: IbQpState = 'RESET';
  private readonly sendWr: (CheckedSendWr | undefined)[];
  private readonly recvWr: WrId[];

  private constructor(
    link: ContextLink,
    private readonly qp: QueuePair,
    readonly pd: IbPd,
    readonly sendCq: IbCq,
    readonly recvCq: IbCq,
    /** cap: what the QP really holds (at least what was asked). */
    readonly cap: CheckedCap,
  ) {
    super(link);
    this.sendWr = new Array(qp.sq.entries);
    this.recvWr = new Array(qp.rq.entries);
  }

  /** create: CREATE_QP (RC, RESET) sized for `cap`; takes a use of the PD and both CQs. */
  static async create(link: ContextLink, o: QpInit): Promise<IbQp> {
    const blocks = sendBlocks(o.cap.maxSendSge);
    const logSqSize = Math.ceil(Math.log2(o.cap.maxSendWr * blocks));
    const logRqSize = Math.ceil(Math.log2(o.cap.maxRecvWr));
    const qp = await QueuePair.create(link.h, {
      pd: o.pd.pdn,
      sendCq: o.sendCq.core(),
      recvCq: o.recvCq.core(),
      logSqSize,
      logRqSize,
      maxRecvSge: o.cap.maxRecvSge,
      uid: link.uid,
    });
    const cap: CheckedCap = {
      maxSendWr: Math.floor((1 << logSqSize) / blocks),
      maxRecvWr: 1 << logRqSize,
      maxSendSge: o.cap.maxSendSge,
      maxRecvSge: o.cap.maxRecvSge,
    };
    for (const x of [o.pd, o.sendCq, o.recvCq]) x.use();
    return new IbQp(link, qp, o.pd, o.sendCq, o.recvCq, cap);
  }

  /** qpn: the QP number a peer names in RTR. */
  get qpn(): number {
    return this.qp.qpn;
  }

  /** state: the last state the driver knows (see `query()` for the device's). */
  get state(): IbQpState {
    return this.known;
  }

  /** modify: one state change (see the module header); EINVAL for bad attributes or an illegal change. */
  async modify(attr: QpAttr): Promise<void> {
    const a = checkQpAttr(attr);
    this.check();
    let t: QpTransition;
    switch (a.state) {
      case 'INIT':
        t = this.known === 'INIT' ? 'INIT2INIT' : 'RST2INIT';
        break;
      case 'RTR':
        t = 'INIT2RTR';
        break;
      case 'RTS':
        t = this.known === 'RTS' ? 'RTS2RTS' : 'RTR2RTS';
        break;
      case 'ERR':
        t = '2ERR';
        break;
      case 'RESET':
        t = '2RST';
        break;
    }
    try {
      await this.qp.modify(t, a.state === 'ERR' || a.state === 'RESET' ? {} : { ...a });
    } catch (err) {
      // The driver's idea of the state may have been stale: learn the device's.
      await this.query().catch(() => {});
      throw err;
    }
    this.known = a.state;
    if (a.state === 'RESET') {
      this.sendWr.fill(undefined);
      this.recvWr.fill(0);
    }
  }

  /** query: QUERY_QP; also refreshes `state`. */
  async query(): Promise<IbQpInfo> {
    this.check();
    const q: QpInfo = await this.qp.query();
    this.known = STATE_NAME[q.state];
    return {
      state: this.known,
      remoteQpn: q.remoteQpn,
      port: q.port,
      retryCount: q.retryCount,
      sqCounter: q.sqCounter,
      rqCounter: q.rqCounter,
    };
  }

  /** postSend: post one or more send work requests and ring the doorbell once. */
  postSend(wr: SendWr | readonly SendWr[]): void {
    const list = (Array.isArray(wr) ? wr : [wr]).map((w) => checkSendWr(w, this.cap.maxSendSge));
    this.check();
    if (this.known !== 'RTS' && this.known !== 'ERR') {
      throw new AuxError(
        'EINVAL',
        `QP ${this.qpn} is ${this.known}; modify it to RTS before posting sends`,
      );
    }
    const wqes = list.map(toWqe);
    const need = wqes.reduce((n, w) => n + sendWqeBlocks(w), 0);
    if (need > this.qp.sq.room) {
      throw new AuxError('ENOMEM', `send queue of QP ${this.qpn} is full; poll its CQ and retry`);
    }
    list.forEach((w, i) => {
      const index = this.qp.postSend(wqes[i]!);
      this.sendWr[index & (this.sendWr.length - 1)] = w;
    });
    this.qp.sq.doorbell();
  }

  /** postRecv: post one or more receive work requests and publish them. */
  postRecv(wr: RecvWr | readonly RecvWr[]): void {
    const list = (Array.isArray(wr) ? wr : [wr]).map((w) => checkRecvWr(w, this.cap.maxRecvSge));
    this.check();
    if (this.known === 'RESET') {
      throw new AuxError(
        'EINVAL',
        `QP ${this.qpn} is RESET; modify it to INIT before posting receives`,
      );
    }
    if (list.length > this.qp.rq.room) {
      throw new AuxError(
        'ENOMEM',
        `receive queue of QP ${this.qpn} is full; poll its CQ and retry`,
      );
    }
    for (const w of list) {
      const index = this.qp.postRecv(w.sge);
      this.recvWr[index & (this.recvWr.length - 1)] = w.wrId;
    }
    this.qp.rq.doorbell();
  }

  /** complete: one of this QP's CQEs as a work completion (called by its CQs). */
  complete(cqe: Cqe): WorkCompletion {
    const send = cqe.opcode === CqeOpcode.REQ || cqe.opcode === CqeOpcode.REQ_ERR;
    if (cqe.error) this.known = 'ERR';
    const status = cqe.error ? wcStatus(cqe.syndrome) : 'SUCCESS';
    const base = {
      status,
      byteLen: cqe.error ? 0 : cqe.byteCnt,
      qpn: this.qpn,
      ...(cqe.error && { syndrome: cqe.syndrome ?? 0 }),
    };
    if (send) {
      const slot = cqe.wqeCounter & (this.sendWr.length - 1);
      const rec = this.sendWr[slot];
      this.sendWr[slot] = undefined;
      this.qp.sq.completed(cqe.wqeCounter);
      return { wrId: rec?.wrId ?? 0, opcode: rec?.opcode ?? opcodeOf(cqe.wqeOpcode), ...base };
    }
    const wrId = this.recvWr[cqe.wqeCounter & (this.recvWr.length - 1)] ?? 0;
    this.qp.rq.completed(cqe.wqeCounter);
    return { wrId, opcode: 'RECV', ...base };
  }

  protected label(): string {
    return `QP ${this.qp.qpn}`;
  }

  protected async destroyObject(): Promise<void> {
    await this.qp.destroy();
  }

  protected release(): void {
    this.qp.release();
    for (const x of [this.pd, this.sendCq, this.recvCq]) x.unuse();
  }
}

function toWqe(w: CheckedSendWr): SendWqe {
  return {
    opcode: WQE_OPCODE[w.opcode],
    sges: w.sge,
    signaled: w.signaled,
    ...(w.opcode !== 'SEND' && { raddr: w.remoteAddr, rkey: w.rkey }),
  };
}

function opcodeOf(wqeOpcode: number | undefined): SendOpcode {
  if (wqeOpcode === WqeOpcode.RDMA_WRITE) return 'RDMA_WRITE';
  if (wqeOpcode === WqeOpcode.RDMA_READ) return 'RDMA_READ';
  return 'SEND';
}

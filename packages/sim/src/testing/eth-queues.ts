/**
 * EthQueues: one function's Ethernet queues built through its own
 * commands (EQ, CQ, TIS, SQ, RQ, TIR, a PA key over one DMA buffer), for
 * tests that push frames through the simulated data path and watch what
 * the device did. Every ring, buffer and doorbell record lives in one
 * mapped buffer; `close` unmaps it. Never imported by library code.
 */
import {
  Cqc,
  CreateCqIn,
  CreateCqOut,
  CreateEqIn,
  CreateEqOut,
  CreateRqIn,
  CreateRqOut,
  CreateSqIn,
  CreateSqOut,
  CreateTirIn,
  CreateTirOut,
  CreateTisIn,
  CreateTisOut,
  Eqc,
  ModifyRqIn,
  ModifySqIn,
  Op,
  PAS_OFFSET,
  QueueState,
  Rqc,
  SEND_WQEBB_BYTES,
  SEND_WQEBB_SHIFT,
  Sqc,
  Tirc,
  TirDispType,
  WQE_CTRL_CQ_UPDATE,
  WQE_SEG_BYTES,
  Wq,
  WqeCtrlSeg,
  WqeDataSeg,
  WqeOpcode,
  WqType,
} from '@auxctl/prm';
import type { FirmwareHarness } from './firmware-harness.js';

const PAGE = 4096;
const LOG = 4;
const BUF_BYTES = 2048;
/** Layout of the one buffer: pages 0-4 rings, page 5 doorbell records, then packet buffers. */
const AT = { eq: 0, cq: PAGE, sq: 2 * PAGE, rq: 3 * PAGE, dbr: 5 * PAGE, rx: 6 * PAGE } as const;
const TX_AT = AT.rx + (1 << LOG) * BUF_BYTES;
const TOTAL = TX_AT + (1 << LOG) * BUF_BYTES;

/** EthQueues: see the module header. */
export class EthQueues {
  readonly mem: Buffer;
  readonly addr: bigint;
  readonly sqn: number;
  readonly rqn: number;
  readonly cqn: number;
  private readonly lkey: number;
  private sqPc = 0;
  private rqPc = 0;

  /**
   * A function's queues, built on `h`; or, with `moved`, the same queues
   * after a live migration to `h`'s device: a copy of their memory is
   * mapped at the same bus address (what a VMM does with guest RAM).
   */
  constructor(
    readonly h: FirmwareHarness,
    moved?: EthQueues,
  ) {
    if (moved) {
      this.mem = Buffer.from(moved.mem);
      this.addr = moved.addr;
      h.dma.mapAt(this.addr, this.mem);
      this.sqn = moved.sqn;
      this.rqn = moved.rqn;
      this.cqn = moved.cqn;
      this.lkey = moved.lkey;
      this.sqPc = moved.sqPc;
      this.rqPc = moved.rqPc;
      return;
    }
    this.mem = Buffer.alloc(TOTAL);
    this.addr = h.dma.map(this.mem);
    const a = (off: number) => this.addr + BigInt(off);
    const pd = h.pd();
    // A variant byte, so the key never reads as INVALID_LKEY (0x100).
    this.lkey = h.mkey({ pd, len: BigInt(TOTAL), startAddr: this.addr, variant: 0x5a });
    const withPas = (opcode: number, bytes: number, page: number) => {
      const b = h.header(opcode, bytes + 8);
      b.writeBigUInt64BE(a(page), PAS_OFFSET);
      return b;
    };
    const eq = withPas(Op.CREATE_EQ, CreateEqIn.bytes, AT.eq);
    Eqc.write(eq, { log_eq_size: LOG }, CreateEqIn.byteOffset('eq_context_entry'));
    const eqn = CreateEqOut.get(h.ok(h.run(eq, CreateEqOut.bytes), 'CREATE_EQ').out, 'eq_number');
    const cq = withPas(Op.CREATE_CQ, CreateCqIn.bytes, AT.cq);
    Cqc.write(
      cq,
      { log_cq_size: LOG, c_eqn: eqn, dbr_addr: a(AT.dbr) },
      CreateCqIn.byteOffset('cq_context'),
    );
    this.cqn = CreateCqOut.get(h.ok(h.run(cq, CreateCqOut.bytes), 'CREATE_CQ').out, 'cqn');
    const tis = h.header(Op.CREATE_TIS, CreateTisIn.bytes);
    const tisn = CreateTisOut.get(h.ok(h.run(tis, CreateTisOut.bytes), 'CREATE_TIS').out, 'tisn');
    const sq = withPas(Op.CREATE_SQ, CreateSqIn.bytes, AT.sq);
    const sqAt = CreateSqIn.byteOffset('ctx');
    Sqc.write(sq, { cqn: this.cqn, tis_num_0: tisn, tis_lst_sz: 1 }, sqAt);
    const wq = { wq_type: WqType.CYCLIC, pd, log_wq_sz: LOG };
    Wq.write(
      sq,
      { ...wq, dbr_addr: a(AT.dbr + 8), log_wq_stride: SEND_WQEBB_SHIFT },
      sqAt + Sqc.byteOffset('wq'),
    );
    this.sqn = CreateSqOut.get(h.ok(h.run(sq, CreateSqOut.bytes), 'CREATE_SQ').out, 'sqn');
    const rq = withPas(Op.CREATE_RQ, CreateRqIn.bytes, AT.rq);
    const rqAt = CreateRqIn.byteOffset('ctx');
    Rqc.write(rq, { cqn: this.cqn }, rqAt);
    Wq.write(
      rq,
      { ...wq, dbr_addr: a(AT.dbr + 16), log_wq_stride: 4 },
      rqAt + Rqc.byteOffset('wq'),
    );
    this.rqn = CreateRqOut.get(h.ok(h.run(rq, CreateRqOut.bytes), 'CREATE_RQ').out, 'rqn');
    const modSq = h.header(Op.MODIFY_SQ, ModifySqIn.bytes);
    ModifySqIn.set(modSq, 'sqn', this.sqn);
    Sqc.set(modSq, 'state', QueueState.RDY, ModifySqIn.byteOffset('ctx'));
    h.ok(h.run(modSq), 'MODIFY_SQ');
    const modRq = h.header(Op.MODIFY_RQ, ModifyRqIn.bytes);
    ModifyRqIn.set(modRq, 'rqn', this.rqn);
    Rqc.set(modRq, 'state', QueueState.RDY, ModifyRqIn.byteOffset('ctx'));
    h.ok(h.run(modRq), 'MODIFY_RQ');
    const tir = h.header(Op.CREATE_TIR, CreateTirIn.bytes);
    Tirc.write(
      tir,
      { disp_type: TirDispType.DIRECT, inline_rqn: this.rqn },
      CreateTirIn.byteOffset('ctx'),
    );
    h.ok(h.run(tir, CreateTirOut.bytes), 'CREATE_TIR');
    for (let i = 0; i < 1 << LOG; i++) this.postRecv();
  }

  /** postRecv: one receive buffer (the RQ doorbell record is updated; no doorbell needed). */
  postRecv(): void {
    const i = this.rqPc & ((1 << LOG) - 1);
    WqeDataSeg.write(
      this.mem,
      { byte_count: BUF_BYTES, lkey: this.lkey, addr: this.addr + BigInt(AT.rx + i * BUF_BYTES) },
      AT.rq + i * WQE_SEG_BYTES,
    );
    this.rqPc++;
    this.mem.writeUInt32BE(this.rqPc & 0xffff, AT.dbr + 16);
  }

  /** post: one signaled SEND WQE of `frame`, doorbell record updated; `ring` rings the doorbell. */
  post(frame: Buffer, ring = true): void {
    const i = this.sqPc & ((1 << LOG) - 1);
    const base = AT.sq + i * SEND_WQEBB_BYTES;
    this.mem.fill(0, base, base + SEND_WQEBB_BYTES);
    frame.copy(this.mem, TX_AT + i * BUF_BYTES);
    WqeCtrlSeg.write(
      this.mem,
      {
        opcode: WqeOpcode.SEND,
        wqe_index: this.sqPc & 0xffff,
        qpn_sqn: this.sqn,
        ds: 3,
        fm_ce_se: WQE_CTRL_CQ_UPDATE,
      },
      base,
    );
    WqeDataSeg.write(
      this.mem,
      {
        byte_count: frame.length,
        lkey: this.lkey,
        addr: this.addr + BigInt(TX_AT + i * BUF_BYTES),
      },
      base + 2 * WQE_SEG_BYTES,
    );
    this.sqPc++;
    this.mem.writeUInt32BE(this.sqPc & 0xffff, AT.dbr + 8 + 4);
    if (ring) this.h.fw.ringDoorbell({ type: 'sq', num: this.sqn });
  }

  /** completions: CQEs the device has written (the CQ's producer counter). */
  completions(): number {
    for (const o of this.h.fw.objects()) {
      if (o.type === 'CQ' && o.id === this.cqn) return Number(o.context.producer_counter);
    }
    return -1;
  }

  /** received: the first `n` bytes of receive buffer `i` (what the device scattered there). */
  received(i: number, n: number): Buffer {
    const at = AT.rx + (i & ((1 << LOG) - 1)) * BUF_BYTES;
    return Buffer.from(this.mem.subarray(at, at + n));
  }

  /** close: unmap the buffer (the function's objects go with its HCA). */
  close(): void {
    this.h.dma.unmap(this.addr);
  }
}

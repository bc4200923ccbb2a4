/**
 * RcTransport: reliable-connected queue pairs on the simulated device:
 * SEND, RDMA WRITE and RDMA READ between two connected QPs.
 *
 * A pass over a QP's send queue (after its doorbell) executes each WQE:
 * - local data segments are checked through their lkeys (key-access.ts:
 *   LOCAL_PROT_ERR on any fault);
 * - the responder is reached through the QP's port (`vhca_port_num` of the
 *   address path): the port must be up, its wire connected, the device at
 *   the other end alive, and `remote_qpn` a QP there in RTR or RTS. Each
 *   transmission attempt can also be lost on a lossy wire. The transport
 *   tries `retry_count` + 1 times, then fails with TRANSPORT_RETRY_EXC_ERR;
 * - SEND consumes one receive WQE of the responder (none posted:
 *   RNR_RETRY_EXC_ERR, as with rnr_retry exhausted) and writes a RESP_SEND
 *   CQE there; a responder buffer fault gives the responder a RESP_ERR CQE
 *   (LOCAL_PROT_ERR / LOCAL_LENGTH_ERR) and the requester REMOTE_OP_ERR /
 *   REMOTE_INVAL_REQ_ERR;
 * - WRITE / READ need the responder QP to allow them (`rwe` / `rre`, set
 *   at RST2INIT) and check the rkey at the responder: it exists, is in the
 *   responder QP's PD, covers the range and grants rw / rr; else
 *   REMOTE_ACCESS_ERR.
 * A requester error writes a REQ_ERR CQE for the failed WQE, moves the QP
 * to ERR and flushes every other posted WQE (send and receive) with
 * WR_FLUSH_ERR. Operations complete within the pass (the wire's latency
 * applies to Ethernet frames only). Signaled WQEs (CQ_UPDATE) get a REQ CQE.
 *
 * Owns: the RC semantics. Never: keys, rings or ports (borrowed from the
 * data path).
 */
import {
  CqeOpcode,
  CqeSyndrome,
  QpState,
  SEND_WQEBB_BYTES,
  WQE_CTRL_CQ_UPDATE,
  WQE_SEG_BYTES,
  WqeCtrlSeg,
  WqeOpcode,
  WqeRaddrSeg,
} from '@auxctl/prm';
import type { FwObject } from '../object-table.js';
import type { Datapath } from './datapath.js';
import { gather, isKeyFault, keyViews, recvWqeViews, scatterFrom, sgeViews } from './key-access.js';
import { type QpData, wqeBlocks } from './queue-data.js';
import { resolveRing } from './ring-memory.js';

type Seg = (rel: number, k: number) => number;

interface Peer {
  readonly dp: Datapath;
  readonly qp: FwObject<QpData>;
}

/** RcTransport: see the module header. */
export class RcTransport {
  constructor(private readonly dp: Datapath) {}

  /** processSend: execute a QP's posted send WQEs (RTS), or flush them (ERR). */
  processSend(qpn: number): void {
    const qp = this.dp.host.objects.get<QpData>('QP', qpn);
    if (!qp) return;
    const state = Number(qp.context.state);
    if (state === QpState.ERR) {
      this.flush(qp);
      return;
    }
    if (state !== QpState.RTS) return;
    const d = qp.data;
    const mem = resolveRing(this.dp.host.dma, d.ring);
    if (!mem) return;
    const { ring } = mem;
    const pc = mem.dbr.readUInt32BE(4) & 0xffff;
    const sqBytes = (1 << d.logSqSize) * SEND_WQEBB_BYTES;
    const seg: Seg = (rel, k) => d.sqOffset + ((rel + k * WQE_SEG_BYTES) % sqBytes);
    while ((d.sqCc & 0xffff) !== pc) {
      const rel = (d.sqCc & ((1 << d.logSqSize) - 1)) * SEND_WQEBB_BYTES;
      const at = d.sqOffset + rel;
      const opcode = WqeCtrlSeg.get(ring, 'opcode', at);
      const ds = WqeCtrlSeg.get(ring, 'ds', at);
      const wqeCounter = WqeCtrlSeg.get(ring, 'wqe_index', at);
      const signaled = (WqeCtrlSeg.get(ring, 'fm_ce_se', at) & WQE_CTRL_CQ_UPDATE) !== 0;
      d.sqCc += wqeBlocks(ds);
      const r = this.execute(qp, ring, rel, seg, opcode, ds);
      if (typeof r === 'object') {
        this.dp.cqes.complete(d.cqnSnd, {
          opcode: CqeOpcode.REQ_ERR,
          qpn,
          wqeCounter,
          byteCnt: 0,
          syndrome: r.syndrome,
          wqeOpcode: opcode,
        });
        this.toError(qp);
        return;
      }
      if (signaled) {
        this.dp.cqes.complete(d.cqnSnd, { opcode: CqeOpcode.REQ, qpn, wqeCounter, byteCnt: r });
      }
    }
  }

  /** toError: move `qp` to ERR and flush its posted WQEs. */
  toError(qp: FwObject<QpData>): void {
    qp.context.state = QpState.ERR;
    this.flush(qp);
  }

  /** flush: complete every posted, unexecuted WQE of `qp` with WR_FLUSH_ERR. */
  flush(qp: FwObject<QpData>): void {
    const d = qp.data;
    const mem = resolveRing(this.dp.host.dma, d.ring);
    if (!mem) return;
    const { ring, dbr } = mem;
    const sqPc = dbr.readUInt32BE(4) & 0xffff;
    while ((d.sqCc & 0xffff) !== sqPc) {
      const at = d.sqOffset + (d.sqCc & ((1 << d.logSqSize) - 1)) * SEND_WQEBB_BYTES;
      const ds = WqeCtrlSeg.get(ring, 'ds', at);
      this.dp.cqes.complete(d.cqnSnd, {
        opcode: CqeOpcode.REQ_ERR,
        qpn: qp.id,
        wqeCounter: WqeCtrlSeg.get(ring, 'wqe_index', at),
        byteCnt: 0,
        syndrome: CqeSyndrome.WR_FLUSH_ERR,
        wqeOpcode: WqeCtrlSeg.get(ring, 'opcode', at),
      });
      d.sqCc += wqeBlocks(ds);
    }
    const rqPc = dbr.readUInt32BE(0) & 0xffff;
    while ((d.rqCc & 0xffff) !== rqPc) {
      this.dp.cqes.complete(d.cqnRcv, {
        opcode: CqeOpcode.RESP_ERR,
        qpn: qp.id,
        wqeCounter: d.rqCc & 0xffff,
        byteCnt: 0,
        syndrome: CqeSyndrome.WR_FLUSH_ERR,
      });
      d.rqCc++;
    }
  }

  /** execute: one WQE; the byte count done, or the requester's error syndrome. */
  private execute(
    qp: FwObject<QpData>,
    ring: Buffer,
    rel: number,
    seg: Seg,
    opcode: number,
    ds: number,
  ): number | { syndrome: number } {
    const rdma = opcode === WqeOpcode.RDMA_WRITE || opcode === WqeOpcode.RDMA_READ;
    if (opcode !== WqeOpcode.SEND && !rdma) {
      return opcode === WqeOpcode.NOP ? 0 : { syndrome: CqeSyndrome.LOCAL_QP_OP_ERR };
    }
    if (rdma && ds < 2) return { syndrome: CqeSyndrome.LOCAL_LENGTH_ERR };
    const local = sgeViews(
      this.dp.host,
      ring,
      (k) => seg(rel, k),
      rdma ? 2 : 1,
      ds,
      opcode === WqeOpcode.RDMA_READ ? 'lw' : 'lr',
      qp.data.pd,
    );
    if (isKeyFault(local)) return { syndrome: local.syndrome };
    const peer = this.reach(qp);
    if (!peer) return { syndrome: CqeSyndrome.TRANSPORT_RETRY_EXC_ERR };
    if (opcode === WqeOpcode.SEND) return this.send(peer, local.views, local.len);
    const raddrAt = seg(rel, 1);
    const raddr = WqeRaddrSeg.get64(ring, 'raddr', raddrAt);
    const rkey = WqeRaddrSeg.get(ring, 'rkey', raddrAt);
    const write = opcode === WqeOpcode.RDMA_WRITE;
    if (Number(peer.qp.context[write ? 'rwe' : 'rre']) !== 1) {
      return { syndrome: CqeSyndrome.REMOTE_ACCESS_ERR };
    }
    const remote = keyViews(
      peer.dp.host.dma,
      peer.dp.host.objects,
      rkey,
      raddr,
      local.len,
      write ? 'rw' : 'rr',
      peer.qp.data.pd,
      peer.dp.host.dirty,
    );
    if (isKeyFault(remote)) return { syndrome: remote.syndrome };
    const buf = Buffer.allocUnsafe(local.len);
    gather(write ? local.views : remote, buf, 0);
    scatterFrom(write ? remote : local.views, buf, 0);
    return local.len;
  }

  /** reach: the responder, within retry_count + 1 attempts, or undefined. */
  private reach(qp: FwObject<QpData>): Peer | undefined {
    const port = this.dp.port(qp.data.port);
    for (let attempt = 0; attempt <= qp.data.retryCount; attempt++) {
      if (!port?.operUp || !port.wire) continue;
      const end = port.wire.peer();
      if (!end.connected) continue;
      const dp = end.port.endpoint as unknown as Datapath;
      if (!dp.alive) continue;
      const rqp = dp.host.objects.get<QpData>('QP', qp.data.remoteQpn);
      const st = rqp ? Number(rqp.context.state) : -1;
      if (!rqp || (st !== QpState.RTR && st !== QpState.RTS)) continue;
      if (port.wire.lose()) continue;
      return { dp, qp: rqp };
    }
    return undefined;
  }

  /** send: deliver a SEND's payload into the responder's next receive WQE. */
  private send(peer: Peer, views: readonly Buffer[], len: number): number | { syndrome: number } {
    const r = peer.qp;
    const d = r.data;
    const mem = resolveRing(peer.dp.host.dma, d.ring);
    if (!mem || (d.rqCc & 0xffff) === (mem.dbr.readUInt32BE(0) & 0xffff)) {
      return { syndrome: CqeSyndrome.RNR_RETRY_EXC_ERR };
    }
    const wqeCounter = d.rqCc & 0xffff;
    const base = (d.rqCc & ((1 << d.logRqSize) - 1)) * d.rqStride;
    d.rqCc++;
    const dst = recvWqeViews(peer.dp.host, mem.ring, base, d.rqStride, d.pd, false);
    if (isKeyFault(dst) || dst.len < len) {
      const fault = isKeyFault(dst) ? dst.syndrome : CqeSyndrome.LOCAL_LENGTH_ERR;
      peer.dp.cqes.complete(d.cqnRcv, {
        opcode: CqeOpcode.RESP_ERR,
        qpn: r.id,
        wqeCounter,
        byteCnt: 0,
        syndrome: fault,
      });
      peer.dp.rc.toError(r);
      return {
        syndrome:
          fault === CqeSyndrome.LOCAL_LENGTH_ERR
            ? CqeSyndrome.REMOTE_INVAL_REQ_ERR
            : CqeSyndrome.REMOTE_OP_ERR,
      };
    }
    const buf = Buffer.allocUnsafe(len);
    gather(views, buf, 0);
    scatterFrom(dst.views, buf, 0);
    peer.dp.cqes.complete(d.cqnRcv, {
      opcode: CqeOpcode.RESP_SEND,
      qpn: r.id,
      wqeCounter,
      byteCnt: len,
    });
    return len;
  }
}

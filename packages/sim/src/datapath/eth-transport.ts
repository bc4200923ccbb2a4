/**
 * EthTransport: the simulated device's Ethernet send and receive paths.
 *
 * ETHERNET SEND
 * An SQ WQE is ctrl + eth segment (optional inline L2 header:
 * `inline_hdr_sz` bytes from `inline_hdr_start` on) + data segments
 * (lkey + virtual address, see key-access.ts). The frame leaves through
 * the port of the SQ's TIS (`lag_tx_port_affinity`, 0 = port 1). A port
 * that is down drops it (`if_out_discards`); the WQE still completes, as
 * on hardware. A CQE is written when the WQE asks for one (CQ_UPDATE).
 *
 * ETHERNET RECEIVE (minimal steering)
 * A frame from the wire is checked in this order, each failure counted on
 * the port (PPCNT) and the frame dropped:
 *   corrupted on the wire             a_frame_check_sequence_errors
 *   longer than the port's MTU - 4    a_frame_too_long_errors
 *   (then counted a_frames_received_ok / a_octets_received_ok)
 *   vport admin DOWN, MAC not ours, no TIR, TIR's RQ not RDY, no RQ WQE
 *   posted, RQ's CQ full, buffers too small   if_in_discards
 * Steering: the frame goes to the function's RX virtqueue when one is RDY
 * (virtq-transport.ts), else to its first (lowest-numbered) TIR and its
 * `inline_rqn`. Delivered frames count in the vport's
 * received_eth_* counters. So for a wire from A to B:
 *   posted on A = A.a_frames_transmitted_ok + A.if_out_discards
 *   A.a_frames_transmitted_ok = B.a_frames_received_ok
 *        + B.a_frame_check_sequence_errors + B.a_frame_too_long_errors
 *   B.a_frames_received_ok = B.if_in_discards + B vport received packets
 *
 * Owns: the Ethernet semantics. Never: rings, keys, ports or counters
 * (borrowed from the data path).
 */
import {
  CqeOpcode,
  CqeSyndrome,
  QueueState,
  SEND_WQEBB_BYTES,
  VportState,
  WQE_CTRL_CQ_UPDATE,
  WQE_SEG_BYTES,
  WqeCtrlSeg,
  WqeEthSeg,
  WqeOpcode,
} from '@auxctl/prm';
import type { FwObject } from '../object-table.js';
import { bump } from './counter-store.js';
import type { Datapath } from './datapath.js';
import { gather, isKeyFault, recvWqeViews, scatterFrom, sgeViews } from './key-access.js';
import { frameClass } from './nic-vport.js';
import { type RqData, type SqData, type TirData, wqeBlocks } from './queue-data.js';
import { resolveRing } from './ring-memory.js';

/** EthTransport: see the module header. */
export class EthTransport {
  constructor(private readonly dp: Datapath) {}

  /** transmit: send `frame` out of port `n`, counting it (see the module header). */
  transmit(n: number, frame: Buffer): void {
    // Embedded switch: a frame for a function on the same port never leaves it.
    if (this.dp.eswitch?.transmit(this.dp, n, frame)) {
      this.dp.vport.count(`transmitted_eth_${frameClass(frame)}`, frame.length);
      return;
    }
    const port = this.dp.port(n);
    const c = this.dp.counters(n);
    if (!port?.operUp || !port.wire) {
      bump(c, 'if_out_discards');
      return;
    }
    const cls = frameClass(frame);
    bump(c, 'a_frames_transmitted_ok');
    bump(c, 'a_octets_transmitted_ok', frame.length);
    if (cls === 'broadcast') bump(c, 'a_broadcast_frames_xmitted_ok');
    if (cls === 'multicast') bump(c, 'a_multicast_frames_xmitted_ok');
    this.dp.vport.count(`transmitted_eth_${cls}`, frame.length);
    port.wire.transmit(frame);
  }

  /** receive: a frame arrived on port `n` (see the module header). */
  receive(n: number, frame: Buffer, intact: boolean): void {
    if (this.dp.host.halted() || this.dp.quiesce.holdFrame(n, frame, intact)) return;
    const port = this.dp.port(n);
    const c = this.dp.counters(n);
    if (!port) return;
    if (!intact) {
      bump(c, 'a_frame_check_sequence_errors');
      return;
    }
    if (frame.length + 4 > port.operMtu) {
      bump(c, 'a_frame_too_long_errors');
      return;
    }
    const cls = frameClass(frame);
    bump(c, 'a_frames_received_ok');
    bump(c, 'a_octets_received_ok', frame.length);
    if (cls === 'broadcast') bump(c, 'a_broadcast_frames_received_ok');
    if (cls === 'multicast') bump(c, 'a_multicast_frames_received_ok');
    if (this.deliver(frame)) this.dp.vport.count(`received_eth_${cls}`, frame.length);
    else bump(c, 'if_in_discards');
  }

  private deliver(frame: Buffer): boolean {
    if (this.dp.vport.adminState === VportState.DOWN) return false;
    if (frame.length >= 6 && !this.dp.vport.accepts(frame.subarray(0, 6))) return false;
    const virtq = this.dp.virtq.receive(frame);
    if (virtq !== undefined) return virtq;
    const rq = this.steer();
    if (!rq || Number(rq.context.state) !== QueueState.RDY) return false;
    const d = rq.data;
    const mem = resolveRing(this.dp.host.dma, d.ring);
    if (!mem) return false;
    const pc = mem.dbr.readUInt32BE(0) & 0xffff;
    if ((d.cc & 0xffff) === pc) return false;
    if (!this.dp.cqes.hasRoom(d.cqn)) return false;
    const base = (d.cc & ((1 << d.logSize) - 1)) * d.stride;
    const wqeCounter = d.cc & 0xffff;
    const dst = recvWqeViews(this.dp.host, mem.ring, base, d.stride, d.pd, true);
    d.cc++;
    if (isKeyFault(dst) || dst.len < frame.length) {
      this.dp.cqes.complete(d.cqn, {
        opcode: CqeOpcode.RESP_ERR,
        qpn: rq.id,
        wqeCounter,
        byteCnt: 0,
        syndrome: isKeyFault(dst) ? dst.syndrome : CqeSyndrome.LOCAL_LENGTH_ERR,
      });
      return false;
    }
    scatterFrom(dst.views, frame, 0);
    this.dp.cqes.complete(d.cqn, {
      opcode: CqeOpcode.RESP_SEND,
      qpn: rq.id,
      wqeCounter,
      byteCnt: frame.length,
    });
    return true;
  }

  /** steer: the RQ of the function's first (lowest-numbered) TIR. */
  private steer(): FwObject<RqData> | undefined {
    const { objects } = this.dp.host;
    let first: FwObject<TirData> | undefined;
    for (const tir of objects.objects<TirData>('TIR')) {
      if (!first || tir.id < first.id) first = tir;
    }
    return first ? objects.get<RqData>('RQ', first.data.rqn) : undefined;
  }

  /** processSq: execute an SQ's WQEs up to its producer counter. */
  processSq(sqn: number): void {
    const sq = this.dp.host.objects.get<SqData>('SQ', sqn);
    if (!sq || Number(sq.context.state) !== QueueState.RDY) return;
    const d = sq.data;
    const mem = resolveRing(this.dp.host.dma, d.ring);
    if (!mem) return;
    const { ring } = mem;
    const pc = mem.dbr.readUInt32BE(4) & 0xffff;
    const mask = (1 << d.logSize) - 1;
    while ((d.cc & 0xffff) !== pc) {
      const base = (d.cc & mask) * SEND_WQEBB_BYTES;
      const seg = (k: number) => (base + k * WQE_SEG_BYTES) % d.ring.bytes;
      const opcode = WqeCtrlSeg.get(ring, 'opcode', base);
      const ds = WqeCtrlSeg.get(ring, 'ds', base);
      const wqeCounter = WqeCtrlSeg.get(ring, 'wqe_index', base);
      const signaled = (WqeCtrlSeg.get(ring, 'fm_ce_se', base) & WQE_CTRL_CQ_UPDATE) !== 0;
      d.cc += wqeBlocks(ds);
      let bytes = 0;
      if (opcode === WqeOpcode.SEND && ds >= 2) {
        const frame = this.buildFrame(ring, seg, ds, d.pd);
        if (typeof frame === 'number') {
          this.sqError(sq.id, d, wqeCounter, opcode, frame);
          sq.context.state = QueueState.ERR;
          return;
        }
        bytes = frame.length;
        this.transmit(d.port, frame);
      } else if (opcode !== WqeOpcode.NOP) {
        this.sqError(sq.id, d, wqeCounter, opcode, CqeSyndrome.LOCAL_QP_OP_ERR);
        sq.context.state = QueueState.ERR;
        return;
      }
      if (signaled) {
        this.dp.cqes.complete(d.cqn, {
          opcode: CqeOpcode.REQ,
          qpn: sq.id,
          wqeCounter,
          byteCnt: bytes,
        });
      }
    }
  }

  private sqError(sqn: number, d: SqData, wqeCounter: number, op: number, syndrome: number): void {
    this.dp.cqes.complete(d.cqn, {
      opcode: CqeOpcode.REQ_ERR,
      qpn: sqn,
      wqeCounter,
      byteCnt: 0,
      syndrome,
      wqeOpcode: op,
    });
  }

  /** buildFrame: the frame an Ethernet send WQE describes (segment k at `seg(k)`), or a CQE syndrome. */
  private buildFrame(
    ring: Buffer,
    seg: (k: number) => number,
    ds: number,
    pd: number,
  ): Buffer | number {
    const eth = seg(1);
    const hdr = WqeEthSeg.get(ring, 'inline_hdr_sz', eth);
    const inlineSegs = hdr <= 2 ? 0 : Math.ceil((hdr - 2) / WQE_SEG_BYTES);
    if (2 + inlineSegs > ds) return CqeSyndrome.LOCAL_LENGTH_ERR;
    const data = sgeViews(this.dp.host, ring, seg, 2 + inlineSegs, ds, 'lr', pd);
    if (isKeyFault(data)) return data.syndrome;
    const frame = Buffer.allocUnsafe(hdr + data.len);
    let pos = 0;
    if (hdr > 0) {
      const start = eth + WqeEthSeg.byteOffset('inline_hdr_start');
      pos += ring.copy(frame, 0, start, start + Math.min(2, hdr));
      for (let k = 0; k < inlineSegs; k++) {
        const at = seg(2 + k);
        const n = Math.min(WQE_SEG_BYTES, hdr - pos);
        pos += ring.copy(frame, pos, at, at + n);
      }
    }
    gather(data.views, frame, pos);
    return frame;
  }
}

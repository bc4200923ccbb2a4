/**
 * WQE format: building and reading work queue entries in a ring, shared
 * by every driver (the device side reads them with the same layouts).
 *
 * A send WQE at WQEBB index `index` of a send ring is: ctrl segment
 * (opcode, `wqe_index` = index & 0xffff, queue number, `ds`, CQ_UPDATE when
 * signaled), then an Ethernet segment (SQs; an optional inline L2 header
 * starts in it and continues in the next segments), or a remote-address
 * segment (RDMA WRITE / READ), then one data segment per SGE. Segments
 * wrap at the end of the ring, as the device reads them. A receive WQE is
 * its SGEs, ended by an INVALID_LKEY segment when it has room for more, in
 * a slot of a power of two bytes (`recvWqeStride`).
 *
 * Owns: encoding, decoding and WQE sizes only.
 */
import {
  INVALID_LKEY,
  SEND_WQEBB_BYTES,
  WQE_CTRL_CQ_UPDATE,
  WQE_SEG_BYTES,
  WqeCtrlSeg,
  WqeDataSeg,
  WqeEthSeg,
  WqeOpcode,
  WqeRaddrSeg,
} from '@auxctl/prm';

/** Sge: a scatter/gather element: `length` bytes at virtual address `addr` through key `lkey`. */
export interface Sge {
  readonly addr: bigint;
  readonly lkey: number;
  readonly length: number;
}

/** SendWqe: what a send WQE says. */
export interface SendWqe {
  /** WqeOpcode: SEND, RDMA_WRITE, RDMA_READ or NOP. */
  readonly opcode: number;
  readonly sges: readonly Sge[];
  /** Ask for a CQE (default true). */
  readonly signaled?: boolean;
  /** Ethernet SQ: an Ethernet segment is present; `inlineHeader` bytes are carried in the WQE. */
  readonly eth?: boolean;
  readonly inlineHeader?: Buffer;
  /** RDMA WRITE / READ: the remote address and key. */
  readonly raddr?: bigint;
  readonly rkey?: number;
}

/** Segments per send WQE basic block. */
const SEGS_PER_WQEBB = SEND_WQEBB_BYTES / WQE_SEG_BYTES;
/** log2 of one segment: the smallest receive WQE stride. */
const SEG_SHIFT = Math.log2(WQE_SEG_BYTES);
/** The inline header of an Ethernet WQE that carries none. */
const NO_INLINE_HEADER = Buffer.alloc(0);

/** sendWqeDs: the 16-byte segments a send WQE needs. */
export function sendWqeDs(w: SendWqe): number {
  const hdr = w.inlineHeader?.length ?? 0;
  const eth = w.eth ? 1 + (hdr > 2 ? Math.ceil((hdr - 2) / WQE_SEG_BYTES) : 0) : 0;
  const raddr = w.opcode === WqeOpcode.RDMA_WRITE || w.opcode === WqeOpcode.RDMA_READ ? 1 : 0;
  return 1 + eth + raddr + w.sges.length;
}

/** sendWqeBlocks: the WQEBBs a send WQE occupies; `ds`: its sendWqeDs, when already known. */
export function sendWqeBlocks(w: SendWqe, ds = sendWqeDs(w)): number {
  return Math.ceil(ds / SEGS_PER_WQEBB);
}

/**
 * writeSendWqe: write `w` at WQEBB `index` of the send ring `ring` (its
 * bytes are the whole send queue) for queue `qpn`; returns the WQEBBs used.
 * `ds`: the WQE's sendWqeDs, when the caller already has it.
 */
export function writeSendWqe(
  ring: Buffer,
  index: number,
  qpn: number,
  w: SendWqe,
  ds = sendWqeDs(w),
): number {
  const start = (index * SEND_WQEBB_BYTES) % ring.length;
  const seg = (k: number) => (start + k * WQE_SEG_BYTES) % ring.length;
  const blocks = sendWqeBlocks(w, ds);
  for (let k = 0; k < blocks * SEGS_PER_WQEBB; k++) ring.fill(0, seg(k), seg(k) + WQE_SEG_BYTES);
  WqeCtrlSeg.write(
    ring,
    {
      opcode: w.opcode,
      wqe_index: index & 0xffff,
      qpn_sqn: qpn,
      ds,
      fm_ce_se: w.signaled === false ? 0 : WQE_CTRL_CQ_UPDATE,
    },
    start,
  );
  let k = 1;
  if (w.eth) {
    const hdr = w.inlineHeader ?? NO_INLINE_HEADER;
    const eth = seg(k++);
    WqeEthSeg.set(ring, 'inline_hdr_sz', hdr.length, eth);
    hdr.copy(ring, eth + WqeEthSeg.byteOffset('inline_hdr_start'), 0, Math.min(2, hdr.length));
    for (let at = 2; at < hdr.length; at += WQE_SEG_BYTES) {
      hdr.copy(ring, seg(k++), at, Math.min(hdr.length, at + WQE_SEG_BYTES));
    }
  }
  if (w.opcode === WqeOpcode.RDMA_WRITE || w.opcode === WqeOpcode.RDMA_READ) {
    const r = seg(k++);
    WqeRaddrSeg.set64(ring, 'raddr', w.raddr ?? 0n, r);
    WqeRaddrSeg.set(ring, 'rkey', w.rkey ?? 0, r);
  }
  for (const s of w.sges) {
    const d = seg(k++);
    WqeDataSeg.set(ring, 'byte_count', s.length, d);
    WqeDataSeg.set(ring, 'lkey', s.lkey, d);
    WqeDataSeg.set64(ring, 'addr', s.addr, d);
  }
  return blocks;
}

/** ParsedSendWqe: a send WQE read back. */
export interface ParsedSendWqe extends Required<Omit<SendWqe, 'raddr' | 'rkey'>> {
  readonly wqeIndex: number;
  readonly qpn: number;
  readonly raddr?: bigint;
  readonly rkey?: number;
}

/** readSendWqe: decode the send WQE at WQEBB `index`; `eth` says whether the queue is an SQ. */
export function readSendWqe(ring: Buffer, index: number, eth: boolean): ParsedSendWqe {
  const start = (index * SEND_WQEBB_BYTES) % ring.length;
  const seg = (k: number) => (start + k * WQE_SEG_BYTES) % ring.length;
  const c = WqeCtrlSeg.decode(ring, start);
  let k = 1;
  let inlineHeader = Buffer.alloc(0);
  if (eth) {
    const e = seg(k++);
    const n = WqeEthSeg.get(ring, 'inline_hdr_sz', e);
    inlineHeader = Buffer.alloc(n);
    const first = e + WqeEthSeg.byteOffset('inline_hdr_start');
    ring.copy(inlineHeader, 0, first, first + Math.min(2, n));
    for (let at = 2; at < n; at += WQE_SEG_BYTES) {
      const s = seg(k++);
      ring.copy(inlineHeader, at, s, s + Math.min(WQE_SEG_BYTES, n - at));
    }
  }
  let raddr: bigint | undefined;
  let rkey: number | undefined;
  if (c.opcode === WqeOpcode.RDMA_WRITE || c.opcode === WqeOpcode.RDMA_READ) {
    const r = seg(k++);
    raddr = WqeRaddrSeg.get64(ring, 'raddr', r);
    rkey = WqeRaddrSeg.get(ring, 'rkey', r);
  }
  const sges: Sge[] = [];
  for (; k < c.ds; k++) {
    const d = seg(k);
    sges.push({
      length: WqeDataSeg.get(ring, 'byte_count', d),
      lkey: WqeDataSeg.get(ring, 'lkey', d),
      addr: WqeDataSeg.get64(ring, 'addr', d),
    });
  }
  return {
    opcode: c.opcode,
    wqeIndex: c.wqe_index,
    qpn: c.qpn_sqn,
    sges,
    signaled: (c.fm_ce_se & WQE_CTRL_CQ_UPDATE) !== 0,
    eth,
    inlineHeader,
    ...(raddr !== undefined && { raddr, rkey }),
  };
}

/** RecvWqeStride: a receive WQE slot of `bytes` = 2^`log` bytes. */
export interface RecvWqeStride {
  readonly log: number;
  readonly bytes: number;
}

/** recvWqeStride: the smallest power-of-two receive WQE holding `maxSge` data segments (at least one). */
export function recvWqeStride(maxSge: number): RecvWqeStride {
  const log = Math.max(SEG_SHIFT, Math.ceil(Math.log2(WQE_SEG_BYTES * maxSge)));
  return { log, bytes: 1 << log };
}

/** writeRecvWqe: write a receive WQE of `sges` at byte `base` (a `stride`-byte slot). */
export function writeRecvWqe(
  ring: Buffer,
  base: number,
  stride: number,
  sges: readonly Sge[],
): void {
  const slots = stride / WQE_SEG_BYTES;
  sges.forEach((s, i) => {
    const d = base + i * WQE_SEG_BYTES;
    WqeDataSeg.set(ring, 'byte_count', s.length, d);
    WqeDataSeg.set(ring, 'lkey', s.lkey, d);
    WqeDataSeg.set64(ring, 'addr', s.addr, d);
  });
  if (sges.length < slots) {
    const end = base + sges.length * WQE_SEG_BYTES;
    ring.fill(0, end, end + WQE_SEG_BYTES);
    WqeDataSeg.set(ring, 'lkey', INVALID_LKEY, end);
  }
}

/** readRecvWqe: the SGEs of the receive WQE at byte `base`. */
export function readRecvWqe(ring: Buffer, base: number, stride: number): Sge[] {
  const out: Sge[] = [];
  for (let at = base; at < base + stride; at += WQE_SEG_BYTES) {
    const lkey = WqeDataSeg.get(ring, 'lkey', at);
    if (lkey === INVALID_LKEY) break;
    out.push({
      length: WqeDataSeg.get(ring, 'byte_count', at),
      lkey,
      addr: WqeDataSeg.get64(ring, 'addr', at),
    });
  }
  return out;
}

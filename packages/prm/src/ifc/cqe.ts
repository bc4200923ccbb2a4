/**
 * CQE parsing: what software reads from a 64-byte completion (`mlx5_cqe64`
 * or, for REQ_ERR / RESP_ERR, `mlx5_err_cqe`) and the owner-bit rule that
 * says whether the entry at consumer index `ci` is new.
 *
 * Owner bit: the device writes `cqeOwner(producer, log_size)`; the entry at
 * `ci` belongs to software when its owner bit equals `cqeOwner(ci, log_size)`
 * and its opcode is not INVALID (how software initialises the ring). Both
 * sides take the rule from here.
 *
 * Owns: decoding and the owner-bit rule. Never: writes a ring.
 */
import { CQE_BYTES, CQE_OWNER_MASK, Cqe64, CqeOpcode, ErrCqe } from './wqe.js';

/** Cqe: one completion as drivers see it. */
export interface Cqe {
  /** CqeOpcode (REQ, RESP_SEND, REQ_ERR, RESP_ERR, ...). */
  readonly opcode: number;
  readonly error: boolean;
  /** The QP / SQ / RQ number the completion belongs to. */
  readonly qpn: number;
  /** The WQE's index (send: its first WQEBB; receive: the WQE counter). */
  readonly wqeCounter: number;
  readonly byteCnt: number;
  /** Error CQEs: CqeSyndrome and the failed WQE's opcode. */
  readonly syndrome?: number;
  readonly wqeOpcode?: number;
}

/** cqeOwner: the owner bit a valid entry at consumer index `ci` carries. */
export function cqeOwner(ci: number, logSize: number): number {
  return (ci >>> logSize) & 1;
}

/** cqeReady: whether the entry at consumer index `ci` is a new completion. */
export function cqeReady(ring: Buffer, ci: number, logSize: number): boolean {
  const base = (ci & ((1 << logSize) - 1)) * CQE_BYTES;
  const opOwn = Cqe64.get(ring, 'op_own', base);
  return opOwn >>> 4 !== CqeOpcode.INVALID && (opOwn & CQE_OWNER_MASK) === cqeOwner(ci, logSize);
}

/** parseCqe: decode the CQE at byte `base` of `ring`. */
export function parseCqe(ring: Buffer, base: number): Cqe {
  const opcode = Cqe64.get(ring, 'op_own', base) >>> 4;
  if (opcode === CqeOpcode.REQ_ERR || opcode === CqeOpcode.RESP_ERR) {
    const sq = ErrCqe.get(ring, 's_wqe_opcode_qpn', base);
    return {
      opcode,
      error: true,
      qpn: sq & 0xff_ffff,
      wqeCounter: ErrCqe.get(ring, 'wqe_counter', base),
      byteCnt: 0,
      syndrome: ErrCqe.get(ring, 'syndrome', base),
      wqeOpcode: sq >>> 24,
    };
  }
  return {
    opcode,
    error: false,
    qpn: Cqe64.get(ring, 'sop_drop_qpn', base) & 0xff_ffff,
    wqeCounter: Cqe64.get(ring, 'wqe_counter', base),
    byteCnt: Cqe64.get(ring, 'byte_cnt', base),
  };
}

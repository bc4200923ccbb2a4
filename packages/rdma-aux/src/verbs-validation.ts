/**
 * Verbs argument checks: every value a caller hands to the verbs API
 * (MR access flags, QP capabilities, work requests, QP attributes) is
 * checked here before anything reaches the device, and comes back
 * normalised (defaults filled in). Bad input is AuxError EINVAL with a
 * message that says which field and what is allowed; nothing is posted
 * or created.
 *
 * Owns: the limits and defaults. Never: device state (the QP state rules
 * belong to firmware, see ib-qp.ts).
 */
import { AuxError } from '@auxctl/prm';
import type { WrId } from './work-completion.js';

/** MAX_WR / MAX_SGE: the most work requests a queue and SGEs a work request may ask for. */
export const MAX_WR = 1 << 15;
export const MAX_SGE = 16;
/** MAX_CQE: the most entries a CQ may ask for. */
export const MAX_CQE = 1 << 16;
/** MAX_MSG: the longest message (total SGE bytes) of one work request: 2 GiB - 1. */
export const MAX_MSG = 0x7fff_ffff;

/** IbAccess: what a memory region lets the device do (local read is always allowed). */
export interface IbAccess {
  readonly localWrite?: boolean;
  readonly remoteRead?: boolean;
  readonly remoteWrite?: boolean;
}

/** QpCap: queue sizes of a QP (`ibv_qp_cap`); SGE counts default to 1. */
export interface QpCap {
  readonly maxSendWr: number;
  readonly maxRecvWr: number;
  readonly maxSendSge?: number;
  readonly maxRecvSge?: number;
}

/** IbSge: `length` bytes at `addr` (an MR's address space) through `lkey`. */
export interface IbSge {
  readonly addr: bigint;
  readonly length: number;
  readonly lkey: number;
}

/** SendOpcode: the send work requests an RC QP carries. */
export type SendOpcode = 'SEND' | 'RDMA_WRITE' | 'RDMA_READ';

/** SendWr: a send work request; RDMA WRITE / READ need `remoteAddr` and `rkey`. */
export interface SendWr {
  readonly wrId?: WrId;
  readonly opcode: SendOpcode;
  readonly sge: readonly IbSge[];
  readonly remoteAddr?: bigint;
  readonly rkey?: number;
  /** Ask for a completion (default true). */
  readonly signaled?: boolean;
}

/** RecvWr: a receive work request. */
export interface RecvWr {
  readonly wrId?: WrId;
  readonly sge: readonly IbSge[];
}

/** PathMtu: the path MTU in bytes. */
export type PathMtu = 256 | 512 | 1024 | 2048 | 4096;

/** QpAttr: one QP state change (`ibv_modify_qp` with the attributes its target state takes). */
export type QpAttr =
  | {
      readonly state: 'INIT';
      readonly port?: number;
      /** What the peer may do to this QP's memory (responder rights). */
      readonly access?: { readonly remoteRead?: boolean; readonly remoteWrite?: boolean };
    }
  | {
      readonly state: 'RTR';
      readonly remoteQpn: number;
      readonly port?: number;
      readonly mtu?: PathMtu;
      readonly recvPsn?: number;
    }
  | {
      readonly state: 'RTS';
      /** Transport retries before RETRY_EXC_ERR (0..7, default 7). */
      readonly retryCount?: number;
      readonly rnrRetry?: number;
      readonly sendPsn?: number;
    }
  | { readonly state: 'ERR' }
  | { readonly state: 'RESET' };

/** IbQpState: the states a QP reports (`ibv_qp_state`). */
export type IbQpState = 'RESET' | 'INIT' | 'RTR' | 'RTS' | 'SQD' | 'SQE' | 'ERR';

const MTU_ENUM: Readonly<Record<number, number>> = { 256: 1, 512: 2, 1024: 3, 2048: 4, 4096: 5 };

function bad(what: string): AuxError {
  return new AuxError('EINVAL', what);
}

/** The fields each checked object may have. */
const ACCESS_KEYS: readonly string[] = ['localWrite', 'remoteRead', 'remoteWrite'];
const CAP_KEYS: readonly string[] = ['maxSendWr', 'maxRecvWr', 'maxSendSge', 'maxRecvSge'];
const SGE_KEYS: readonly string[] = ['addr', 'length', 'lkey'];
const SEND_WR_KEYS: readonly string[] = ['wrId', 'opcode', 'sge', 'remoteAddr', 'rkey', 'signaled'];
const RECV_WR_KEYS: readonly string[] = ['wrId', 'sge'];
const INIT_KEYS: readonly string[] = ['state', 'port', 'access'];
const INIT_ACCESS_KEYS: readonly string[] = ['remoteRead', 'remoteWrite'];
const RTR_KEYS: readonly string[] = ['state', 'remoteQpn', 'port', 'mtu', 'recvPsn'];
const RTS_KEYS: readonly string[] = ['state', 'retryCount', 'rnrRetry', 'sendPsn'];
const STATE_KEYS: readonly string[] = ['state'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** strayKey: a field of `v` not in `keys`, or undefined when there is none. */
function strayKey(v: object, keys: readonly string[]): string | undefined {
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) return k;
  }
  return undefined;
}

function record(v: unknown, what: string, keys: readonly string[]): Record<string, unknown> {
  if (!isObject(v)) throw bad(`${what} must be an object`);
  const k = strayKey(v, keys);
  if (k !== undefined) throw bad(`${what}: unknown field ${k} (allowed: ${keys.join(', ')})`);
  return v;
}

function flag(v: unknown, what: string): boolean {
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw bad(`${what} must be a boolean`);
  return v;
}

function isInt(v: unknown, min: number, max: number): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
}

function int(v: unknown, what: string, min: number, max: number, dflt?: number): number {
  if (v === undefined && dflt !== undefined) return dflt;
  if (!isInt(v, min, max)) throw bad(`${what} must be an integer ${min}..${max}`);
  return v;
}

function isU64(v: unknown): v is bigint {
  return typeof v === 'bigint' && v >= 0n && v < 1n << 64n;
}

function u64(v: unknown, what: string): bigint {
  if (!isU64(v)) throw bad(`${what} must be a bigint 0..2^64-1`);
  return v;
}

/** checkAccess: normalised MR access flags; remote write needs local write, as in verbs. */
export function checkAccess(a: unknown): Required<IbAccess> {
  const r = record(a ?? {}, 'access', ACCESS_KEYS);
  const out = {
    localWrite: flag(r.localWrite, 'access.localWrite'),
    remoteRead: flag(r.remoteRead, 'access.remoteRead'),
    remoteWrite: flag(r.remoteWrite, 'access.remoteWrite'),
  };
  if (out.remoteWrite && !out.localWrite) {
    throw bad(
      'access.remoteWrite needs access.localWrite too (a remote write is a write to local memory)',
    );
  }
  return out;
}

/** checkCqe: a CQ size 1..MAX_CQE. */
export function checkCqe(n: unknown): number {
  return int(n, 'cqe', 1, MAX_CQE);
}

/** CheckedCap: QP capabilities with defaults filled in. */
export type CheckedCap = Required<QpCap>;

/** checkQpCap: normalised QP capabilities. */
export function checkQpCap(c: unknown): CheckedCap {
  const r = record(c, 'cap', CAP_KEYS);
  return {
    maxSendWr: int(r.maxSendWr, 'cap.maxSendWr', 1, MAX_WR),
    maxRecvWr: int(r.maxRecvWr, 'cap.maxRecvWr', 1, MAX_WR),
    maxSendSge: int(r.maxSendSge, 'cap.maxSendSge', 1, MAX_SGE, 1),
    maxRecvSge: int(r.maxRecvSge, 'cap.maxRecvSge', 1, MAX_SGE, 1),
  };
}

function wrId(v: unknown): WrId {
  if (v === undefined) return 0;
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'bigint' && v >= 0n && v < 1n << 64n) return v;
  throw bad('wrId must be a non-negative safe integer or a bigint below 2^64');
}

/**
 * checkSge: entry `i` of a work request's SGE list. The fast path checks
 * without building field paths; only when something is wrong are the checks
 * redone with the paths, which throws the first failure's message.
 */
function checkSge(s: unknown, what: string, i: number): IbSge {
  if (isObject(s) && strayKey(s, SGE_KEYS) === undefined) {
    const { addr, length, lkey } = s;
    if (isU64(addr) && isInt(length, 0, MAX_MSG) && isInt(lkey, 0, 0xffff_ffff)) {
      return { addr, length, lkey };
    }
  }
  const at = `${what}.sge[${i}]`;
  const r = record(s, at, SGE_KEYS);
  return {
    addr: u64(r.addr, `${at}.addr`),
    length: int(r.length, `${at}.length`, 0, MAX_MSG),
    lkey: int(r.lkey, `${at}.lkey`, 0, 0xffff_ffff),
  };
}

function sgList(v: unknown, max: number, what: string): IbSge[] {
  if (!Array.isArray(v)) throw bad(`${what}.sge must be an array of { addr, length, lkey }`);
  if (v.length > max) throw bad(`${what}.sge has ${v.length} entries; the QP takes at most ${max}`);
  let total = 0;
  const out = v.map((s: unknown, i) => {
    const sge = checkSge(s, what, i);
    total += sge.length;
    return sge;
  });
  if (total > MAX_MSG)
    throw bad(`${what}: ${total} bytes in one work request; the limit is ${MAX_MSG}`);
  return out;
}

/** CheckedSendWr: a send work request with defaults filled in. */
export interface CheckedSendWr {
  readonly wrId: WrId;
  readonly opcode: SendOpcode;
  readonly sge: readonly IbSge[];
  readonly remoteAddr: bigint;
  readonly rkey: number;
  readonly signaled: boolean;
}

/** checkSendWr: a normalised send work request for a QP taking `maxSge` SGEs. */
export function checkSendWr(w: unknown, maxSge: number): CheckedSendWr {
  const r = record(w, 'send wr', SEND_WR_KEYS);
  const opcode = r.opcode;
  if (opcode !== 'SEND' && opcode !== 'RDMA_WRITE' && opcode !== 'RDMA_READ') {
    throw bad('send wr.opcode must be SEND, RDMA_WRITE or RDMA_READ');
  }
  const rdma = opcode !== 'SEND';
  return {
    wrId: wrId(r.wrId),
    opcode,
    sge: sgList(r.sge, maxSge, 'send wr'),
    remoteAddr: rdma ? u64(r.remoteAddr, 'send wr.remoteAddr') : 0n,
    rkey: rdma ? int(r.rkey, 'send wr.rkey', 0, 0xffff_ffff) : 0,
    signaled: r.signaled === undefined ? true : flag(r.signaled, 'send wr.signaled'),
  };
}

/** checkRecvWr: a normalised receive work request for a QP taking `maxSge` SGEs. */
export function checkRecvWr(w: unknown, maxSge: number): { wrId: WrId; sge: readonly IbSge[] } {
  const r = record(w, 'recv wr', RECV_WR_KEYS);
  return { wrId: wrId(r.wrId), sge: sgList(r.sge, maxSge, 'recv wr') };
}

/** CheckedQpAttr: a state change with the device's encodings (mtu as the IB enum). */
export type CheckedQpAttr =
  | { state: 'INIT'; port: number; remoteRead: boolean; remoteWrite: boolean }
  | { state: 'RTR'; remoteQpn: number; port: number; mtu: number; recvPsn: number }
  | { state: 'RTS'; retryCount: number; rnrRetry: number; sendPsn: number }
  | { state: 'ERR' }
  | { state: 'RESET' };

/** checkQpAttr: a normalised QP state change; ports are 1..255 (default 1). */
export function checkQpAttr(a: unknown): CheckedQpAttr {
  const state = (a as { state?: unknown } | null)?.state;
  switch (state) {
    case 'INIT': {
      const r = record(a, 'INIT attr', INIT_KEYS);
      const acc = record(r.access ?? {}, 'INIT attr.access', INIT_ACCESS_KEYS);
      return {
        state,
        port: int(r.port, 'INIT attr.port', 1, 255, 1),
        remoteRead: flag(acc.remoteRead, 'access.remoteRead'),
        remoteWrite: flag(acc.remoteWrite, 'access.remoteWrite'),
      };
    }
    case 'RTR': {
      const r = record(a, 'RTR attr', RTR_KEYS);
      const mtu = r.mtu === undefined ? 5 : MTU_ENUM[r.mtu as number];
      if (mtu === undefined) throw bad('RTR attr.mtu must be 256, 512, 1024, 2048 or 4096');
      return {
        state,
        remoteQpn: int(r.remoteQpn, 'RTR attr.remoteQpn', 1, 0xff_ffff),
        port: int(r.port, 'RTR attr.port', 0, 255, 0),
        mtu,
        recvPsn: int(r.recvPsn, 'RTR attr.recvPsn', 0, 0xff_ffff, 0),
      };
    }
    case 'RTS': {
      const r = record(a, 'RTS attr', RTS_KEYS);
      return {
        state,
        retryCount: int(r.retryCount, 'RTS attr.retryCount', 0, 7, 7),
        rnrRetry: int(r.rnrRetry, 'RTS attr.rnrRetry', 0, 7, 7),
        sendPsn: int(r.sendPsn, 'RTS attr.sendPsn', 0, 0xff_ffff, 0),
      };
    }
    case 'ERR':
    case 'RESET':
      record(a, `${state} attr`, STATE_KEYS);
      return { state };
    default:
      throw bad('attr.state must be INIT, RTR, RTS, ERR or RESET');
  }
}

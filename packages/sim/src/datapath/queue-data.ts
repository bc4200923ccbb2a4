/**
 * What the simulated firmware keeps of each data-path object beyond its
 * PRM context (`FwObject.data`): ring placement and the device-side
 * counters. Contexts (`FwObject.context`) hold the PRM fields the resource
 * dump and QUERY_* commands show, including the current `state`.
 *
 * Counters run free (never masked when stored); a ring index is
 * `counter & (entries - 1)`, a 16-bit wire counter `counter & 0xffff`.
 * They live here only: a context keeps its counter fields (`hw_counter`,
 * `producer_counter`, ...) at 0, in their place, and whoever shows a
 * context fills them in from `counterFields`. A CQ's `consumer_counter`
 * (the index of the last arm doorbell) is the exception: it is kept in the
 * context alone.
 *
 * Owns: the types, how the counters show in a context, and how far a send
 * WQE moves its queue's counter.
 */
import { SEND_WQEBB_BYTES, WQE_SEG_BYTES } from '@auxctl/prm';
import type { FwObjectType } from '../register-host.js';
import type { RingMemory } from './ring-memory.js';

/** Segments per send WQE basic block. */
const SEGS_PER_WQEBB = SEND_WQEBB_BYTES / WQE_SEG_BYTES;

/** EqData: an event queue. */
export interface EqData {
  readonly ring: RingMemory;
  readonly logSize: number;
  /** Events the EQ takes (bit per EventType). */
  readonly bitmask: bigint;
  /** Producer (device) and consumer (driver, from the last EQ doorbell) counters. */
  pi: number;
  ci: number;
  armed: boolean;
  overruns: number;
}

/** CqArm: whether the next CQE raises a completion event. */
export type CqArm = 'none' | 'next' | 'solicited';

/** CqData: a completion queue. */
export interface CqData {
  readonly ring: RingMemory;
  readonly logSize: number;
  readonly eqn: number;
  pi: number;
  arm: CqArm;
  overruns: number;
}

/** SqData: an Ethernet send queue (64-byte WQEBBs). */
export interface SqData {
  readonly ring: RingMemory;
  readonly logSize: number;
  readonly cqn: number;
  readonly tisn: number;
  /** The port frames leave through (the TIS's, fixed when the SQ is created). */
  readonly port: number;
  readonly pd: number;
  /** WQEBBs consumed. */
  cc: number;
}

/** RqData: an Ethernet receive queue. */
export interface RqData {
  readonly ring: RingMemory;
  readonly logSize: number;
  readonly stride: number;
  readonly cqn: number;
  readonly pd: number;
  /** WQEs consumed. */
  cc: number;
}

/** TirData: a direct TIR. */
export interface TirData {
  readonly rqn: number;
}

/** TisData: a TIS (its port affinity, 0 = port 1). */
export interface TisData {
  readonly port: number;
}

/** QpData: an RC queue pair; the receive queue sits first in its ring, the send queue after it. */
export interface QpData {
  readonly ring: RingMemory;
  readonly logRqSize: number;
  readonly rqStride: number;
  readonly logSqSize: number;
  readonly sqOffset: number;
  readonly pd: number;
  readonly cqnSnd: number;
  readonly cqnRcv: number;
  /** Set by INIT2RTR / RTR2RTS. */
  remoteQpn: number;
  port: number;
  retryCount: number;
  /** Send WQEBBs and receive WQEs consumed. */
  sqCc: number;
  rqCc: number;
}

/** VirtqCounterData: a VIRTIO_Q_COUNTERS set (shared by the queues that name it). */
export interface VirtqCounterData {
  received_desc: number;
  completed_desc: number;
  error_cqes: number;
  bad_desc_errors: number;
  exceed_max_chain: number;
  invalid_buffer: number;
}

/**
 * VirtqData: a VIRTIO_NET_Q. Its addresses, size, key and event settings
 * are PRM fields of the context (MODIFY changes them there); here are the
 * device's ring positions and what the queue is tied to.
 */
export interface VirtqData {
  /** Next available-ring slot to take (`hw_available_index`). */
  availIdx: number;
  /** Next used-ring slot to fill (`hw_used_index`). */
  usedIdx: number;
  /** The port a TX queue's frames leave through (its TIS's). */
  readonly port: number;
  readonly counters: VirtqCounterData | undefined;
}

/** wqeBlocks: the WQEBBs a send WQE of `ds` segments moves its counter on (at least one). */
export function wqeBlocks(ds: number): number {
  return Math.max(1, Math.ceil(ds / SEGS_PER_WQEBB));
}

/** wqCounter: an SQ's or RQ's `hw_counter` (the low 32 bits of `cc`). */
export function wqCounter(d: SqData | RqData): number {
  return d.cc & 0xffff_ffff;
}

/**
 * counterFields: the counter fields of an object's context, from its data;
 * undefined for a type without counters (or an object without data).
 */
export function counterFields(
  type: FwObjectType,
  data: unknown,
): Readonly<Record<string, number>> | undefined {
  if (data === undefined) return undefined;
  switch (type) {
    case 'SQ':
    case 'RQ':
      return { hw_counter: wqCounter(data as SqData | RqData) };
    case 'QP': {
      const d = data as QpData;
      return { hw_sq_wqebb_counter: d.sqCc & 0xffff, hw_rq_counter: d.rqCc & 0xffff_ffff };
    }
    case 'CQ':
      return { producer_counter: (data as CqData).pi };
    case 'EQ': {
      const d = data as EqData;
      return { producer_counter: d.pi, consumer_counter: d.ci };
    }
    case 'VIRTIO_NET_Q': {
      const d = data as VirtqData;
      return { hw_available_index: d.availIdx & 0xffff, hw_used_index: d.usedIdx & 0xffff };
    }
    case 'VIRTIO_Q_COUNTERS':
      return { ...(data as VirtqCounterData) };
    default:
      return undefined;
  }
}

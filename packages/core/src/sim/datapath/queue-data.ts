/**
 * What the simulated firmware keeps of each data-path object beyond its
 * PRM context (`FwObject.data`): ring placement and the device-side
 * counters. Contexts (`FwObject.context`) hold the PRM fields the resource
 * dump and QUERY_* commands show, including the current `state`.
 *
 * Counters run free (never masked when stored); a ring index is
 * `counter & (entries - 1)`, a 16-bit wire counter `counter & 0xffff`.
 *
 * Owns: the types only.
 */
import type { RingMemory } from './ring-memory.js';

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

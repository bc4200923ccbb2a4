/**
 * RegisterHost: what the simulated firmware lends its register file.
 *
 * ACCESS_REG (0x805) carries a register id and the register's bytes; the
 * register file (`sim/registers/`) decodes them and acts. It never reaches
 * into the firmware's tables directly: everything it needs from the rest of
 * the device comes through this interface, so registers and commands can be
 * changed and tested apart.
 */
import type { DeviceIdentity } from '@auxctl/prm';
import type { SimPort } from './datapath/sim-port.js';

/** FwObjectType: kinds of objects in the firmware's object table. */
export type FwObjectType =
  | 'UCTX'
  | 'UMEM'
  | 'PD'
  | 'MKEY'
  | 'EQ'
  | 'CQ'
  | 'SQ'
  | 'RQ'
  | 'QP'
  | 'TIR'
  | 'TIS'
  | 'VIRTIO_NET_Q'
  | 'VIRTIO_Q_COUNTERS';

/** FwObjectView: a read-only look at one firmware object. */
export interface FwObjectView {
  readonly type: FwObjectType;
  /** The object's number as commands name it (uid, umem id, pdn, mkey index, qpn, ...). */
  readonly id: number;
  /** The uid that created it (0 = the kernel driver). */
  readonly uid: number;
  /** Type-specific context fields (e.g. QP `state`, `pd`, `cqn_snd`), by PRM name. */
  readonly context: Readonly<Record<string, number | bigint>>;
}

/** RegisterHost: the device as the register file sees it. */
export interface RegisterHost {
  readonly identity: DeviceIdentity;
  /** uctx capability bits of `uid`; uid 0 has every capability; undefined = no such uid. */
  uidCaps(uid: number): number | undefined;
  /** Size of the firmware's core dump in bytes (configurable, default 831,304). */
  crdumpSize(): number;
  /** How many fatal errors the firmware has seen; a new crash gives a new dump. */
  crashCount(): number;
  /** Firmware clock (ms) at the last crash, or at firmware start before any: the dump's timestamp. */
  crashTime(): number;
  /**
   * writeMkey: copy `data` into the memory `mkey` describes, at byte
   * `offset` from its start, on behalf of `uid` (which must own the mkey).
   * Throws FwError (BAD_RES / BAD_PARAM with the documented syndromes) on a
   * bad key, wrong owner or a range outside the key.
   */
  writeMkey(uid: number, mkey: number, offset: number, data: Buffer): void;
  /**
   * virtioQueues: whether this function runs VIRTIO_NET_Q objects for a
   * vdpa driver: it offers virtio emulation and is not the PF (vhca_id 0),
   * as Linux publishes vnet devices only off the PF. Its resource dump menu
   * then lists the VIRTIO_NET_Q segment.
   */
  virtioQueues(): boolean;
  /** objects: every live object of the function, in creation order. */
  objects(): Iterable<FwObjectView>;
  /**
   * portCounters: the counter store of local port `port` (1-based), keyed by
   * PRM counter name (e.g. `a_frames_transmitted_ok`); absent names read 0.
   * Undefined for a port the device does not have.
   */
  portCounters(port: number): Map<string, bigint> | undefined;
  /** now: milliseconds, from the firmware's clock (tests may fake it). */
  now(): number;
  /** port: (optional) physical port `n` (1-based) for PAOS / PMTU; undefined when absent. */
  port?(n: number): SimPort | undefined;
  /** setPortAdmin: (optional) PAOS admin status of a port; the link follows. */
  setPortAdmin?(port: SimPort, up: boolean): void;
}

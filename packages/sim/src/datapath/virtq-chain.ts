/**
 * Virtqueue chain walking: the checks the device makes on a split ring
 * before it moves a byte, as pure functions over a descriptor reader, so
 * they can be tested (and fuzzed) apart from memory and queues.
 *
 * A malformed ring is the driver's (or guest's) bug and must never crash
 * the device: every check answers with a VirtqError the queue is failed
 * with, never an exception.
 *
 *   available idx ahead of the device by more than the queue size  BAD_INDEX
 *   a head or `next` index >= queue size                           BAD_INDEX
 *   a chain longer than the queue (a loop, or simply too long)     CHAIN_TOO_LONG
 *   an INDIRECT descriptor (not offered)                           UNSUPPORTED_DESC
 *   a descriptor the device cannot read (table not mapped)         BAD_ADDRESS
 *   on TX a device-writable descriptor; on RX a read-only one      BAD_WRITE_FLAG
 *
 * Owns: the rules. Never: memory access, queue state or counters.
 */
import { VirtqError, type VringDesc, VringDescF } from '@auxctl/prm';

/** ChainDirection: a TX queue reads buffers (driver -> device), an RX queue writes them. */
export type ChainDirection = 'tx' | 'rx';

/** WalkedChain: a well-formed chain, in order, and its total byte length. */
export interface WalkedChain {
  readonly descs: readonly VringDesc[];
  readonly bytes: number;
}

/** ChainError: why a chain (or the available ring) is malformed. */
export interface ChainError {
  readonly error: number;
  readonly reason: string;
}

/** isChainError: narrows a walkChain / pendingAvail result. */
export function isChainError(r: object | number): r is ChainError {
  return typeof r === 'object' && 'error' in r;
}

/**
 * pendingAvail: how many new heads the driver made available (`availIdx -
 * lastAvail` modulo 2^16), or BAD_INDEX when that is more than `size`.
 */
export function pendingAvail(
  availIdx: number,
  lastAvail: number,
  size: number,
): number | ChainError {
  const n = (availIdx - lastAvail) & 0xffff;
  if (n > size) {
    return {
      error: VirtqError.BAD_INDEX,
      reason: `available idx ${availIdx} is ${n} ahead of ${lastAvail}; the queue holds ${size}`,
    };
  }
  return n;
}

/**
 * walkChain: the chain starting at `head` of a queue of `size` entries;
 * `readDesc(i)` reads descriptor i (undefined: not reachable).
 */
export function walkChain(
  head: number,
  size: number,
  dir: ChainDirection,
  readDesc: (i: number) => VringDesc | undefined,
): WalkedChain | ChainError {
  const descs: VringDesc[] = [];
  let bytes = 0;
  let i = head;
  for (;;) {
    if (i >= size) {
      return { error: VirtqError.BAD_INDEX, reason: `descriptor index ${i} >= queue size ${size}` };
    }
    if (descs.length === size) {
      return { error: VirtqError.CHAIN_TOO_LONG, reason: `chain from ${head} exceeds ${size}` };
    }
    const d = readDesc(i);
    if (!d) return { error: VirtqError.BAD_ADDRESS, reason: `descriptor ${i} is not reachable` };
    if (d.flags & VringDescF.INDIRECT) {
      return { error: VirtqError.UNSUPPORTED_DESC, reason: `descriptor ${i} is INDIRECT` };
    }
    const writable = (d.flags & VringDescF.WRITE) !== 0;
    if (writable !== (dir === 'rx')) {
      return {
        error: VirtqError.BAD_WRITE_FLAG,
        reason: `descriptor ${i} is ${writable ? 'device-writable on a TX' : 'read-only on an RX'} queue`,
      };
    }
    descs.push(d);
    bytes += d.len;
    if (!(d.flags & VringDescF.NEXT)) return { descs, bytes };
    i = d.next;
  }
}

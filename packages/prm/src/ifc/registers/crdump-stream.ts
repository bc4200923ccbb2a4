/**
 * Reading a CR_DUMP_TO_MEM core dump: (address, value) pairs.
 *
 * A dump is a run of big-endian {@link CrdumpPair}s in ascending address
 * order (format: `core-dump.ts`). These readers check that shape and pull
 * out what a tool wants first: how many pairs, the continuation cookie the
 * device should have returned, a value by address, and the header the
 * simulator keeps in the first 64 values. They never trust the bytes: an
 * address that does not ascend is EINVAL, and nothing reads past the end.
 *
 * A dump whose length is not a multiple of 8 ends in a cut pair (the
 * simulator's dumps of such sizes do; a real device writes whole pairs):
 * its address counts when at least 4 bytes of it are there.
 */
import { AuxError } from '../../errors.js';
import { CRDUMP_MAGIC, CRDUMP_PAIR_BYTES, CrdumpHeader, CrdumpPair } from './core-dump.js';

/** CrdumpSummary: the shape of a dump. */
export interface CrdumpSummary {
  /** Whole pairs. */
  readonly pairs: number;
  /** Bytes of a cut last pair (0..7). */
  readonly tailBytes: number;
  /** Address of the first pair; undefined for an empty dump. */
  readonly firstAddress: number | undefined;
  /** Address of the last pair (cut or whole); undefined for an empty dump. */
  readonly lastAddress: number | undefined;
  /** The cookie rule: the address after the last pair (last address + 4); 0 for an empty dump. */
  readonly nextAddress: number;
}

/**
 * scanCrdump: the shape of `data`; AuxError EINVAL at the first address
 * that is not greater than the one before it.
 */
export function scanCrdump(data: Buffer): CrdumpSummary {
  const pairs = Math.floor(data.length / CRDUMP_PAIR_BYTES);
  const tailBytes = data.length - pairs * CRDUMP_PAIR_BYTES;
  const withAddress = pairs + (tailBytes >= 4 ? 1 : 0);
  let prev = -1;
  for (let i = 0; i < withAddress; i++) {
    const a = data.readUInt32BE(i * CRDUMP_PAIR_BYTES);
    if (a <= prev) {
      throw new AuxError(
        'EINVAL',
        `core dump: address 0x${a.toString(16)} of pair ${i} does not ascend past 0x${prev.toString(16)}`,
      );
    }
    prev = a;
  }
  const first = withAddress > 0 ? data.readUInt32BE(0) : undefined;
  const last = withAddress > 0 ? prev : undefined;
  return {
    pairs,
    tailBytes,
    firstAddress: first,
    lastAddress: last,
    nextAddress: last === undefined ? 0 : last + 4,
  };
}

/**
 * crdumpValue: the value dumped for `address`, or undefined when the dump
 * has no whole pair for it (binary search: call scanCrdump first on
 * untrusted bytes, the order is assumed).
 */
export function crdumpValue(data: Buffer, address: number): number | undefined {
  let lo = 0;
  let hi = Math.floor(data.length / CRDUMP_PAIR_BYTES) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const a = CrdumpPair.get(data, 'address', mid * CRDUMP_PAIR_BYTES);
    if (a === address) return CrdumpPair.get(data, 'value', mid * CRDUMP_PAIR_BYTES);
    if (a < address) lo = mid + 1;
    else hi = mid - 1;
  }
  return undefined;
}

/** HEADER_PAIRS: the pairs whose values make up the header. */
const HEADER_PAIRS = CrdumpHeader.bytes / 4;

/**
 * crdumpHeader: the simulator's header (the values at addresses 0x0..0xfc)
 * when `data` opens with those 64 pairs and the magic; else undefined (a
 * real device's dump, or a dump too short to hold it).
 */
export function crdumpHeader(data: Buffer): ReturnType<typeof CrdumpHeader.decode> | undefined {
  if (data.length < HEADER_PAIRS * CRDUMP_PAIR_BYTES) return undefined;
  const values = Buffer.alloc(CrdumpHeader.bytes);
  for (let i = 0; i < HEADER_PAIRS; i++) {
    if (CrdumpPair.get(data, 'address', i * CRDUMP_PAIR_BYTES) !== i * 4) return undefined;
    values.writeUInt32BE(CrdumpPair.get(data, 'value', i * CRDUMP_PAIR_BYTES), i * 4);
  }
  if (!values.subarray(0, CRDUMP_MAGIC.length).equals(CRDUMP_MAGIC)) return undefined;
  return CrdumpHeader.decode(values);
}

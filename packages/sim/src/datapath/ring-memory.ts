/**
 * Ring memory: how the simulated device finds a queue's ring and doorbell
 * record in host memory.
 *
 * A create command names the ring by a page list (`pas[]`, 64-bit bus
 * addresses after the fixed inbox). The device models a ring as one DMA
 * mapping: the pages must be consecutive (pas[i] = pas[0] + i * 4 KiB), which
 * is what `DmaSpace.pageAddresses` of one mapping gives, so the whole ring
 * resolves to one view and the hot path never walks pages. The doorbell
 * record (8 bytes) may live anywhere mapped.
 *
 * Memory is resolved again at every use (a batch, `resolveRing`), so a
 * ring unmapped behind the device's back is noticed, never written.
 *
 * Owns: validation of ring descriptions, and resolving them. Never: object
 * state.
 */
import { CmdStatus, type DmaSpace, PAGE_SIZE, Syndrome } from '@auxctl/prm';
import { FwError } from '../fw-error.js';

/** RingMemory: where a ring and its doorbell record are. */
export interface RingMemory {
  readonly addr: bigint;
  readonly bytes: number;
  readonly dbr: bigint;
}

/** DBR_BYTES: a doorbell record is two big-endian dwords. */
export const DBR_BYTES = 8;

/** RingViews: a ring's bytes and its doorbell record, as mapped now. */
export interface RingViews {
  readonly ring: Buffer;
  readonly dbr: Buffer;
}

/** resolveRing: the ring and doorbell record `r` describes, or undefined when either is unmapped. */
export function resolveRing(dma: DmaSpace, r: RingMemory): RingViews | undefined {
  const ring = dma.resolve(r.addr, r.bytes);
  const dbr = dma.resolve(r.dbr, DBR_BYTES);
  return ring && dbr ? { ring, dbr } : undefined;
}

const notMapped = (msg: string) => new FwError(CmdStatus.BAD_PARAM, Syndrome.RING_NOT_MAPPED, msg);

/** readPas: the page addresses after byte `at` of `inbox`. */
export function readPas(inbox: Buffer, at: number): bigint[] {
  const n = Math.max(0, Math.floor((inbox.length - at) / 8));
  return Array.from({ length: n }, (_, i) => inbox.readBigUInt64BE(at + i * 8));
}

/**
 * ringMemory: check that `pas` describes `bytes` of consecutive mapped
 * memory and `dbr` (when the queue has one; an EQ has none) a mapped
 * doorbell record; throws FwError RING_NOT_MAPPED.
 */
export function ringMemory(
  dma: DmaSpace,
  pas: readonly bigint[],
  bytes: number,
  dbr?: bigint,
): RingMemory {
  const pages = Math.ceil(bytes / PAGE_SIZE);
  if (pas.length < pages) {
    throw notMapped(`ring of ${bytes} bytes needs ${pages} page address(es), got ${pas.length}`);
  }
  const first = pas[0]!;
  for (let i = 1; i < pages; i++) {
    if (pas[i] !== first + BigInt(i * PAGE_SIZE)) {
      throw notMapped('ring pages must be consecutive: map the ring as one DMA buffer');
    }
  }
  if (!dma.resolve(first, bytes)) {
    throw notMapped(`ring at 0x${first.toString(16)} (+${bytes}) is not mapped for DMA`);
  }
  if (dbr !== undefined && !dma.resolve(dbr, DBR_BYTES)) {
    throw notMapped(`doorbell record at 0x${dbr.toString(16)} is not mapped for DMA`);
  }
  return { addr: first, bytes, dbr: dbr ?? 0n };
}

/** checkLogSize: a ring of 2^log entries, 1 <= 2^log <= 2^max; throws FwError RING_BAD_SIZE. */
export function checkLogSize(what: string, log: number, max: number): void {
  if (log > max) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.RING_BAD_SIZE,
      `${what} log size ${log} exceeds the device maximum ${max}`,
    );
  }
}

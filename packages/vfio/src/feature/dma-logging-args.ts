/**
 * The checks vfio core makes on DMA logging requests before a driver's log
 * ops see them, as rules (uapi vfio.h, vfio_main.c), in order:
 *
 * START (`parseLoggingStart`: the control struct and its ranges)
 *   1. page_size not a power of two, or below 4 KiB            EINVAL
 *   2. num_ranges 0                                            EINVAL
 *   3. num_ranges above LOG_MAX_RANGES (PAGE_SIZE / 16 = 256)  E2BIG
 *   4. the range array outside the data                        EFAULT
 *   5. a range of length 0, or iova / length not page aligned  EINVAL
 *   6. iova + length past 2^64                                 EOVERFLOW
 *   7. two ranges that overlap                                 EINVAL
 * The ranges come back sorted by iova.
 *
 * REPORT (`parseLoggingReport`)
 *   1. page_size not a power of two, or below 4 KiB            EINVAL
 *   2. length 0, or iova / length not page aligned             EINVAL
 *   3. iova + length past 2^64                                 EOVERFLOW
 *
 * Owns: these rules. Never: whether logging is on (the device's).
 */
import { AuxError } from '@auxctl/prm';
import { type IovaRange, STRUCT_BYTES } from './feature-structs.js';

/** LOG_MAX_RANGES: the most ranges one START may name (PAGE_SIZE / 16). */
export const LOG_MAX_RANGES = 4096 / 16;
/** LOG_MIN_PAGE_SIZE: the smallest tracking granule. */
export const LOG_MIN_PAGE_SIZE = 4096n;

const U64_END = 1n << 64n;

function checkPageSize(pageSize: bigint): void {
  if (pageSize < LOG_MIN_PAGE_SIZE || (pageSize & (pageSize - 1n)) !== 0n) {
    throw new AuxError('EINVAL', `page_size ${pageSize} must be a power of two of at least 4096`);
  }
}

function checkRange(r: IovaRange, pageSize: bigint, what: string): void {
  if (r.length === 0n || r.iova % pageSize !== 0n || r.length % pageSize !== 0n) {
    throw new AuxError(
      'EINVAL',
      `${what} iova 0x${r.iova.toString(16)} length 0x${r.length.toString(16)} must be non-empty and ${pageSize}-aligned`,
    );
  }
  if (r.iova + r.length > U64_END) {
    throw new AuxError('EOVERFLOW', `${what} iova 0x${r.iova.toString(16)} + length wraps`);
  }
}

/** parseLoggingStart: page size and sorted ranges of a START struct (rules above). */
export function parseLoggingStart(b: Buffer): { pageSize: bigint; ranges: IovaRange[] } {
  const pageSize = b.readBigUInt64LE(0);
  checkPageSize(pageSize);
  const n = b.readUInt32LE(8);
  if (n === 0) throw new AuxError('EINVAL', 'DMA logging needs at least one range');
  if (n > LOG_MAX_RANGES) {
    throw new AuxError('E2BIG', `${n} ranges; at most ${LOG_MAX_RANGES}`);
  }
  const at = b.readBigUInt64LE(16);
  const bytes = BigInt(n * STRUCT_BYTES.loggingRange);
  if (at < BigInt(STRUCT_BYTES.loggingControl) || at + bytes > BigInt(b.length)) {
    throw new AuxError('EFAULT', `the ${n} ranges at ${at} lie outside the ${b.length} data bytes`);
  }
  const ranges: IovaRange[] = [];
  for (let i = 0, o = Number(at); i < n; i++, o += STRUCT_BYTES.loggingRange) {
    const r = { iova: b.readBigUInt64LE(o), length: b.readBigUInt64LE(o + 8) };
    checkRange(r, pageSize, `range ${i}`);
    ranges.push(r);
  }
  ranges.sort((x, y) => (x.iova < y.iova ? -1 : x.iova > y.iova ? 1 : 0));
  for (let i = 1; i < ranges.length; i++) {
    const prev = ranges[i - 1]!;
    if (prev.iova + prev.length > ranges[i]!.iova) {
      throw new AuxError(
        'EINVAL',
        `ranges at 0x${prev.iova.toString(16)} and 0x${ranges[i]!.iova.toString(16)} overlap`,
      );
    }
  }
  return { pageSize, ranges };
}

/** parseLoggingReport: iova, length and page size of a REPORT struct (rules above). */
export function parseLoggingReport(b: Buffer): IovaRange & { pageSize: bigint } {
  const r = { iova: b.readBigUInt64LE(0), length: b.readBigUInt64LE(8) };
  const pageSize = b.readBigUInt64LE(16);
  checkPageSize(pageSize);
  checkRange(r, pageSize, 'report');
  return { ...r, pageSize };
}

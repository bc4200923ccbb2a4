import { AuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOG_MAX_RANGES, parseLoggingReport, parseLoggingStart } from './dma-logging-args.js';
import { type IovaRange, loggingControlData, loggingReportData } from './feature-structs.js';

const U64_END = 1n << 64n;

/** The rules of dma-logging-args.ts, written out pairwise as a reference. */
function expected(pageSize: bigint, ranges: IovaRange[]): string {
  if (pageSize < 4096n || (pageSize & (pageSize - 1n)) !== 0n) return 'EINVAL';
  if (ranges.length === 0) return 'EINVAL';
  if (ranges.length > LOG_MAX_RANGES) return 'E2BIG';
  for (const r of ranges) {
    if (r.length === 0n || r.iova % pageSize !== 0n || r.length % pageSize !== 0n) return 'EINVAL';
    if (r.iova + r.length > U64_END) return 'EOVERFLOW';
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.iova < b.iova + b.length && b.iova < a.iova + a.length) return 'EINVAL';
    }
  }
  return 'ok';
}

const errnoOf = (f: () => unknown): string => {
  try {
    f();
    return 'ok';
  } catch (e) {
    if (!(e instanceof AuxError)) throw e;
    return e.code;
  }
};

const pageSize = fc.oneof(
  fc.integer({ min: 12, max: 30 }).map((s) => 1n << BigInt(s)),
  fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
);
const u64 = fc.bigInt({ min: 0n, max: U64_END - 1n });
// Mostly page-multiples in a small space, so overlaps and neighbours are common.
const range = (ps: bigint) =>
  fc.oneof(
    fc.record({
      iova: fc.integer({ min: 0, max: 64 }).map((p) => (BigInt(p) * ps) % U64_END),
      length: fc.integer({ min: 0, max: 8 }).map((p) => (BigInt(p) * ps) % U64_END),
    }),
    fc.record({ iova: u64, length: u64 }),
  );

describe('DMA logging arguments', () => {
  it('START accepts exactly what the rules allow, with their errnos, and sorts the ranges', () => {
    fc.assert(
      fc.property(
        pageSize.chain((ps) =>
          fc.tuple(fc.constant(ps), fc.array(range(ps < 4096n ? 4096n : ps), { maxLength: 12 })),
        ),
        ([ps, ranges]) => {
          const data = loggingControlData(ps, ranges);
          const want = expected(ps, ranges);
          expect(errnoOf(() => parseLoggingStart(data))).toBe(want);
          if (want !== 'ok') return;
          const got = parseLoggingStart(data);
          expect(got.pageSize).toBe(ps);
          expect(got.ranges.map((r) => r.iova)).toEqual(
            ranges.map((r) => r.iova).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
          );
        },
      ),
      { numRuns: 500 },
    );
  });

  it('START counts ranges before reading them: E2BIG above 256, EFAULT when they lie outside the data', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff_ffff }), fc.nat(64), (n, have) => {
        const data = loggingControlData(4096n, []);
        data.writeUInt32LE(n, 8);
        const withRanges = Buffer.concat([data, Buffer.alloc(have * 16)]);
        for (let i = 0; i < have; i++) withRanges.writeBigUInt64LE(4096n, 24 + i * 16 + 8);
        for (let i = 0; i < have; i++) withRanges.writeBigUInt64LE(BigInt(i) * 8192n, 24 + i * 16);
        const want = n > LOG_MAX_RANGES ? 'E2BIG' : n > have ? 'EFAULT' : 'ok';
        expect(errnoOf(() => parseLoggingStart(withRanges))).toBe(want);
      }),
      { numRuns: 300 },
    );
  });

  it('any START bytes give ranges or an AuxError, never another exception', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 120 }), (bytes) => {
        errnoOf(() => parseLoggingStart(Buffer.from(bytes)));
      }),
    );
  });

  it('REPORT accepts a non-empty page-aligned span with a valid page size', () => {
    fc.assert(
      fc.property(pageSize, u64, u64, (ps, iova, length) => {
        const want = expected(ps, [{ iova, length }]);
        expect(errnoOf(() => parseLoggingReport(loggingReportData(iova, length, ps)))).toBe(want);
      }),
      { numRuns: 500 },
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeMigRecord,
  MIG_RECORD_HEADER_BYTES,
  type MigRecord,
  MigRecordFlag,
  MigStreamParser,
  MigTag,
  stopCopySizeRecord,
} from './mig-stream.js';

const record = fc.record({
  tag: fc.constantFrom(MigTag.FW_DATA, MigTag.STOP_COPY_SIZE, 7),
  flags: fc.constantFrom(0, MigRecordFlag.OPTIONAL),
  data: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
});

/** cuts: `bytes` split at the given offsets (any segmentation a writer may use). */
function cut(bytes: Buffer, at: number[]): Buffer[] {
  const points = [...new Set(at.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(prev, p));
    prev = p;
  }
  return out;
}

describe('the migration record stream (property)', () => {
  it('gives back the known records whatever the segmentation, skipping unknown optional ones', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (rs, at) => {
          const stream = Buffer.concat(rs.map(encodeMigRecord));
          const p = new MigStreamParser();
          const got: MigRecord[] = [];
          const unknownMandatory = rs.findIndex(
            (r) => r.tag === 7 && !(r.flags & MigRecordFlag.OPTIONAL),
          );
          try {
            for (const piece of cut(stream, at)) got.push(...p.push(piece));
            p.end();
          } catch (err) {
            expect(unknownMandatory).toBeGreaterThanOrEqual(0);
            expect(err).toMatchObject({ code: 'EINVAL' });
            // What came out before the refusal is a prefix of the records before the bad one.
            const before = rs.slice(0, unknownMandatory).filter((r) => r.tag !== 7);
            expect(got).toEqual(before.slice(0, got.length));
            return;
          }
          expect(unknownMandatory).toBe(-1);
          expect(got).toEqual(rs.filter((r) => r.tag !== 7));
          expect(p.skipped).toBe(rs.filter((r) => r.tag === 7).length);
        },
      ),
    );
  });

  it('refuses a stream cut short anywhere inside a record', () => {
    fc.assert(
      fc.property(
        fc.array(
          record.filter((r) => r.tag !== 7),
          { minLength: 1, maxLength: 5 },
        ),
        fc.nat(),
        (rs, n) => {
          const stream = Buffer.concat(rs.map(encodeMigRecord));
          const stop = 1 + (n % (stream.length - 1 || 1));
          const p = new MigStreamParser();
          p.push(stream.subarray(0, stop));
          const ends = new Set<number>();
          let at = 0;
          for (const r of rs) {
            at += MIG_RECORD_HEADER_BYTES + r.data.length;
            ends.add(at);
          }
          if (ends.has(stop)) expect(() => p.end()).not.toThrow();
          else expect(() => p.end()).toThrow(expect.objectContaining({ code: 'EINVAL' }));
        },
      ),
    );
  });

  it('refuses a record larger than the limit before buffering it', () => {
    const p = new MigStreamParser({ maxRecordBytes: 1024 });
    const header = encodeMigRecord({ tag: MigTag.FW_DATA, flags: 0, data: Buffer.alloc(0) });
    header.writeBigUInt64LE(1025n, 0);
    expect(() => p.push(header)).toThrow(expect.objectContaining({ code: 'E2BIG' }));
    expect(stopCopySizeRecord(5n).data.readBigUInt64LE(0)).toBe(5n);
  });
});

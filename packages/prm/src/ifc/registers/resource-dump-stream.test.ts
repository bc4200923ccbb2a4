import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuxError } from '../../errors.js';
import {
  MenuRecord,
  MenuSegment,
  ResourceDumpField,
  ResourceDumpObjectHeader,
  ResourceSegment,
  SegmentType,
} from './resource-dump.js';
import {
  asciiz,
  decodeMenu,
  decodeResourceSegment,
  splitSegments,
} from './resource-dump-stream.js';

function resource(id: number, uid: number, fields: [string, bigint][]): Buffer {
  const bytes = ResourceSegment.bytes + ResourceDumpObjectHeader.bytes + fields.length * 32;
  const b = Buffer.alloc(bytes);
  ResourceSegment.write(b, {
    length_dw: bytes / 4,
    segment_type: SegmentType.FULL_QPC,
    index1: id,
  });
  ResourceDumpObjectHeader.write(b, { uid, num_of_fields: fields.length }, ResourceSegment.bytes);
  fields.forEach(([name, value], i) => {
    ResourceDumpField.write(
      b,
      { name: Buffer.from(name, 'latin1'), value },
      ResourceSegment.bytes + ResourceDumpObjectHeader.bytes + i * ResourceDumpField.bytes,
    );
  });
  return b;
}

const terminate = Buffer.from([0, 1, 0xff, 0xfb]);

describe('resource dump stream decoding', () => {
  it('splits segments up to terminate and decodes objects', () => {
    const stream = Buffer.concat([
      resource(0x40, 7, [
        ['state', 3n],
        ['remote_qpn', 0xffffffn],
      ]),
      terminate,
      Buffer.from([1, 2, 3, 4]),
    ]);
    const segs = splitSegments(stream);
    expect(segs.map((s) => [s.type, s.offset])).toEqual([
      [SegmentType.FULL_QPC, 0],
      [SegmentType.TERMINATE, 84],
    ]);
    const o = decodeResourceSegment(segs[0]!.bytes);
    expect(o).toMatchObject({ id: 0x40, uid: 7, segmentType: SegmentType.FULL_QPC });
    expect([...o.context]).toEqual([
      ['state', 3n],
      ['remote_qpn', 0xffffffn],
    ]);
  });

  it('decodes menu records', () => {
    const b = Buffer.alloc(MenuSegment.bytes + MenuRecord.bytes);
    MenuSegment.write(b, {
      length_dw: b.length / 4,
      segment_type: SegmentType.MENU,
      num_of_records: 1,
    });
    MenuRecord.write(
      b,
      { segment_type: 0x1000, segment_name: Buffer.from('FULL_QPC'), support_index1: 1 },
      MenuSegment.bytes,
    );
    expect(decodeMenu(b)).toEqual([
      expect.objectContaining({
        segmentType: 0x1000,
        segmentName: 'FULL_QPC',
        supportIndex1: true,
      }),
    ]);
    expect(asciiz(Buffer.from('abc'))).toBe('abc');
  });

  it('reports malformed streams as EINVAL and never reads past the end', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const stream = Buffer.from(bytes);
        for (const decode of [
          () => splitSegments(stream).map((s) => s.bytes.length),
          () => decodeMenu(stream),
          () => decodeResourceSegment(stream),
        ]) {
          try {
            decode();
          } catch (e) {
            expect(e).toBeInstanceOf(AuxError);
            expect((e as AuxError).code).toBe('EINVAL');
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips any object context', () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,23}$/);
    fc.assert(
      fc.property(
        fc.nat(0xffffff),
        fc.nat(0xffff),
        fc.uniqueArray(fc.tuple(name, fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })), {
          selector: ([n]) => n,
          maxLength: 12,
        }),
        (id, uid, fields) => {
          const o = decodeResourceSegment(resource(id, uid, fields));
          expect(o.id).toBe(id);
          expect(o.uid).toBe(uid);
          expect([...o.context]).toEqual(fields);
        },
      ),
    );
  });
});

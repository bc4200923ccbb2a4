import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuxError } from '../../errors.js';
import {
  MENU_RECORD_FLAGS,
  MenuRecord,
  MenuSegment,
  ResourceDumpField,
  ResourceDumpObjectHeader,
  ResourceSegment,
} from './resource-dump.js';
import { SegmentType } from './resource-dump-segments.js';
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
    const [entry, ...rest] = decodeMenu(b);
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ segmentType: 0x1000, segmentName: 'FULL_QPC', index1Name: '' });
    expect(Object.entries(entry?.flags ?? {}).filter(([, on]) => on)).toEqual([
      ['support_index1', true],
    ]);
    expect(asciiz(Buffer.from('abc'))).toBe('abc');
  });

  it('round-trips any menu record: type, names of up to 16 bytes and every flag bit (property)', () => {
    const name = fc.stringMatching(/^[ -~]{0,16}$/);
    const record = fc.record({
      type: fc.nat(0xffff),
      names: fc.tuple(name, name, name),
      flags: fc.subarray([...MENU_RECORD_FLAGS]),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 50 }), (records) => {
        const b = Buffer.alloc(MenuSegment.bytes + records.length * MenuRecord.bytes);
        MenuSegment.write(b, {
          length_dw: b.length / 4,
          segment_type: SegmentType.MENU,
          num_of_records: records.length,
        });
        records.forEach((r, i) => {
          MenuRecord.write(
            b,
            {
              segment_type: r.type,
              segment_name: Buffer.from(r.names[0], 'latin1'),
              index1_name: Buffer.from(r.names[1], 'latin1'),
              index2_name: Buffer.from(r.names[2], 'latin1'),
              ...Object.fromEntries(r.flags.map((f) => [f, 1])),
            },
            MenuSegment.bytes + i * MenuRecord.bytes,
          );
        });
        const decoded = decodeMenu(b);
        expect(
          decoded.map((e) => [e.segmentType, e.segmentName, e.index1Name, e.index2Name]),
        ).toEqual(records.map((r) => [r.type, ...r.names]));
        expect(decoded.map((e) => MENU_RECORD_FLAGS.filter((f) => e.flags[f]))).toEqual(
          records.map((r) => MENU_RECORD_FLAGS.filter((f) => r.flags.includes(f))),
        );
      }),
    );
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

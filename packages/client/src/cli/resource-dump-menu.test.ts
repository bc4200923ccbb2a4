import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MENU_HEAD_BYTES,
  MENU_RECORD_BYTES,
  type MenuEntry,
  parseMenu,
  splitSegments,
} from './resource-dump-menu.js';

/** segment: a segment of `type` with `body` (padded to dwords) after its header. */
function segment(type: number, body: Buffer = Buffer.alloc(0)): Buffer {
  const bytes = 4 + Math.ceil(body.length / 4) * 4;
  const b = Buffer.alloc(bytes);
  b.writeUInt16BE(bytes / 4, 0);
  b.writeUInt16BE(type, 2);
  body.copy(b, 4);
  return b;
}

function menuSegment(entries: readonly MenuEntry[]): Buffer {
  const body = Buffer.alloc(MENU_HEAD_BYTES - 4 + entries.length * MENU_RECORD_BYTES);
  body.writeUInt16BE(entries.length, 2);
  entries.forEach((e, i) => {
    const r = body.subarray(MENU_HEAD_BYTES - 4 + i * MENU_RECORD_BYTES);
    r.writeUInt16BE(e.segmentType, 2);
    r.write(e.segmentName, 4, 'latin1');
    r.write(e.index1Name, 20, 'latin1');
    r.write(e.index2Name, 36, 'latin1');
  });
  return segment(0xffff, body);
}

const name = fc.stringMatching(/^[A-Z0-9_]{0,16}$/);
const entry = fc.record({
  segmentType: fc.integer({ min: 0, max: 0xffff }),
  segmentName: name,
  index1Name: name,
  index2Name: name,
});

describe('resource dump menu', () => {
  it('reads back every record of a menu between info/cmd and terminate segments', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 12 }), (entries) => {
        const dump = Buffer.concat([
          segment(0xfffe, Buffer.alloc(12)),
          segment(0xfffa, Buffer.alloc(16)),
          menuSegment(entries),
          segment(0xfffb),
        ]);
        expect(parseMenu(dump)).toEqual(entries);
        expect(splitSegments(dump).map((s) => s.type)).toEqual([0xfffe, 0xfffa, 0xffff, 0xfffb]);
      }),
    );
  });

  it('never trusts a length: truncated, zero-length or overlong input is a RangeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        try {
          const segs = splitSegments(Buffer.from(bytes));
          const total = segs.reduce((n, s) => n + s.bytes, 0);
          expect(total).toBe(bytes.length);
          parseMenu(Buffer.from(bytes));
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
        }
      }),
    );
    expect(() => splitSegments(Buffer.from([0, 0, 0xff, 0xff]))).toThrow(RangeError);
    expect(() => parseMenu(segment(0xfffb))).toThrow(/no menu/);
    const lying = menuSegment([]);
    lying.writeUInt16BE(3, 6);
    expect(() => parseMenu(lying)).toThrow(/claims 3 records/);
  });
});

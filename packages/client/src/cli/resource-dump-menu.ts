/**
 * ResourceDumpMenu: the segment list of a resource dump's menu segment
 * (type 0xffff), read from the dump's bytes as the `rscdump` summary
 * prints it.
 *
 * A resource dump is a run of segments, each opening with
 * `resource_dump_segment_header` (length_dw 16 bits at 0x0 counting the
 * whole segment in dwords, segment_type 16 bits at 0x10). The menu segment
 * (`resource_dump_menu_segment`) has num_of_records at 0x30 and then
 * `resource_dump_menu_record`s of 52 bytes: segment_type at 0x10, then
 * segment_name, index1_name and index2_name, 16 NUL-padded bytes each
 * (mlx5_ifc.h). It must never trust a length: a segment that runs past the
 * end or claims zero dwords stops the walk with a RangeError.
 */
import { prmField, readField } from './prm-fields.js';

/** SegmentHeader / MenuSegment / MenuRecord: the rows read here. */
const SegmentHeader = {
  length_dw: prmField('length_dw', 0x0, 16),
  segment_type: prmField('segment_type', 0x10, 16),
};
const MenuSegment = { num_of_records: prmField('num_of_records', 0x30, 16) };
const MenuRecord = { segment_type: prmField('segment_type', 0x10, 16) };
/** MenuRecordNames: bit offsets of the record's 16-byte NUL-padded names. */
const MenuRecordNames = { segment_name: 0x20, index1_name: 0xa0, index2_name: 0x120 } as const;

/** MENU_SEGMENT_TYPE / MENU_HEAD_BYTES / MENU_RECORD_BYTES: sizes from mlx5_ifc.h. */
export const MENU_SEGMENT_TYPE = 0xffff;
export const MENU_HEAD_BYTES = 8;
export const MENU_RECORD_BYTES = 52;
const NAME_BYTES = 16;

/** DumpSegment: one segment of the stream: its type and where its bytes are. */
export interface DumpSegment {
  type: number;
  offset: number;
  bytes: number;
}

/** MenuEntry: one record of the menu. */
export interface MenuEntry {
  segmentType: number;
  segmentName: string;
  index1Name: string;
  index2Name: string;
}

/** splitSegments: the segments of `dump`; RangeError when a length is zero or runs past the end. */
export function splitSegments(dump: Buffer): DumpSegment[] {
  const out: DumpSegment[] = [];
  let at = 0;
  while (at < dump.length) {
    if (dump.length - at < 4) throw new RangeError(`a truncated segment header at byte ${at}`);
    const head = dump.subarray(at);
    const bytes = readField(head, SegmentHeader.length_dw) * 4;
    if (bytes === 0 || at + bytes > dump.length) {
      throw new RangeError(
        `the segment at byte ${at} claims ${bytes} bytes of ${dump.length - at}`,
      );
    }
    out.push({ type: readField(head, SegmentHeader.segment_type), offset: at, bytes });
    at += bytes;
  }
  return out;
}

function asciiName(record: Buffer, name: keyof typeof MenuRecordNames): string {
  const start = MenuRecordNames[name] / 8;
  const b = record.subarray(start, start + NAME_BYTES);
  const end = b.indexOf(0);
  return b.subarray(0, end < 0 ? b.length : end).toString('latin1');
}

/** parseMenu: the records of the first menu segment of `dump`; RangeError when there is none or it is short. */
export function parseMenu(dump: Buffer): MenuEntry[] {
  const seg = splitSegments(dump).find((s) => s.type === MENU_SEGMENT_TYPE);
  if (seg === undefined) throw new RangeError('the dump has no menu segment');
  const body = dump.subarray(seg.offset, seg.offset + seg.bytes);
  if (body.length < MENU_HEAD_BYTES)
    throw new RangeError('the menu segment is shorter than its head');
  const count = readField(body, MenuSegment.num_of_records);
  if (MENU_HEAD_BYTES + count * MENU_RECORD_BYTES > body.length) {
    throw new RangeError(`the menu claims ${count} records in ${body.length} bytes`);
  }
  const entries: MenuEntry[] = [];
  for (let i = 0; i < count; i++) {
    const r = body.subarray(MENU_HEAD_BYTES + i * MENU_RECORD_BYTES);
    entries.push({
      segmentType: readField(r, MenuRecord.segment_type),
      segmentName: asciiName(r, 'segment_name'),
      index1Name: asciiName(r, 'index1_name'),
      index2Name: asciiName(r, 'index2_name'),
    });
  }
  return entries;
}

/**
 * ResourceDumpMenu: the segment list of a resource dump and the records of
 * its menu segment (type 0xffff), read from the dump's bytes as the
 * `rscdump` summary prints them.
 *
 * A resource dump is a run of segments, each opening with
 * `resource_dump_segment_header` (length_dw counting the whole segment in
 * dwords, then segment_type); the menu segment lists
 * `resource_dump_menu_record`s. The layouts and the menu decoder are
 * @auxctl/prm's. It must never trust a length: a segment that runs past
 * the end or claims zero dwords stops the walk with a RangeError, and so
 * does a menu that claims more records than it holds.
 */
import {
  decodeMenu,
  isAuxError,
  MenuRecord,
  MenuSegment,
  SegmentHeader,
  SegmentType,
} from '@auxctl/prm';

/** MENU_SEGMENT_TYPE / MENU_HEAD_BYTES / MENU_RECORD_BYTES: from prm's layouts (mlx5_ifc.h). */
export const MENU_SEGMENT_TYPE = SegmentType.MENU;
export const MENU_HEAD_BYTES = MenuSegment.bytes;
export const MENU_RECORD_BYTES = MenuRecord.bytes;

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

/**
 * splitSegments: every segment of `dump`, past a terminate segment too
 * (the summary counts what is there); RangeError when a length is zero or
 * runs past the end.
 */
export function splitSegments(dump: Buffer): DumpSegment[] {
  const out: DumpSegment[] = [];
  let at = 0;
  while (at < dump.length) {
    if (dump.length - at < SegmentHeader.bytes) {
      throw new RangeError(`a truncated segment header at byte ${at}`);
    }
    const bytes = SegmentHeader.get(dump, 'length_dw', at) * 4;
    if (bytes === 0 || at + bytes > dump.length) {
      throw new RangeError(
        `the segment at byte ${at} claims ${bytes} bytes of ${dump.length - at}`,
      );
    }
    out.push({ type: SegmentHeader.get(dump, 'segment_type', at), offset: at, bytes });
    at += bytes;
  }
  return out;
}

/** parseMenu: the records of the first menu segment of `dump`; RangeError when there is none or it is short. */
export function parseMenu(dump: Buffer): MenuEntry[] {
  const seg = splitSegments(dump).find((s) => s.type === MENU_SEGMENT_TYPE);
  if (seg === undefined) throw new RangeError('the dump has no menu segment');
  try {
    return decodeMenu(dump.subarray(seg.offset, seg.offset + seg.bytes)).map((r) => ({
      segmentType: r.segmentType,
      segmentName: r.segmentName,
      index1Name: r.index1Name,
      index2Name: r.index2Name,
    }));
  } catch (err) {
    if (isAuxError(err, 'EINVAL')) throw new RangeError(err.message);
    throw err;
  }
}

/**
 * Reading a resource dump stream: segments, the menu and object contexts.
 *
 * These are the decoders a tool needs after it has reassembled the stream
 * (inline pieces concatenated, or the bytes firmware wrote through an
 * mkey). They never trust the stream: a segment whose `length_dw` is zero
 * or runs past the end is reported as EINVAL instead of being read.
 */
import { AuxError } from '../../errors.js';
import {
  MENU_RECORD_FLAGS,
  type MenuFlag,
  MenuRecord,
  MenuSegment,
  ResourceDumpField,
  ResourceDumpObjectHeader,
  ResourceSegment,
  SegmentHeader,
} from './resource-dump.js';
import { RESOURCE_SEGMENT_MAX, SegmentType } from './resource-dump-segments.js';

/** DumpSegment: one segment of a stream (`bytes` shares memory with the stream). */
export interface DumpSegment {
  readonly type: number;
  /** Byte offset of the segment in the stream. */
  readonly offset: number;
  /** The whole segment, header included. */
  readonly bytes: Buffer;
}

/**
 * splitSegments: the segments of `stream` up to and including the
 * terminate segment (or the end of the stream). Throws AuxError EINVAL
 * when a segment header is cut off, has `length_dw` 0, or overruns.
 */
export function splitSegments(stream: Buffer): DumpSegment[] {
  const out: DumpSegment[] = [];
  let at = 0;
  while (at < stream.length) {
    if (at + SegmentHeader.bytes > stream.length) {
      throw new AuxError('EINVAL', `resource dump: segment header cut off at byte ${at}`);
    }
    const type = SegmentHeader.get(stream, 'segment_type', at);
    const bytes = SegmentHeader.get(stream, 'length_dw', at) * 4;
    if (bytes === 0 || at + bytes > stream.length) {
      throw new AuxError(
        'EINVAL',
        `resource dump: segment 0x${type.toString(16)} at byte ${at} claims ${bytes} bytes of ${stream.length - at} left; re-read the dump`,
      );
    }
    out.push({ type, offset: at, bytes: stream.subarray(at, at + bytes) });
    at += bytes;
    if (type === SegmentType.TERMINATE) break;
  }
  return out;
}

/** asciiz: a NUL-padded ASCII field as a string. */
export function asciiz(field: Buffer): string {
  const end = field.indexOf(0);
  return field.toString('latin1', 0, end === -1 ? field.length : end);
}

/** MenuFlags: every flag bit of a menu record, by its PRM name. */
export type MenuFlags = Readonly<Record<MenuFlag, boolean>>;

/** MenuEntry: one decoded menu record. */
export interface MenuEntry {
  readonly segmentType: number;
  readonly segmentName: string;
  readonly index1Name: string;
  readonly index2Name: string;
  readonly flags: MenuFlags;
}

/** decodeMenu: the records of a menu segment; EINVAL when it is not one or is cut off. */
export function decodeMenu(segment: Buffer): MenuEntry[] {
  if (
    segment.length < MenuSegment.bytes ||
    MenuSegment.get(segment, 'segment_type') !== SegmentType.MENU
  ) {
    throw new AuxError('EINVAL', 'resource dump: not a menu segment');
  }
  const n = MenuSegment.get(segment, 'num_of_records');
  if (MenuSegment.bytes + n * MenuRecord.bytes > segment.length) {
    throw new AuxError('EINVAL', `resource dump: menu claims ${n} records but is cut off`);
  }
  const out: MenuEntry[] = [];
  for (let i = 0; i < n; i++) {
    const r = MenuRecord.decode(segment, MenuSegment.bytes + i * MenuRecord.bytes);
    out.push({
      segmentType: r.segment_type,
      segmentName: asciiz(r.segment_name),
      index1Name: asciiz(r.index1_name),
      index2Name: asciiz(r.index2_name),
      flags: Object.fromEntries(MENU_RECORD_FLAGS.map((f) => [f, r[f] === 1])) as MenuFlags,
    });
  }
  return out;
}

/** DumpedObject: one object of a resource segment. */
export interface DumpedObject {
  readonly segmentType: number;
  /** The object's number (segment `index1`). */
  readonly id: number;
  readonly uid: number;
  /** Context fields by PRM name, in firmware order. */
  readonly context: ReadonlyMap<string, bigint>;
}

/** decodeResourceSegment: the object a resource segment carries; EINVAL when malformed. */
export function decodeResourceSegment(segment: Buffer): DumpedObject {
  const head = ResourceSegment.bytes + ResourceDumpObjectHeader.bytes;
  if (
    segment.length < head ||
    ResourceSegment.get(segment, 'segment_type') > RESOURCE_SEGMENT_MAX
  ) {
    throw new AuxError('EINVAL', 'resource dump: not a resource segment');
  }
  const type = ResourceSegment.get(segment, 'segment_type');
  const n = ResourceDumpObjectHeader.get(segment, 'num_of_fields', ResourceSegment.bytes);
  if (head + n * ResourceDumpField.bytes > segment.length) {
    throw new AuxError('EINVAL', `resource dump: object claims ${n} fields but is cut off`);
  }
  const context = new Map<string, bigint>();
  for (let i = 0; i < n; i++) {
    const at = head + i * ResourceDumpField.bytes;
    context.set(
      asciiz(ResourceDumpField.view(segment, 'name', at)),
      ResourceDumpField.get64(segment, 'value', at),
    );
  }
  return {
    segmentType: type,
    id: ResourceSegment.get(segment, 'index1'),
    uid: ResourceDumpObjectHeader.get(segment, 'uid', ResourceSegment.bytes),
    context,
  };
}

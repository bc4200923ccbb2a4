/**
 * RESOURCE_DUMP (0xC000): the resource dump register and its segments.
 *
 * A resource dump is a byte stream of segments, each opening with
 * `resource_dump_segment_header` (`length_dw` counts the whole segment,
 * header included, in dwords). Firmware delivers the stream in pieces,
 * either inline in the register (`inline_data`, up to 208 bytes a call) or
 * through an mkey; `more_dump`, `seq_num` and `device_opaque` carry the
 * continuation (see `sim/registers/resource-dump-register.ts` for the exact
 * protocol). Layouts follow mlx5_ifc.h; the segment header is flattened
 * into each segment (`length_dw`, `segment_type` first) because the layout
 * helper names fields, not nested paths. The object payload of resource
 * segments is the simulator's own format ({@link ResourceDumpObjectHeader}).
 *
 * A stream is: info segment, command segment, then the menu (type 0xffff)
 * or one resource segment per object (or an error or notice segment), then
 * a terminate segment. Segment type numbers: `resource-dump-segments.ts`.
 */
import { defineLayout } from '../../layout/layout.js';

/** ResourceDumpReg: mlx5_ifc `resource_dump` (256 bytes). */
export const ResourceDumpReg = defineLayout('resource_dump', {
  more_dump: 1,
  inline_dump: 1,
  reserved_at_2: 0xa,
  seq_num: 4,
  segment_type: 16,
  reserved_at_20: 16,
  vhca_id: 16,
  index1: 32,
  index2: 32,
  num_of_obj1: 16,
  num_of_obj2: 16,
  reserved_at_a0: 32,
  device_opaque: 64,
  mkey: 32,
  size: 32,
  address: 64,
  inline_data: { bytes: 52 * 4 },
});

/** RSC_DUMP_INLINE_BYTES: most stream bytes one inline call returns. */
export const RSC_DUMP_INLINE_BYTES = 52 * 4;

/** RSC_DUMP_ALL: `num_of_obj1` value meaning "every object" (Linux MLX5_RSC_DUMP_ALL). */
export const RSC_DUMP_ALL = 0xffff;

/** SegmentHeader: mlx5_ifc `resource_dump_segment_header`. */
export const SegmentHeader = defineLayout('resource_dump_segment_header', {
  length_dw: 16,
  segment_type: 16,
});

/** InfoSegment: mlx5_ifc `resource_dump_info_segment`. */
export const InfoSegment = defineLayout('resource_dump_info_segment', {
  length_dw: 16,
  segment_type: 16,
  reserved_at_20: 24,
  dump_version: 8,
  hw_version: 32,
  fw_version: 32,
});

/** CommandSegment: mlx5_ifc `resource_dump_command_segment` (the request, echoed). */
export const CommandSegment = defineLayout('resource_dump_command_segment', {
  length_dw: 16,
  segment_type: 16,
  segment_called: 16,
  vhca_id: 16,
  index1: 32,
  index2: 32,
  num_of_obj1: 16,
  num_of_obj2: 16,
});

/** MenuSegment: mlx5_ifc `resource_dump_menu_segment` head; `num_of_records` records follow. */
export const MenuSegment = defineLayout('resource_dump_menu_segment', {
  length_dw: 16,
  segment_type: 16,
  reserved_at_20: 16,
  num_of_records: 16,
});

/** MenuRecord: mlx5_ifc `resource_dump_menu_record` (52 bytes; names are NUL-padded ASCII). */
export const MenuRecord = defineLayout('resource_dump_menu_record', {
  reserved_at_0: 4,
  num_of_obj2_supports_active: 1,
  num_of_obj2_supports_all: 1,
  must_have_num_of_obj2: 1,
  support_num_of_obj2: 1,
  num_of_obj1_supports_active: 1,
  num_of_obj1_supports_all: 1,
  must_have_num_of_obj1: 1,
  support_num_of_obj1: 1,
  must_have_index2: 1,
  support_index2: 1,
  must_have_index1: 1,
  support_index1: 1,
  segment_type: 16,
  segment_name: { bytes: 16 },
  index1_name: { bytes: 16 },
  index2_name: { bytes: 16 },
});

/**
 * MENU_RECORD_FLAGS: the flag bits of a menu record, in the order mlx5ctl
 * prints them. `support_*` says the segment reads that request field,
 * `must_have_*` that it needs it, `*_supports_all` / `*_supports_active`
 * that the count may be 0xffff (all) / 0xfffe (active).
 */
export const MENU_RECORD_FLAGS = [
  'support_index1',
  'must_have_index1',
  'support_index2',
  'must_have_index2',
  'support_num_of_obj1',
  'must_have_num_of_obj1',
  'support_num_of_obj2',
  'must_have_num_of_obj2',
  'num_of_obj1_supports_all',
  'num_of_obj1_supports_active',
  'num_of_obj2_supports_all',
  'num_of_obj2_supports_active',
] as const;

/** MenuFlag: one of {@link MENU_RECORD_FLAGS}. */
export type MenuFlag = (typeof MENU_RECORD_FLAGS)[number];

/** ErrorSegment: mlx5_ifc `resource_dump_error_segment` (`error` is NUL-padded ASCII). */
export const ErrorSegment = defineLayout('resource_dump_error_segment', {
  length_dw: 16,
  segment_type: 16,
  reserved_at_20: 16,
  syndrome_id: 16,
  reserved_at_40: 64,
  error: { bytes: 32 },
});

/** ResourceSegment: mlx5_ifc `resource_dump_resource_segment` head; the payload follows. */
export const ResourceSegment = defineLayout('resource_dump_resource_segment', {
  length_dw: 16,
  segment_type: 16,
  reserved_at_20: 32,
  index1: 32,
  index2: 32,
});

/** TerminateSegment: mlx5_ifc `resource_dump_terminate_segment` (header only). */
export const TerminateSegment = SegmentHeader;

/**
 * NoticeSegment: a notice segment (type 0xfff9). mlx5ctl and mstflint
 * decode it with the error segment's layout (syndrome id, 32 ASCII bytes),
 * so it is that layout under another type.
 */
export const NoticeSegment = ErrorSegment;

/** RscDumpErrorId: `syndrome_id` values of the simulator's error segments. */
export const RscDumpErrorId = {
  /** The object `index1` names does not exist. */
  NO_SUCH_OBJECT: 0x1,
} as const;

/** RscDumpNoticeId: `syndrome_id` values of the simulator's notice segments. */
export const RscDumpNoticeId = {
  /** The segment is in the menu but the device model keeps no data for it. */
  NOT_MODELLED: 0x1,
} as const;

/**
 * ResourceDumpObjectHeader: opens the payload of a resource segment
 * (simulator format). `index1` of the segment is the object's number
 * (qpn, cqn, mkey index, ...); `num_of_fields` context fields follow.
 */
export const ResourceDumpObjectHeader = defineLayout('resource_dump_object_header', {
  uid: 16,
  num_of_fields: 16,
});

/**
 * ResourceDumpField: one context field of an object: its PRM name
 * (NUL-padded ASCII, truncated past 24 bytes) and its value.
 */
export const ResourceDumpField = defineLayout('resource_dump_field', {
  name: { bytes: 24 },
  value: 64,
});

/**
 * buildResourceDump: the segment stream one RESOURCE_DUMP request yields.
 *
 * The stream is built whole when a dump starts (it is small: a few hundred
 * bytes per object) from a snapshot of `host.objects()`, so every piece of
 * one dump comes from the same moment. Objects of every uid are shown: the
 * point of a debug dump is to see objects other subsystems own.
 *
 * Stream: info, command (the request echoed), then
 * - for the menu (0xffff): one menu segment listing {@link RESOURCE_SEGMENTS};
 * - for a resource segment type: one resource segment per selected object,
 *   or an error segment (NO_SUCH_OBJECT) when an exact object is missing;
 * then terminate.
 *
 * Selection: objects of the segment's type with number >= `index1`, in
 * number order. `num_of_obj1` 0 or 0xffff (RSC_DUMP_ALL) takes them all;
 * any other count N asks for object `index1` exactly and the N - 1 after
 * it. `index2` / `num_of_obj2` are not supported by any segment (menu says
 * so) and are ignored.
 *
 * Object payload (`resource_dump_object_header` + `resource_dump_field`s):
 * the owning uid and every context field of the object by PRM name, values
 * as unsigned 64-bit (numbers are truncated to integers; negatives wrap).
 */
import {
  CommandSegment,
  ErrorSegment,
  InfoSegment,
  MenuRecord,
  MenuSegment,
  ResourceDumpField,
  ResourceDumpObjectHeader,
  ResourceSegment,
  RSC_DUMP_ALL,
  RscDumpErrorId,
  SegmentType,
  TerminateSegment,
} from '@auxctl/prm';
import type { FwObjectType, FwObjectView, RegisterHost } from '../register-host.js';
import { rawFwVersion } from './fw-version.js';
import { badField } from './register-handler.js';

/** ResourceSegmentInfo: one resource segment type the firmware offers. */
export interface ResourceSegmentInfo {
  readonly type: number;
  readonly name: string;
  readonly objectType: FwObjectType;
  readonly index1Name: string;
}

/** RESOURCE_SEGMENTS: the menu, in order. Names follow Linux `mlx5_rsc_sgmt_name` where it has one. */
export const RESOURCE_SEGMENTS: readonly ResourceSegmentInfo[] = [
  { type: SegmentType.FULL_QPC, name: 'FULL_QPC', objectType: 'QP', index1Name: 'QPN' },
  { type: SegmentType.FULL_EQC, name: 'FULL_EQC', objectType: 'EQ', index1Name: 'EQN' },
  { type: SegmentType.FULL_CQC, name: 'FULL_CQC', objectType: 'CQ', index1Name: 'CQN' },
  { type: SegmentType.HW_SQPC, name: 'HW_SQPC', objectType: 'SQ', index1Name: 'SQN' },
  { type: SegmentType.HW_RQPC, name: 'HW_RQPC', objectType: 'RQ', index1Name: 'RQN' },
  {
    type: SegmentType.MKEY_CONTEXT,
    name: 'MKEY_CONTEXT',
    objectType: 'MKEY',
    index1Name: 'MKEY_INDEX',
  },
  {
    type: SegmentType.VIRTIO_NET_Q,
    name: 'VIRTIO_NET_Q',
    objectType: 'VIRTIO_NET_Q',
    index1Name: 'OBJ_ID',
  },
];

/** RSC_DUMP_VERSION: `dump_version` of the info segment. */
export const RSC_DUMP_VERSION = 1;

/** RscDumpRequest: the fields of a RESOURCE_DUMP start request. */
export interface RscDumpRequest {
  readonly segmentType: number;
  readonly vhcaId: number;
  readonly index1: number;
  readonly index2: number;
  readonly numOfObj1: number;
  readonly numOfObj2: number;
}

/** buildResourceDump: the whole stream; FwError REG_BAD_FIELD for an unknown segment type. */
export function buildResourceDump(host: RegisterHost, req: RscDumpRequest): Buffer {
  const parts: Buffer[] = [info(host), command(req)];
  if (req.segmentType === SegmentType.MENU) {
    parts.push(menu());
  } else {
    const seg = RESOURCE_SEGMENTS.find((s) => s.type === req.segmentType);
    if (!seg) {
      throw badField(
        `segment_type 0x${req.segmentType.toString(16)} is not in the menu; read segment 0xffff`,
      );
    }
    parts.push(...objects(host, seg, req));
  }
  parts.push(TerminateSegment.encode({ length_dw: 1, segment_type: SegmentType.TERMINATE }));
  return Buffer.concat(parts);
}

function info(host: RegisterHost): Buffer {
  return InfoSegment.encode({
    length_dw: InfoSegment.bytes / 4,
    segment_type: SegmentType.INFO,
    dump_version: RSC_DUMP_VERSION,
    hw_version: host.identity.deviceId >>> 0,
    fw_version: rawFwVersion(host.identity.fwVersion),
  });
}

function command(req: RscDumpRequest): Buffer {
  return CommandSegment.encode({
    length_dw: CommandSegment.bytes / 4,
    segment_type: SegmentType.CMD,
    segment_called: req.segmentType,
    vhca_id: req.vhcaId,
    index1: req.index1,
    index2: req.index2,
    num_of_obj1: req.numOfObj1,
    num_of_obj2: req.numOfObj2,
  });
}

function menu(): Buffer {
  const bytes = MenuSegment.bytes + RESOURCE_SEGMENTS.length * MenuRecord.bytes;
  const out = Buffer.alloc(bytes);
  MenuSegment.write(out, {
    length_dw: bytes / 4,
    segment_type: SegmentType.MENU,
    num_of_records: RESOURCE_SEGMENTS.length,
  });
  RESOURCE_SEGMENTS.forEach((s, i) => {
    MenuRecord.write(
      out,
      {
        support_index1: 1,
        support_num_of_obj1: 1,
        num_of_obj1_supports_all: 1,
        segment_type: s.type,
        segment_name: Buffer.from(s.name, 'latin1'),
        index1_name: Buffer.from(s.index1Name, 'latin1'),
      },
      MenuSegment.bytes + i * MenuRecord.bytes,
    );
  });
  return out;
}

function objects(host: RegisterHost, seg: ResourceSegmentInfo, req: RscDumpRequest): Buffer[] {
  const all = [...host.objects()]
    .filter((o) => o.type === seg.objectType && o.id >= req.index1)
    .sort((a, b) => a.id - b.id);
  const every = req.numOfObj1 === 0 || req.numOfObj1 === RSC_DUMP_ALL;
  if (!every && all[0]?.id !== req.index1) {
    return [
      ErrorSegment.encode({
        length_dw: ErrorSegment.bytes / 4,
        segment_type: SegmentType.ERROR,
        syndrome_id: RscDumpErrorId.NO_SUCH_OBJECT,
        error: Buffer.from(`no ${seg.index1Name} 0x${req.index1.toString(16)}`, 'latin1').subarray(
          0,
          32,
        ),
      }),
    ];
  }
  return (every ? all : all.slice(0, req.numOfObj1)).map((o) => resource(seg.type, o));
}

/** MAX_FIELDS: context fields that fit one segment (`length_dw` is 16 bits). */
const MAX_FIELDS = 8000;

function resource(type: number, o: FwObjectView): Buffer {
  const fields = Object.entries(o.context).slice(0, MAX_FIELDS);
  const bytes =
    ResourceSegment.bytes +
    ResourceDumpObjectHeader.bytes +
    fields.length * ResourceDumpField.bytes;
  const out = Buffer.alloc(bytes);
  ResourceSegment.write(out, {
    length_dw: bytes / 4,
    segment_type: type,
    index1: o.id >>> 0,
  });
  ResourceDumpObjectHeader.write(
    out,
    { uid: o.uid & 0xffff, num_of_fields: fields.length },
    ResourceSegment.bytes,
  );
  const first = ResourceSegment.bytes + ResourceDumpObjectHeader.bytes;
  fields.forEach(([name, value], i) => {
    ResourceDumpField.write(
      out,
      { name: Buffer.from(name, 'latin1').subarray(0, 24), value: u64(value) },
      first + i * ResourceDumpField.bytes,
    );
  });
  return out;
}

function u64(v: number | bigint): bigint {
  if (typeof v === 'bigint') return BigInt.asUintN(64, v);
  return Number.isFinite(v) ? BigInt.asUintN(64, BigInt(Math.trunc(v))) : 0n;
}

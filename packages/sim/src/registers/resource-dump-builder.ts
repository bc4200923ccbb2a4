/**
 * buildResourceDump: the segment stream one RESOURCE_DUMP request yields.
 *
 * The stream is built whole when a dump starts (it is small: a few hundred
 * bytes per object) from a snapshot of `host.objects()`, so every piece of
 * one dump comes from the same moment. Objects of every uid are shown: the
 * point of a debug dump is to see objects other subsystems own.
 *
 * Stream (the framing a real device uses): info (16 bytes), command (20
 * bytes, the request echoed), then
 * - for the menu (0xffff): one menu segment listing the function's menu
 *   (resource-dump-menu.ts; 8 + 52 bytes a record);
 * - for a segment the model fills with objects: one resource segment per
 *   selected object, or an error segment (NO_SUCH_OBJECT) when an exact
 *   object is missing; nothing for an empty selection;
 * - for a segment the model has no data for ('not-modelled'): one notice
 *   segment (NOT_MODELLED) and nothing else;
 * then terminate (4 bytes). A PF's menu stream is 16 + 20 + 8 + 45 * 52 +
 * 4 = 2,388 bytes, as on the real device.
 *
 * Selection: objects of the segment's type with number >= `index1`, in
 * number order. `num_of_obj1` 0 or 0xffff (RSC_DUMP_ALL) takes them all;
 * any other count N asks for object `index1` exactly and the N - 1 after
 * it. The real menu marks these segments must_have_index1 without
 * num_of_obj1 support; the simulator still honours a count (a request as
 * the menu describes it, index1 and count 1, gets that one object), so a
 * tool may dump every object at once. `index2` / `num_of_obj2` are ignored.
 *
 * Object payload (`resource_dump_object_header` + `resource_dump_field`s,
 * the simulator's format: a real device's is undocumented): the owning uid
 * and every context field of the object by PRM name, values as unsigned
 * 64-bit (numbers are truncated to integers; negatives wrap).
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
  RscDumpNoticeId,
  SegmentType,
  TerminateSegment,
} from '@auxctl/prm';
import type { FwObjectType, FwObjectView, RegisterHost } from '../register-host.js';
import { rawFwVersion } from './fw-version.js';
import { badField } from './register-handler.js';
import { functionMenu, type MenuRow } from './resource-dump-menu.js';

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
  const menu = functionMenu(host);
  if (req.segmentType === SegmentType.MENU) {
    parts.push(menuSegment(menu));
  } else {
    const seg = menu.find((s) => s.type === req.segmentType);
    if (!seg) {
      throw badField(
        `segment_type 0x${req.segmentType.toString(16)} is not in the menu; read segment 0xffff`,
      );
    }
    if (seg.source === 'not-modelled') parts.push(notModelled(seg));
    else parts.push(...objects(host, seg, seg.source === 'none' ? undefined : seg.source, req));
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

function menuSegment(menu: readonly MenuRow[]): Buffer {
  const bytes = MenuSegment.bytes + menu.length * MenuRecord.bytes;
  const out = Buffer.alloc(bytes);
  MenuSegment.write(out, {
    length_dw: bytes / 4,
    segment_type: SegmentType.MENU,
    num_of_records: menu.length,
  });
  menu.forEach((s, i) => {
    MenuRecord.write(
      out,
      {
        ...Object.fromEntries(s.flags.map((f) => [f, 1])),
        segment_type: s.type,
        segment_name: Buffer.from(s.name, 'latin1'),
        index1_name: Buffer.from(s.index1Name, 'latin1'),
        index2_name: Buffer.from(s.index2Name, 'latin1'),
      },
      MenuSegment.bytes + i * MenuRecord.bytes,
    );
  });
  return out;
}

/** textSegment: an error or notice segment (one layout) with up to 32 bytes of text. */
function textSegment(type: number, syndromeId: number, text: string): Buffer {
  return ErrorSegment.encode({
    length_dw: ErrorSegment.bytes / 4,
    segment_type: type,
    syndrome_id: syndromeId,
    error: Buffer.from(text, 'latin1').subarray(0, 32),
  });
}

function notModelled(seg: MenuRow): Buffer {
  return textSegment(SegmentType.NOTICE, RscDumpNoticeId.NOT_MODELLED, `${seg.name} not modelled`);
}

/** objects: the selected objects of `type` (none when the model has no such objects). */
function objects(
  host: RegisterHost,
  seg: MenuRow,
  type: FwObjectType | undefined,
  req: RscDumpRequest,
): Buffer[] {
  const all = [...host.objects()]
    .filter((o) => o.type === type && o.id >= req.index1)
    .sort((a, b) => a.id - b.id);
  const every = req.numOfObj1 === 0 || req.numOfObj1 === RSC_DUMP_ALL;
  if (!every && all[0]?.id !== req.index1) {
    return [
      textSegment(
        SegmentType.ERROR,
        RscDumpErrorId.NO_SUCH_OBJECT,
        `no ${seg.index1Name} 0x${req.index1.toString(16)}`,
      ),
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

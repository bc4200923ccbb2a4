/**
 * Resource dumps (mlx5ctlu `rscdump`): RESOURCE_DUMP through a context,
 * inline (208 bytes a call) or through a dump window, with core's decoders
 * for the stream (menu, resource segments).
 *
 * The protocol is core's (sim/registers/resource-dump-register.ts) and
 * Linux's `mlx5_rsc_dump_next`: start with `more_dump` 0 and `seq_num` 0,
 * then send each reply back as the next request until `more_dump` is 0.
 * Through a window every call writes from the window's start, so each
 * reply's `size` bytes are taken out before the next call. The stream is
 * bounded (`maxBytes`, default 64 MiB) and so are the calls.
 *
 * Owns: the loop and the decoding glue. Never: keeps the stream.
 */
import {
  AccessRegOpMod,
  AuxError,
  asciiz,
  type DumpedObject,
  type DumpSegment,
  decodeMenu,
  decodeResourceSegment,
  ErrorSegment,
  type MenuEntry,
  RESOURCE_SEGMENT_MAX,
  RegisterId,
  ResourceDumpReg,
  RSC_DUMP_INLINE_BYTES,
  SegmentType,
  splitSegments,
} from '@auxctl/prm';
import type { CtlChannel } from '../ctl-context.js';
import { withDumpWindow } from './dump-window.js';
import { encodeArgs } from './fw-call.js';
import { accessRegisterRaw } from './registers.js';

/** RSC_WINDOW_DEFAULT: the window of the umem path unless told otherwise. */
export const RSC_WINDOW_DEFAULT = 64 * 1024;

/** RSC_MAX_BYTES_DEFAULT: the longest stream a dump accepts unless told otherwise. */
export const RSC_MAX_BYTES_DEFAULT = 64 * 1024 * 1024;

/** ResourceDumpRequest: what to dump and how. */
export interface ResourceDumpRequest {
  /** SegmentType: MENU (0xffff) or a resource segment such as FULL_QPC. */
  readonly segmentType: number;
  readonly index1?: number;
  readonly index2?: number;
  /** Objects from index1 on; RSC_DUMP_ALL (0xffff) for every one. */
  readonly numOfObj1?: number;
  readonly numOfObj2?: number;
  readonly mode?: 'inline' | 'umem';
  /** umem: window bytes (default 64 KiB). */
  readonly windowBytes?: number;
  /** Longest stream accepted (EMSGSIZE beyond); default 64 MiB. */
  readonly maxBytes?: number;
}

/** ResourceDumpResult: the raw stream, split into segments. */
export interface ResourceDumpResult {
  readonly stream: Buffer;
  readonly segments: DumpSegment[];
  readonly calls: number;
}

type Reg = ReturnType<typeof ResourceDumpReg.decode>;

async function loop(
  ch: CtlChannel,
  first: Partial<Reg>,
  maxBytes: number,
  take: (reply: Buffer, size: number) => Buffer,
): Promise<{ stream: Buffer; calls: number }> {
  let req = encodeArgs(() => ResourceDumpReg.encode(first));
  const pieces: Buffer[] = [];
  let total = 0;
  const maxCalls =
    Math.ceil(maxBytes / Math.min(RSC_DUMP_INLINE_BYTES, first.size || Infinity)) + 1;
  for (let calls = 1; calls <= maxCalls; calls++) {
    const reply = Buffer.from(
      await accessRegisterRaw(ch, RegisterId.RESOURCE_DUMP, AccessRegOpMod.READ, req),
    );
    const size = ResourceDumpReg.get(reply, 'size');
    total += size;
    if (total > maxBytes) {
      throw new AuxError('EMSGSIZE', `resource dump longer than ${maxBytes} bytes; raise maxBytes`);
    }
    pieces.push(Buffer.from(take(reply, size).subarray(0, size)));
    if (!ResourceDumpReg.get(reply, 'more_dump')) return { stream: Buffer.concat(pieces), calls };
    if (size === 0) break;
    req = reply;
  }
  throw new AuxError('EIO', 'the device keeps answering more_dump without progress');
}

/**
 * resourceDump: one whole resource dump stream. EINVAL for bad options or
 * a malformed stream; the firmware status errno (EINVAL / UID_LACKS_CAP
 * without sys_admin); EMSGSIZE past maxBytes; EIO when the device stops
 * making progress.
 */
export async function resourceDump(
  ch: CtlChannel,
  req: ResourceDumpRequest,
): Promise<ResourceDumpResult> {
  const maxBytes = req.maxBytes ?? RSC_MAX_BYTES_DEFAULT;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) {
    throw new AuxError('EINVAL', 'maxBytes must be a positive integer');
  }
  const start: Partial<Reg> = {
    segment_type: req.segmentType,
    index1: req.index1 ?? 0,
    index2: req.index2 ?? 0,
    num_of_obj1: req.numOfObj1 ?? 0,
    num_of_obj2: req.numOfObj2 ?? 0,
  };
  let out: { stream: Buffer; calls: number };
  if ((req.mode ?? 'inline') === 'inline') {
    out = await loop(ch, { ...start, inline_dump: 1 }, maxBytes, (reply) =>
      ResourceDumpReg.view(reply, 'inline_data'),
    );
  } else {
    const window = req.windowBytes ?? RSC_WINDOW_DEFAULT;
    if (!Number.isSafeInteger(window) || window < 1 || window > 64 * 1024 * 1024) {
      throw new AuxError('EINVAL', 'windowBytes must be 1..64 MiB');
    }
    out = await withDumpWindow(ch, window, (w) =>
      loop(
        ch,
        { ...start, inline_dump: 0, mkey: w.mkey, size: w.buffer.length, address: 0n },
        maxBytes,
        () => w.buffer,
      ),
    );
  }
  return { ...out, segments: splitSegments(out.stream) };
}

/** resourceDumpMenu: the menu of segments the device can dump. */
export async function resourceDumpMenu(
  ch: CtlChannel,
  mode: 'inline' | 'umem' = 'inline',
): Promise<MenuEntry[]> {
  const { segments } = await resourceDump(ch, { segmentType: SegmentType.MENU, mode });
  const menu = segments.find((s) => s.type === SegmentType.MENU);
  if (!menu) throw new AuxError('EIO', 'the menu dump has no menu segment');
  return decodeMenu(menu.bytes);
}

/** DumpError: an error or notice segment of a stream (one layout). */
export interface DumpError {
  readonly syndromeId: number;
  readonly error: string;
}

/** ResourceDumpObjects: the decoded body of a resource dump. */
export interface ResourceDumpObjects {
  readonly objects: DumpedObject[];
  /** Error segments: the request could not be served (e.g. no such object). */
  readonly errors: DumpError[];
  /** Notice segments: information about the answer (e.g. a segment the device keeps no data for). */
  readonly notices: DumpError[];
  readonly calls: number;
}

function textSegment(s: DumpSegment): DumpError {
  return {
    syndromeId: ErrorSegment.get(s.bytes, 'syndrome_id'),
    error: asciiz(ErrorSegment.view(s.bytes, 'error')),
  };
}

/** resourceDumpObjects: the objects of a resource dump, decoded, and any error and notice segments. */
export async function resourceDumpObjects(
  ch: CtlChannel,
  req: ResourceDumpRequest,
): Promise<ResourceDumpObjects> {
  const { segments, calls } = await resourceDump(ch, req);
  const objects: DumpedObject[] = [];
  const errors: DumpError[] = [];
  const notices: DumpError[] = [];
  for (const s of segments) {
    if (s.type <= RESOURCE_SEGMENT_MAX) objects.push(decodeResourceSegment(s.bytes));
    else if (s.bytes.length < ErrorSegment.bytes) continue;
    else if (s.type === SegmentType.ERROR) errors.push(textSegment(s));
    else if (s.type === SegmentType.NOTICE) notices.push(textSegment(s));
  }
  return { objects, errors, notices, calls };
}

/**
 * Dump clients for tests: the loops a tool runs to read a core dump or a
 * resource dump through ACCESS_REG, written the way the register modules
 * document the protocols.
 */
import {
  CORE_DUMP_INLINE_OFFSET,
  CoreDumpReg,
  CoreDumpType,
  RegisterId,
  ResourceDumpReg,
  SegmentType,
  splitSegments,
} from '@auxctl/prm';
import type { RegisterFile } from '../register-file.js';
import { accessReg } from './access-reg-command.js';

/** CoreDumpReply: the decoded register of one CORE_DUMP reply. */
export type CoreDumpReply = ReturnType<typeof CoreDumpReg.decode>;

/** crdumpInline: one inline CORE_DUMP call; returns the reply and its piece. */
export function crdumpInline(
  file: RegisterFile,
  uid: number,
  cookie: bigint,
  room: number,
  size = 0,
): { reply: CoreDumpReply; piece: Buffer } {
  const req = CoreDumpReg.encode({ core_dump_type: CoreDumpType.CR_DUMP_INLINE, size, cookie });
  const out = accessReg(file, RegisterId.CORE_DUMP, req, {
    uid,
    outBytes: CORE_DUMP_INLINE_OFFSET + room,
  });
  const reply = CoreDumpReg.decode(out);
  const piece = Buffer.from(
    out.subarray(CORE_DUMP_INLINE_OFFSET, CORE_DUMP_INLINE_OFFSET + reply.size),
  );
  return { reply, piece };
}

/** readCrdumpInline: the whole dump through inline pieces of at most `room` bytes. */
export function readCrdumpInline(file: RegisterFile, uid: number, room: number): Buffer {
  const pieces: Buffer[] = [];
  let cookie = 0n;
  for (;;) {
    const { reply, piece } = crdumpInline(file, uid, cookie, room);
    pieces.push(piece);
    if (!reply.more_dump) return Buffer.concat(pieces);
    cookie = reply.cookie;
  }
}

/** crdumpToMem: one CR_DUMP_TO_MEM call writing at most `size` bytes at `address` of `mkey`. */
export function crdumpToMem(
  file: RegisterFile,
  uid: number,
  mkey: number,
  size: number,
  cookie = 0n,
  address = 0n,
): CoreDumpReply {
  const req = CoreDumpReg.encode({
    core_dump_type: CoreDumpType.CR_DUMP_TO_MEM,
    mkey,
    size,
    address,
    cookie,
  });
  return CoreDumpReg.decode(accessReg(file, RegisterId.CORE_DUMP, req, { uid }));
}

/** RscDumpStart: the fields that start a resource dump. */
export interface RscDumpStart {
  readonly segmentType: number;
  readonly index1?: number;
  readonly numOfObj1?: number;
}

/**
 * readRscDump: a whole resource dump, inline (`mkey` undefined) or through
 * `mkey` with `memory` as its backing buffer; the reply register is sent
 * back each time, as Linux does.
 */
export function readRscDump(
  file: RegisterFile,
  uid: number,
  start: RscDumpStart,
  through?: { mkey: number; memory: Buffer },
): { stream: Buffer; calls: number; seqs: number[] } {
  let req = ResourceDumpReg.encode({
    segment_type: start.segmentType,
    index1: start.index1 ?? 0,
    num_of_obj1: start.numOfObj1 ?? 0,
    inline_dump: through ? 0 : 1,
    mkey: through?.mkey ?? 0,
    size: through?.memory.length ?? 0,
  });
  const pieces: Buffer[] = [];
  const seqs: number[] = [];
  for (;;) {
    const out = Buffer.from(accessReg(file, RegisterId.RESOURCE_DUMP, req, { uid }));
    const size = ResourceDumpReg.get(out, 'size');
    seqs.push(ResourceDumpReg.get(out, 'seq_num'));
    const src = through ? through.memory : ResourceDumpReg.view(out, 'inline_data');
    pieces.push(Buffer.from(src.subarray(0, size)));
    if (!ResourceDumpReg.get(out, 'more_dump')) {
      return { stream: Buffer.concat(pieces), calls: seqs.length, seqs };
    }
    // Like Linux, send the reply back as is (its `size` is the next call's room).
    req = out;
  }
}

/** segmentTypes: the segment types of a resource dump stream, in order. */
export function segmentTypes(stream: Buffer): number[] {
  return splitSegments(stream).map((s) => s.type);
}

/** framed: the types of a stream with `body` between its info + command and terminate segments. */
export function framed(...body: number[]): number[] {
  return [SegmentType.INFO, SegmentType.CMD, ...body, SegmentType.TERMINATE];
}

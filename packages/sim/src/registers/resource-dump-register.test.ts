import {
  asciiz,
  CmdStatus,
  CommandSegment,
  decodeMenu,
  decodeResourceSegment,
  ErrorSegment,
  InfoSegment,
  RegisterId,
  ResourceDumpReg,
  RSC_DUMP_ALL,
  RSC_DUMP_INLINE_BYTES,
  RscDumpErrorId,
  SegmentType,
  Syndrome,
  splitSegments,
  UctxCap,
} from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { FwError } from '../fw-error.js';
import type { FwObjectView } from '../register-host.js';
import { rawFwVersion } from './fw-version.js';
import { RegisterFile } from './register-file.js';
import { accessReg } from './test-support/access-reg-command.js';
import { framed, readRscDump, segmentTypes } from './test-support/dump-clients.js';
import { FakeRegisterHost } from './test-support/fake-register-host.js';

function qp(id: number, uid: number, state: number): FwObjectView {
  return {
    type: 'QP',
    id,
    uid,
    context: { state, st: 0, pd: 3, cqn_snd: 7, cqn_rcv: 7, log_sq_size: 6, remote_qpn: 0x1ff },
  };
}

function setup(qps = 2) {
  const host = new FakeRegisterHost();
  host.caps.set(5, UctxCap.TOOLS_RESOURCES);
  host.caps.set(6, UctxCap.TOOLS_RESOURCES);
  host.objectList.push({ type: 'PD', id: 3, uid: 7, context: {} });
  for (let i = 0; i < qps; i++) host.objectList.push(qp(0x40 + i, 7, i % 4));
  host.objectList.push({
    type: 'MKEY',
    id: 0x1234,
    uid: 5,
    context: { pd: 3, start_addr: 0n, len: 1n << 40n, lr: 1, lw: 1 },
  });
  return { host, file: new RegisterFile(host) };
}

function fwError(fn: () => unknown): FwError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FwError) return e;
    throw e;
  }
  throw new Error('expected a FwError');
}

describe('RESOURCE_DUMP stream', () => {
  it('frames the menu with info, command and terminate (contents: resource-dump-menu.test.ts)', () => {
    const { host, file } = setup();
    const { stream } = readRscDump(file, 5, { segmentType: SegmentType.MENU });
    const segs = splitSegments(stream);
    expect(segs.map((s) => s.type)).toEqual(framed(SegmentType.MENU));
    expect(InfoSegment.decode(segs[0]!.bytes)).toMatchObject({
      dump_version: 1,
      hw_version: host.identity.deviceId,
      fw_version: rawFwVersion(host.identity.fwVersion),
    });
    expect(CommandSegment.decode(segs[1]!.bytes).segment_called).toBe(SegmentType.MENU);
    const menu = decodeMenu(segs[2]!.bytes);
    expect(menu).toHaveLength(45);
    expect(menu.find((m) => m.segmentName === 'FULL_QPC')).toMatchObject({
      segmentType: 0x1000,
      index1Name: 'QPN',
    });
  });

  it('shows every QP of every uid with its context in FULL_QPC', () => {
    const { file } = setup(3);
    const { stream } = readRscDump(file, 5, {
      segmentType: SegmentType.FULL_QPC,
      numOfObj1: RSC_DUMP_ALL,
    });
    const objects = splitSegments(stream)
      .filter((s) => s.type === SegmentType.FULL_QPC)
      .map((s) => decodeResourceSegment(s.bytes));
    expect(objects.map((o) => o.id)).toEqual([0x40, 0x41, 0x42]);
    expect(objects.map((o) => o.context.get('state'))).toEqual([0n, 1n, 2n]);
    expect(objects[0]!.uid).toBe(7);
    expect([...objects[0]!.context.keys()]).toEqual([
      'state',
      'st',
      'pd',
      'cqn_snd',
      'cqn_rcv',
      'log_sq_size',
      'remote_qpn',
    ]);
  });

  it('selects one object by index1 and reports a missing one in an error segment', () => {
    const { file } = setup(3);
    const one = readRscDump(file, 5, {
      segmentType: SegmentType.FULL_QPC,
      index1: 0x41,
      numOfObj1: 1,
    });
    const found = splitSegments(one.stream).filter((s) => s.type === SegmentType.FULL_QPC);
    expect(found.map((s) => decodeResourceSegment(s.bytes).id)).toEqual([0x41]);

    const missing = readRscDump(file, 5, {
      segmentType: SegmentType.FULL_QPC,
      index1: 0x99,
      numOfObj1: 1,
    });
    const err = splitSegments(missing.stream).find((s) => s.type === SegmentType.ERROR);
    expect(err).toBeDefined();
    const e = ErrorSegment.decode(err!.bytes);
    expect(e.syndrome_id).toBe(RscDumpErrorId.NO_SUCH_OBJECT);
    expect(asciiz(e.error)).toBe('no QPN 0x99');
  });

  it('returns an empty FULL_CQC until CQs exist, and shows MKEY contexts', () => {
    const { host, file } = setup();
    const cq = readRscDump(file, 5, { segmentType: SegmentType.FULL_CQC });
    expect(segmentTypes(cq.stream)).toEqual(framed());
    host.objectList.push({ type: 'CQ', id: 9, uid: 0, context: { log_cq_size: 10 } });
    const cq2 = readRscDump(file, 5, { segmentType: SegmentType.FULL_CQC });
    expect(splitSegments(cq2.stream).filter((s) => s.type === SegmentType.FULL_CQC)).toHaveLength(
      1,
    );
    const mk = readRscDump(file, 5, { segmentType: SegmentType.MKEY_CONTEXT });
    const seg = splitSegments(mk.stream).find((s) => s.type === SegmentType.MKEY_CONTEXT)!;
    expect(decodeResourceSegment(seg.bytes).context.get('len')).toBe(1n << 40n);
  });
});

describe('RESOURCE_DUMP protocol', () => {
  it('reassembles the same bytes inline (seq_num +1, wrapping) as through an mkey', () => {
    const { host, file } = setup(40);
    const inline = readRscDump(file, 5, { segmentType: SegmentType.FULL_QPC });
    expect(inline.calls).toBeGreaterThan(16);
    expect(inline.seqs.slice(0, 17)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1,
    ]);
    const mkey = host.addMkey(5, 1000);
    const viaMkey = readRscDump(
      file,
      5,
      { segmentType: SegmentType.FULL_QPC },
      { mkey, memory: host.memory(mkey) },
    );
    expect(viaMkey.calls).toBe(Math.ceil(inline.stream.length / 1000));
    expect(viaMkey.stream.equals(inline.stream)).toBe(true);
    expect(splitSegments(inline.stream).at(-1)?.type).toBe(SegmentType.TERMINATE);
  });

  it('delivers at most 208 bytes inline and reports more_dump', () => {
    const { file } = setup(10);
    const out = accessReg(
      file,
      RegisterId.RESOURCE_DUMP,
      ResourceDumpReg.encode({ segment_type: SegmentType.FULL_QPC, inline_dump: 1 }),
      { uid: 5 },
    );
    expect(ResourceDumpReg.decode(out)).toMatchObject({
      size: RSC_DUMP_INLINE_BYTES,
      more_dump: 1,
      seq_num: 1,
      segment_type: SegmentType.FULL_QPC,
    });
  });

  it('rejects a wrong seq_num, a foreign device_opaque and a continuation without a dump', () => {
    const { file } = setup(10);
    const start = ResourceDumpReg.encode({ segment_type: SegmentType.FULL_QPC, inline_dump: 1 });
    const first = Buffer.from(accessReg(file, RegisterId.RESOURCE_DUMP, start, { uid: 5 }));
    const tamper = (f: (b: Buffer) => void) => {
      const b = Buffer.from(first);
      f(b);
      return fwError(() => accessReg(file, RegisterId.RESOURCE_DUMP, b, { uid: 5 }));
    };
    for (const e of [
      tamper((b) => ResourceDumpReg.set(b, 'seq_num', 3)),
      tamper((b) => ResourceDumpReg.set64(b, 'device_opaque', 12345n)),
      tamper((b) => ResourceDumpReg.set(b, 'segment_type', SegmentType.FULL_CQC)),
      fwError(() => accessReg(file, RegisterId.RESOURCE_DUMP, first, { uid: 6 })),
      fwError(() =>
        accessReg(
          file,
          RegisterId.RESOURCE_DUMP,
          ResourceDumpReg.encode({ segment_type: SegmentType.MENU, inline_dump: 1, seq_num: 4 }),
          { uid: 5 },
        ),
      ),
    ]) {
      expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.REG_BAD_CONTINUATION]);
    }
    // None of the failures moved the dump: the genuine continuation still works.
    const next = ResourceDumpReg.decode(
      accessReg(file, RegisterId.RESOURCE_DUMP, first, { uid: 5 }),
    );
    expect(next.seq_num).toBe(2);
  });

  it('keeps dumps of two contexts apart', () => {
    const { file } = setup(10);
    const expected = readRscDump(file, 0, { segmentType: SegmentType.FULL_QPC }).stream;
    const startReq = ResourceDumpReg.encode({ segment_type: SegmentType.FULL_QPC, inline_dump: 1 });
    let a = Buffer.from(accessReg(file, RegisterId.RESOURCE_DUMP, startReq, { uid: 5 }));
    const b = readRscDump(file, 6, { segmentType: SegmentType.FULL_QPC }).stream;
    const pieces = [Buffer.from(ResourceDumpReg.view(a, 'inline_data'))];
    while (ResourceDumpReg.get(a, 'more_dump')) {
      a = Buffer.from(accessReg(file, RegisterId.RESOURCE_DUMP, a, { uid: 5 }));
      const size = ResourceDumpReg.get(a, 'size');
      pieces.push(Buffer.from(ResourceDumpReg.view(a, 'inline_data').subarray(0, size)));
    }
    expect(Buffer.concat(pieces).equals(expected)).toBe(true);
    expect(b.equals(expected)).toBe(true);
  });

  it('rejects unknown segments, other functions and an mkey dump without room', () => {
    const { host, file } = setup();
    const mkey = host.addMkey(5, 100);
    for (const fields of [
      { segment_type: 0x7777, inline_dump: 1 },
      { segment_type: SegmentType.MENU, inline_dump: 1, vhca_id: 1 },
      { segment_type: SegmentType.MENU, inline_dump: 0, mkey, size: 0 },
    ]) {
      const e = fwError(() =>
        accessReg(file, RegisterId.RESOURCE_DUMP, ResourceDumpReg.encode(fields), { uid: 5 }),
      );
      expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.REG_BAD_FIELD]);
    }
  });

  it('starts no dump when the first mkey write fails', () => {
    const { host, file } = setup(10);
    const start = ResourceDumpReg.encode({
      segment_type: SegmentType.FULL_QPC,
      mkey: 0x999,
      size: 100,
    });
    expect(() => accessReg(file, RegisterId.RESOURCE_DUMP, start, { uid: 5 })).toThrow(FwError);
    // Had the failed start been kept, this continuation (first opaque is 1) would succeed.
    const cont = ResourceDumpReg.encode({
      segment_type: SegmentType.FULL_QPC,
      inline_dump: 1,
      more_dump: 1,
      seq_num: 1,
      device_opaque: 1n,
    });
    expect(
      fwError(() => accessReg(file, RegisterId.RESOURCE_DUMP, cont, { uid: 5 })).syndrome,
    ).toBe(Syndrome.REG_BAD_CONTINUATION);
    ResourceDumpReg.set(start, 'mkey', host.addMkey(5, 100));
    const ok = ResourceDumpReg.decode(accessReg(file, RegisterId.RESOURCE_DUMP, start, { uid: 5 }));
    expect(ok).toMatchObject({ seq_num: 1, size: 100, more_dump: 1, device_opaque: 1n });
    expect(
      ResourceDumpReg.decode(accessReg(file, RegisterId.RESOURCE_DUMP, cont, { uid: 5 })).size,
    ).toBe(RSC_DUMP_INLINE_BYTES);
  });
});

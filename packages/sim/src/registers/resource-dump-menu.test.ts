import {
  asciiz,
  decodeMenu,
  ErrorSegment,
  MENU_RECORD_FLAGS,
  NoticeSegment,
  RSC_DUMP_ALL,
  RscDumpErrorId,
  RscDumpNoticeId,
  SegmentType,
  splitSegments,
} from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MLX5CTL_MENU_BYTES, MLX5CTL_MENU_SAMPLE } from '../testing/mlx5ctl-menu-sample.js';
import { RegisterFile } from './register-file.js';
import { REAL_MENU, VIRTIO_NET_Q_RECORD } from './resource-dump-menu.js';
import { framed, readRscDump, segmentTypes } from './test-support/dump-clients.js';
import { FakeRegisterHost } from './test-support/fake-register-host.js';

function setup(virtio = false) {
  const host = new FakeRegisterHost();
  host.virtio = virtio;
  host.objectList.push({ type: 'QP', id: 0x40, uid: 0, context: { state: 3 } });
  host.objectList.push({ type: 'SQ', id: 0x50, uid: 0, context: { state: 1 } });
  host.objectList.push({ type: 'VIRTIO_NET_Q', id: 2, uid: 0, context: { state: 1 } });
  return { host, file: new RegisterFile(host) };
}

function readMenu(file: RegisterFile) {
  const { stream } = readRscDump(file, 0, { segmentType: SegmentType.MENU });
  const menu = splitSegments(stream).find((s) => s.type === SegmentType.MENU);
  return { stream, records: decodeMenu(menu?.bytes ?? Buffer.alloc(0)) };
}

const flagBits = (flags: Record<string, boolean>) =>
  MENU_RECORD_FLAGS.map((f) => (flags[f] ? '1' : '0')).join('');

describe('RESOURCE_DUMP menu', () => {
  it("is the real device's 45 records (types, flags, names, order) in 2,388 bytes on a PF", () => {
    const { stream, records } = readMenu(setup().file);
    expect(stream.length).toBe(MLX5CTL_MENU_BYTES);
    expect(
      records.map((r) => [
        r.segmentType,
        flagBits(r.flags),
        r.segmentName,
        r.index1Name,
        r.index2Name,
      ]),
    ).toEqual(MLX5CTL_MENU_SAMPLE.map((row) => [...row]));
    // prm's SegmentType names the same numbers the menu gives.
    for (const r of records) {
      expect(SegmentType[r.segmentName as keyof typeof SegmentType]).toBe(r.segmentType);
    }
  });

  it('adds VIRTIO_NET_Q, and only it, on a function that runs virtio queues', () => {
    const { stream, records } = readMenu(setup(true).file);
    expect(stream.length).toBe(MLX5CTL_MENU_BYTES + 52);
    expect(records.slice(0, 45).map((r) => r.segmentName)).toEqual(
      MLX5CTL_MENU_SAMPLE.map((row) => row[2]),
    );
    expect(records[45]).toMatchObject({
      segmentType: SegmentType.VIRTIO_NET_Q,
      segmentName: 'VIRTIO_NET_Q',
      index1Name: 'OBJ_ID',
    });
    // A PF refuses the segment its menu does not list.
    const pf = setup(false).file;
    expect(() => readRscDump(pf, 0, { segmentType: SegmentType.VIRTIO_NET_Q })).toThrow(
      /not in the menu/,
    );
    const vq = readRscDump(setup(true).file, 0, { segmentType: SegmentType.VIRTIO_NET_Q });
    expect(splitSegments(vq.stream).map((s) => s.type)).toContain(SegmentType.VIRTIO_NET_Q);
  });

  it('answers a table the model never fills with the framing alone, or NO_SUCH_OBJECT for an index', () => {
    const { file } = setup();
    const all = readRscDump(file, 0, { segmentType: SegmentType.FULL_SRQC });
    expect(segmentTypes(all.stream)).toEqual(framed());
    const one = readRscDump(file, 0, {
      segmentType: SegmentType.STE_ROOT,
      index1: 3,
      numOfObj1: 1,
    });
    const err = splitSegments(one.stream).find((s) => s.type === SegmentType.ERROR);
    expect(ErrorSegment.decode(err?.bytes ?? Buffer.alloc(64)).syndrome_id).toBe(
      RscDumpErrorId.NO_SUCH_OBJECT,
    );
  });

  it('answers hardware state it has no copy of with one NOTICE and no data', () => {
    const { file } = setup();
    const { stream } = readRscDump(file, 0, { segmentType: SegmentType.SX_SLICE, index1: 0 });
    const segs = splitSegments(stream);
    expect(segs.map((s) => s.type)).toEqual(framed(SegmentType.NOTICE));
    const n = NoticeSegment.decode(segs[2]!.bytes);
    expect(n.syndrome_id).toBe(RscDumpNoticeId.NOT_MODELLED);
    expect(asciiz(n.error)).toBe('SX_SLICE not modelled');
  });

  it('gives every menu segment a well-framed stream whose body matches its source (property)', () => {
    const { host, file } = setup(true);
    const rows = [...REAL_MENU, VIRTIO_NET_Q_RECORD];
    fc.assert(
      fc.property(
        fc.constantFrom(...rows),
        fc.nat(0x60),
        fc.constantFrom(0, 1, 2, RSC_DUMP_ALL),
        (row, index1, numOfObj1) => {
          const { stream } = readRscDump(file, 0, { segmentType: row.type, index1, numOfObj1 });
          const types = splitSegments(stream).map((s) => s.type);
          expect(types.slice(0, 2)).toEqual([SegmentType.INFO, SegmentType.CMD]);
          expect(types.at(-1)).toBe(SegmentType.TERMINATE);
          const body = types.slice(2, -1);
          if (row.source === 'not-modelled') {
            expect(body).toEqual([SegmentType.NOTICE]);
          } else {
            const have = [...host.objects()].filter(
              (o) => o.type === row.source && o.id >= index1,
            ).length;
            const exact = numOfObj1 !== 0 && numOfObj1 !== RSC_DUMP_ALL;
            const hit = [...host.objects()].some((o) => o.type === row.source && o.id === index1);
            if (exact && !hit) expect(body).toEqual([SegmentType.ERROR]);
            else
              expect(body).toEqual(Array(exact ? Math.min(have, numOfObj1) : have).fill(row.type));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

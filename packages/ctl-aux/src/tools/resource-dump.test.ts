import {
  MENU_RECORD_FLAGS,
  RSC_DUMP_ALL,
  RscDumpErrorId,
  RscDumpNoticeId,
  SegmentType,
} from '@auxctl/prm';
import { MLX5CTL_MENU_BYTES, MLX5CTL_MENU_SAMPLE } from '@auxctl/sim/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { allocPd, createMkey } from '../test-support/commands.js';
import { ADMIN, type CtlRig, ctlRig, USER } from '../test-support/rig.js';
import { resourceDump, resourceDumpMenu, resourceDumpObjects } from './resource-dump.js';

let rig: CtlRig;
afterEach(async () => {
  await rig?.close();
  expect(rig.sim.dma.mappings).toBe(0);
});

describe('resource dump helpers', () => {
  it('read the menu inline and through a window, identically', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ADMIN);
    const inline = await resourceDump(ctx, { segmentType: SegmentType.MENU });
    const umem = await resourceDump(ctx, {
      segmentType: SegmentType.MENU,
      mode: 'umem',
      windowBytes: 4096,
    });
    expect(umem.stream.equals(inline.stream)).toBe(true);
    expect(inline.calls).toBe(Math.ceil(inline.stream.length / 208));
    expect(umem.calls).toBe(1);
    expect(inline.segments.map((s) => s.type)).toEqual([
      SegmentType.INFO,
      SegmentType.CMD,
      SegmentType.MENU,
      SegmentType.TERMINATE,
    ]);
    // The PF's menu as a real device writes it: 45 records in 2,388 bytes.
    expect(inline.stream.length).toBe(MLX5CTL_MENU_BYTES);
    const menu = await resourceDumpMenu(ctx, 'umem');
    expect(
      menu.map((m) => [
        m.segmentType,
        MENU_RECORD_FLAGS.map((f) => (m.flags[f] ? '1' : '0')).join(''),
        m.segmentName,
        m.index1Name,
        m.index2Name,
      ]),
    ).toEqual(MLX5CTL_MENU_SAMPLE.map((row) => [...row]));
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({});
    expect(rig.extraMappings()).toBe(0);
  });

  it("dumps objects of every uid (here another context's mkeys) and reports missing ones", async () => {
    rig = await ctlRig();
    const owner = await rig.open(USER);
    const umem = await owner.umemReg(Buffer.alloc(8192));
    const pd = await allocPd(owner);
    const keys = [await createMkey(owner, pd, umem, 4096), await createMkey(owner, pd, umem, 8192)];
    const tool = await rig.open(ADMIN);
    for (const mode of ['inline', 'umem'] as const) {
      const { objects, errors } = await resourceDumpObjects(tool, {
        segmentType: SegmentType.MKEY_CONTEXT,
        numOfObj1: RSC_DUMP_ALL,
        mode,
        windowBytes: 256,
      });
      expect(errors).toEqual([]);
      // The dump's own window key shows up too in umem mode.
      const mine = objects.filter((o) => o.uid === owner.uid);
      expect(mine.map((o) => o.id)).toEqual(keys);
      expect(mine.map((o) => o.context.get('len'))).toEqual([4096n, 8192n]);
    }
    const missing = await resourceDumpObjects(tool, {
      segmentType: SegmentType.FULL_QPC,
      index1: 77,
      numOfObj1: 1,
    });
    expect(missing.objects).toEqual([]);
    expect(missing.errors.map((e) => e.syndromeId)).toEqual([RscDumpErrorId.NO_SUCH_OBJECT]);
    const slices = await resourceDumpObjects(tool, { segmentType: SegmentType.RX_SLICE_ALL });
    expect(slices).toMatchObject({ objects: [], errors: [] });
    expect(slices.notices.map((n) => [n.syndromeId, n.error])).toEqual([
      [RscDumpNoticeId.NOT_MODELLED, 'RX_SLICE_ALL not modelled'],
    ]);
    expect(rig.sim.engine.objectCounts(tool.uid)).toEqual({});
  });

  it('needs TOOLS_RESOURCES and bounds the stream', async () => {
    rig = await ctlRig();
    const user = await rig.open(USER);
    await expect(resourceDump(user, { segmentType: SegmentType.MENU })).rejects.toMatchObject({
      code: 'EINVAL',
    });
    const admin = await rig.open(ADMIN);
    await expect(
      resourceDump(admin, { segmentType: SegmentType.MENU, maxBytes: 300 }),
    ).rejects.toMatchObject({ code: 'EMSGSIZE' });
    await expect(resourceDump(admin, { segmentType: 0x1_0000 })).rejects.toMatchObject({
      code: 'EINVAL',
    });
    await expect(
      resourceDump(admin, { segmentType: SegmentType.MENU, mode: 'umem', windowBytes: 0 }),
    ).rejects.toMatchObject({ code: 'EINVAL' });
    expect(rig.extraMappings()).toBe(0);
  });
});

import { CmdStatus, CRDUMP_MAGIC, isAuxError, Op, Syndrome, scanCrdump } from '@auxctl/prm';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, type CtlRig, ctlRig, USER } from '../test-support/rig.js';
import {
  type CoredumpProgress,
  coredump,
  INLINE_PIECE_DEFAULT,
  INLINE_PIECE_MAX,
} from './coredump.js';

let rig: CtlRig;
afterEach(async () => {
  await rig?.close();
  expect(rig.sim.dma.mappings).toBe(0);
});

describe('coredump', () => {
  it('gives byte-identical dumps through umem and inline, and releases everything', async () => {
    const size = 300_000;
    rig = await ctlRig({ sim: { crdumpSize: size } });
    const ctx = await rig.open(ADMIN);
    const umem = await coredump(ctx, { mode: 'umem' });
    const inline = await coredump(ctx, { mode: 'inline' });
    const expected = rig.sim.engine.readCrdump();
    expect(umem.data.equals(expected)).toBe(true);
    expect(inline.data.equals(expected)).toBe(true);
    // The last reply's cookie: the address after the last pair, as a real device returns it.
    const end = BigInt(scanCrdump(expected).nextAddress);
    for (const r of [umem, inline]) {
      expect(r).toMatchObject({ size, cookie: end, moreDump: false });
      expect(r.header?.magic.equals(CRDUMP_MAGIC)).toBe(true);
      expect(r.header?.total_size).toBe(size);
    }
    expect(umem.calls).toBe(2); // the size query, then one CR_DUMP_TO_MEM
    expect(inline.calls).toBe(Math.ceil(size / INLINE_PIECE_DEFAULT));
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({});
    expect(rig.extraMappings()).toBe(0);
    // Only the context's own uctx is left, and close leaves nothing.
    await ctx.close();
    expect(rig.objects()).toBe(0);
  });

  it('reads the default 831,304-byte dump as ascending address/value pairs, one-shot or continued', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ADMIN);
    const oneShot = await coredump(ctx, { mode: 'umem' });
    expect(oneShot.size).toBe(831_304);
    const s = scanCrdump(oneShot.data); // EINVAL unless every address ascends
    expect(s).toMatchObject({ pairs: 103_913, tailBytes: 0, firstAddress: 0 });
    expect(oneShot.cookie).toBe(BigInt(s.nextAddress));
    expect(oneShot.header?.total_size).toBe(831_304);
    const continued = await coredump(ctx, { mode: 'umem', windowBytes: 100_000 });
    const inline = await coredump(ctx, { mode: 'inline', pieceBytes: 50_001 });
    expect(continued.calls).toBeGreaterThan(2);
    for (const r of [continued, inline]) {
      expect(r.data.equals(oneShot.data)).toBe(true);
      expect(r.cookie).toBe(oneShot.cookie);
    }
  });

  it('loops on more_dump when the window or piece is smaller than the dump', async () => {
    rig = await ctlRig({ sim: { crdumpSize: 100_000 } });
    const ctx = await rig.open(ADMIN);
    const seen: CoredumpProgress[] = [];
    const r = await coredump(ctx, {
      mode: 'umem',
      windowBytes: 30_000,
      onProgress: (p) => seen.push(p),
    });
    // The window is page-rounded: 8 pages, 32768 bytes a call.
    expect(seen.map((p) => [p.offset, p.bytes, p.moreDump])).toEqual([
      [0, 32768, true],
      [32768, 32768, true],
      [65536, 32768, true],
      [98304, 1696, false],
    ]);
    // Each cookie names the address after the last pair of its piece.
    const all = rig.sim.engine.readCrdump();
    for (const p of seen) {
      const piece = all.subarray(p.offset, p.offset + p.bytes);
      expect(p.cookie).toBe(BigInt(scanCrdump(piece).nextAddress));
    }
    expect(r.calls).toBe(4);
    const big = await coredump(ctx, { mode: 'inline', pieceBytes: INLINE_PIECE_MAX });
    expect(big.calls).toBe(1);
    expect(big.data.equals(r.data)).toBe(true);
    expect(r.data.equals(rig.sim.engine.readCrdump())).toBe(true);
    expect(rig.extraMappings()).toBe(0);
  });

  it('agrees between paths for any piece and window size (property)', async () => {
    rig = await ctlRig({ sim: { crdumpSize: 20_000 } });
    const ctx = await rig.open(ADMIN);
    const expected = rig.sim.engine.readCrdump();
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 25_000 }),
        fc.integer({ min: 700, max: 25_000 }),
        async (window, piece) => {
          // One capture per context: the two dumps run one after the other.
          const u = await coredump(ctx, { mode: 'umem', windowBytes: window });
          const i = await coredump(ctx, { mode: 'inline', pieceBytes: piece });
          expect(u.data.equals(expected)).toBe(true);
          expect(i.data.equals(expected)).toBe(true);
          expect(rig.extraMappings()).toBe(0);
        },
      ),
      { numRuns: 25 },
    );
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({});
  });

  it('refuses bad options with EINVAL before sending anything', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ADMIN);
    const before = rig.audit.length;
    for (const bad of [
      { mode: 'fast' },
      { mode: 'inline', pieceBytes: 0 },
      { mode: 'inline', pieceBytes: 7 },
      { mode: 'inline', pieceBytes: INLINE_PIECE_MAX + 1 },
      { mode: 'umem', windowBytes: 1.5 },
      { mode: 'umem', windowBytes: 64 * 1024 * 1024 + 1 },
      undefined,
    ]) {
      await expect(coredump(ctx, bad as never)).rejects.toMatchObject({ code: 'EINVAL' });
    }
    expect(rig.audit.length).toBe(before);
  });

  it('fails with the firmware errno without TOOLS_RESOURCES, leaving nothing behind', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(USER);
    for (const mode of ['umem', 'inline'] as const) {
      const err = await coredump(ctx, { mode }).catch((e: unknown) => e);
      expect(isAuxError(err, 'EINVAL')).toBe(true);
      expect((err as { detail: { syndrome: number } }).detail.syndrome).toBe(
        Syndrome.UID_LACKS_CAP,
      );
    }
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({});
    expect(rig.extraMappings()).toBe(0);
  });

  it('releases the window when a step fails part way', async () => {
    rig = await ctlRig({ sim: { crdumpSize: 50_000 } });
    const ctx = await rig.open(ADMIN);
    rig.sim.engine.forceStatus(Op.CREATE_MKEY, CmdStatus.LIM, Syndrome.OBJ_LIMIT);
    await expect(coredump(ctx, { mode: 'umem' })).rejects.toMatchObject({ code: 'ENOMEM' });
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({});
    expect(rig.extraMappings()).toBe(0);
    // The third CORE_DUMP call through the window fails.
    let calls = 0;
    const err = await coredump(ctx, {
      mode: 'umem',
      windowBytes: 8192,
      onProgress: () => {
        if (++calls === 2) rig.sim.engine.forceStatus(Op.ACCESS_REG, CmdStatus.INT_ERR);
      },
    }).catch((e: unknown) => e);
    expect(isAuxError(err, 'EIO')).toBe(true);
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({});
    expect(rig.extraMappings()).toBe(0);
  });
});

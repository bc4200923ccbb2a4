import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ADMIN, type CtlRig, ctlRig } from '../test-support/rig.js';
import { UMEM_MAX_BYTES } from '../umem-registry.js';
import { openDumpWindow } from './dump-window.js';

let rig: CtlRig;
afterEach(async () => {
  await rig?.close();
  expect(rig.sim.dma.mappings).toBe(0);
});

describe('openDumpWindow', () => {
  it('keeps umem, PD and mkey until close(), which is idempotent', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ADMIN);
    const w = await openDumpWindow(ctx, 5000);
    expect(w.buffer.length).toBe(8192);
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({ UMEM: 1, PD: 1, MKEY: 1 });
    await Promise.all([w.close(), w.close()]);
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({});
    expect(rig.extraMappings()).toBe(0);
    await ctx.close();
  });

  it('refuses sizes outside 1..64 MiB with EINVAL before allocating anything', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ADMIN);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.integer({ max: 0 }),
          fc.integer({ min: UMEM_MAX_BYTES + 1 }),
          fc.double({ noInteger: true }),
          fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53),
        ),
        async (bytes) => {
          await expect(openDumpWindow(ctx, bytes)).rejects.toMatchObject({ code: 'EINVAL' });
        },
      ),
      { numRuns: 50 },
    );
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({});
    await ctx.close();
  });

  it('closing the context releases an open window', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ADMIN);
    const w = await openDumpWindow(ctx, 4096);
    await ctx.close();
    expect(rig.objects()).toBe(0);
    await w.close();
  });
});

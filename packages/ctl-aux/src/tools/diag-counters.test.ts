import { Syndrome } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { CTL_TAINT } from '../ctl-context.js';
import { ADMIN, type CtlRig, ctlRig, USER } from '../test-support/rig.js';
import { diagCap, diagDisable, diagDump, diagParams, diagSet } from './diag-counters.js';

let rig: CtlRig;
afterEach(async () => {
  await rig?.close();
  expect(rig.sim.dma.mappings).toBe(0);
});

describe('diagnostic counter helpers', () => {
  it('cap, set, dump and disable; setting taints the device', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ADMIN);
    const cap = await diagCap(ctx);
    const ids = cap.counters.slice(0, 3).map((c) => c.id);
    expect(ids).toHaveLength(3);
    expect(ctx.info().tainted).toEqual([]);
    await diagSet(ctx, { counterIds: ids, mode: 'on_demand', logNumOfSamples: 2 });
    expect(ctx.info().tainted).toEqual([CTL_TAINT]);
    const p = await diagParams(ctx);
    expect(p).toMatchObject({ enable: 1, on_demand: 1, num_of_counters: 3, counterIds: ids });
    const first = await diagDump(ctx, { numOfSamples: 1 });
    expect(first.map((s) => s.counterId)).toEqual(ids);
    expect(new Set(first.map((s) => s.sampleId)).size).toBe(1);
    const two = await diagDump(ctx, { numOfSamples: 2, counters: 3 });
    expect(two).toHaveLength(6);
    expect(two.every((s) => typeof s.value === 'bigint')).toBe(true);
    await diagDisable(ctx);
    expect((await diagParams(ctx)).enable).toBe(0);
    await expect(diagDump(ctx, { numOfSamples: 1, counters: 3 })).rejects.toMatchObject({
      code: 'EINVAL',
      detail: { syndrome: Syndrome.DIAG_NOT_ENABLED },
    });
  });

  it('refuses bad setups with EINVAL and needs TOOLS_RESOURCES to change anything', async () => {
    rig = await ctlRig();
    const admin = await rig.open(ADMIN);
    await expect(
      diagSet(admin, { counterIds: [], mode: 'single', logNumOfSamples: 1 }),
    ).rejects.toMatchObject({
      code: 'EINVAL',
    });
    await expect(
      diagSet(admin, { counterIds: [0x2006], mode: 'single', logNumOfSamples: 300 }),
    ).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(
      diagSet(admin, { counterIds: [0x7777], mode: 'on_demand', logNumOfSamples: 1 }),
    ).rejects.toMatchObject({
      code: 'EINVAL',
      detail: { syndrome: Syndrome.DIAG_UNKNOWN_COUNTER },
    });
    await expect(diagDump(admin, { numOfSamples: 0x10000, counters: 1 })).rejects.toMatchObject({
      code: 'EINVAL',
    });
    const user = await rig.open(USER);
    await expect(
      diagSet(user, { counterIds: [0x2006], mode: 'on_demand', logNumOfSamples: 1 }),
    ).rejects.toMatchObject({ code: 'EINVAL', detail: { syndrome: Syndrome.UID_LACKS_CAP } });
    // Reading the parameters is allowed to anyone.
    expect((await diagParams(user)).enable).toBe(0);
  });
});

import { buildInbox, type Uevent } from '@auxctl/core';
import { FwctlScope, isAuxError, NopIn, Op } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import type { CtlContext } from './ctl-context.js';
import { CTL_DRIVER_NAME } from './ctl-driver.js';

import { allocPd, createMkey } from './test-support/commands.js';
import { ADMIN, type CtlRig, ctlRig, ROOT, USER } from './test-support/rig.js';
import { coredump } from './tools/coredump.js';

let rig: CtlRig;
afterEach(async () => {
  await rig?.close();
  expect(rig.sim.dma.mappings).toBe(0);
});

const nop = () => ({
  scope: FwctlScope.DEBUG_READ_ONLY,
  inbox: buildInbox(NopIn, Op.NOP),
  outLen: 16,
});

/** eightContexts: eight contexts holding umems, PDs and mkeys, one of them mid-coredump. */
async function eightContexts(r: CtlRig, onDumping: () => void) {
  const creds = [ROOT, ADMIN, USER, ADMIN, ROOT, USER, ADMIN, ROOT];
  const ctxs: CtlContext[] = [];
  for (const c of creds) ctxs.push(await r.open(c));
  for (const [i, ctx] of ctxs.entries()) {
    if (i % 2 === 0) {
      const umem = await ctx.umemReg(Buffer.alloc(4096 * (i + 1)));
      await createMkey(ctx, await allocPd(ctx), umem, 4096);
    } else {
      await ctx.umemReg(Buffer.alloc(8192));
      await allocPd(ctx);
    }
  }
  let replies = 0;
  const dumping = coredump(ctxs[1]!, {
    mode: 'inline',
    onProgress: () => {
      if (++replies === 5) onDumping();
    },
  });
  return { ctxs, dumping };
}

async function expectGone(ctxs: readonly CtlContext[]): Promise<void> {
  for (const ctx of ctxs) {
    expect(ctx.closed).toBe(true);
    expect(() => ctx.info()).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    await expect(ctx.rpc(nop())).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(ctx.umemReg(Buffer.alloc(4096))).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(ctx.umemUnreg(1)).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(ctx.close()).resolves.toBeUndefined();
  }
}

describe('device removal with open contexts', () => {
  it('core.close() closes 8 contexts (one mid-coredump) before the core goes, leaving nothing', async () => {
    rig = await ctlRig({ sim: { latency: 'hardware', crdumpSize: 200_000 } });
    // Measure at the moment the driver's remove has finished, while firmware still runs.
    const atUnbind: Array<{ objects: number; extra: number }> = [];
    rig.bus.uevents.subscribe((e: Uevent) => {
      if (e.action === 'unbind' && e.device === 'mlx5_core.ctl.0') {
        atUnbind.push({ objects: rig.objects(), extra: rig.extraMappings() });
      }
    });
    let closing: Promise<void> | undefined;
    const { ctxs, dumping } = await eightContexts(rig, () => {
      closing = rig.core.close();
    });
    expect(rig.objects()).toBe(8 + 8 + 8 + 4); // uctxs, umems, PDs, mkeys
    const err = await dumping.catch((e: unknown) => e);
    expect(isAuxError(err, 'ENODEV')).toBe(true);
    await closing;
    expect(atUnbind).toEqual([{ objects: 0, extra: 0 }]);
    await expectGone(ctxs);
    expect(rig.registry.list()).toEqual([]);
    await expect(rig.registry.open(rig.name, ROOT)).rejects.toMatchObject({ code: 'ENODEV' });
    expect(rig.audit.filter((l) => l.event === 'ctl.close' && l.reason === 'removed')).toHaveLength(
      8,
    );
    rig.sim.close();
    expect(rig.sim.dma.mappings).toBe(0);
  });

  it('bus delete of the ctl aux device releases every uid, umem and object while the core stays up', async () => {
    rig = await ctlRig({ sim: { latency: 'hardware', crdumpSize: 200_000 } });
    const adev = rig.core.auxDevices().find((d) => d.devName === 'mlx5_core.ctl.0')!;
    let deleting: Promise<void> | undefined;
    const { ctxs, dumping } = await eightContexts(rig, () => {
      deleting = rig.bus.delete(adev);
    });
    await expect(dumping).rejects.toMatchObject({ code: 'ENODEV' });
    await deleting;
    expect(rig.sim.engine.objectCounts()).toEqual({});
    expect(rig.extraMappings()).toBe(0);
    expect(rig.core.state).toBe('up');
    await expectGone(ctxs);
    expect(rig.registry.names()).toEqual([]);
  });

  it('unbinding the driver closes contexts; binding it again registers a fresh device', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ROOT);
    await ctx.umemReg(Buffer.alloc(4096));
    await rig.bus.unbind('mlx5_core.ctl.0');
    await expectGone([ctx]);
    expect(rig.objects()).toBe(0);
    expect(rig.extraMappings()).toBe(0);
    await rig.bus.bind('mlx5_core.ctl.0', CTL_DRIVER_NAME);
    const again = await rig.open(ROOT);
    expect((await again.rpc(nop()))[0]).toBe(0);
    expect(again.uid).not.toBe(ctx.uid);
  });

  it('an open racing with removal either fails with ENODEV or is closed by it, leaking nothing', async () => {
    rig = await ctlRig({ sim: { latency: 'hardware' } });
    const opens = Array.from({ length: 6 }, () => rig.open(USER));
    await rig.bus.unbind('mlx5_core.ctl.0');
    const settled = await Promise.allSettled(opens);
    for (const s of settled) {
      if (s.status === 'rejected') expect(isAuxError(s.reason, 'ENODEV')).toBe(true);
      else expect(s.value.closed).toBe(true);
    }
    expect(rig.objects()).toBe(0);
  });
});

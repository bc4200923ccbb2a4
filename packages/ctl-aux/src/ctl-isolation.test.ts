import { buildInbox } from '@auxctl/core';
import {
  CmdStatus,
  CreateMkeyOut,
  DeallocPdIn,
  DestroyMkeyIn,
  Op,
  QueryMkeyIn,
  QueryMkeyOut,
  Syndrome,
} from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { allocPd, crdumpToMem, createMkey, mkeyInbox, send } from './test-support/commands.js';
import { ADMIN, type CtlRig, ctlRig } from './test-support/rig.js';

let rig: CtlRig;
afterEach(async () => {
  await rig?.close();
  expect(rig.sim.dma.mappings).toBe(0);
});

describe('contexts are isolated by uid', () => {
  it("cannot touch, use or destroy another context's PD, mkey or umem", async () => {
    rig = await ctlRig({ sim: { crdumpSize: 8192 } });
    const a = await rig.open(ADMIN);
    const b = await rig.open(ADMIN);
    const umem = await a.umemReg(Buffer.alloc(8192));
    const pd = await allocPd(a);
    const mkey = await createMkey(a, pd, umem, 8192);
    const owned = rig.sim.engine.objectCounts(a.uid);
    expect(owned).toEqual({ UMEM: 1, PD: 1, MKEY: 1 });
    const otherUid = { status: CmdStatus.BAD_RES, syndrome: Syndrome.OBJ_OTHER_UID };

    expect(await send(b, buildInbox(DeallocPdIn, Op.DEALLOC_PD, { pd }))).toMatchObject(otherUid);
    expect(
      await send(b, buildInbox(DestroyMkeyIn, Op.DESTROY_MKEY, { mkey_index: mkey })),
    ).toMatchObject(otherUid);
    expect(
      await send(
        b,
        buildInbox(QueryMkeyIn, Op.QUERY_MKEY, { mkey_index: mkey }),
        QueryMkeyOut.bytes,
      ),
    ).toMatchObject(otherUid);
    // Dumping through a's key, or keying a's umem from b's own PD, is refused too.
    expect(await crdumpToMem(b, mkey, 8192)).toMatchObject(otherUid);
    const bPd = await allocPd(b);
    expect(await send(b, mkeyInbox(bPd, umem, 8192), CreateMkeyOut.bytes)).toMatchObject(otherUid);
    expect(await send(b, mkeyInbox(pd, umem, 8192), CreateMkeyOut.bytes)).toMatchObject(otherUid);
    await expect(b.umemUnreg(umem)).rejects.toMatchObject({ code: 'ENOENT' });

    expect(rig.sim.engine.objectCounts(a.uid)).toEqual(owned);
    // a still works with its objects.
    expect((await crdumpToMem(a, mkey, 8192)).status).toBe(CmdStatus.OK);
  });

  it('close destroys the PDs and mkeys the context made through rpc(), and only those', async () => {
    rig = await ctlRig();
    const a = await rig.open(ADMIN);
    const b = await rig.open(ADMIN);
    const umem = await a.umemReg(Buffer.alloc(4096));
    const pd = await allocPd(a);
    await createMkey(a, pd, umem, 4096);
    await createMkey(a, pd, umem, 2048);
    const pd2 = await allocPd(a);
    await send(a, buildInbox(DeallocPdIn, Op.DEALLOC_PD, { pd: pd2 }));
    const bPd = await allocPd(b);
    expect(rig.sim.engine.objectCounts(a.uid)).toEqual({ UMEM: 1, PD: 1, MKEY: 2 });
    await a.close();
    expect(rig.sim.engine.objectCounts(a.uid)).toEqual({});
    expect(rig.sim.engine.objectCounts(b.uid)).toEqual({ PD: 1 });
    // The driver destroyed them one by one (newest first) before the uctx.
    const closing = rig.audit
      .filter((l) => l.origin === 'driver' && l.uid === a.uid)
      .map((l) => l.opcode_name);
    expect(closing.slice(-5)).toEqual([
      'DESTROY_MKEY',
      'DESTROY_MKEY',
      'DEALLOC_PD',
      'DESTROY_UMEM',
      'DESTROY_UCTX',
    ]);
    await send(b, buildInbox(DeallocPdIn, Op.DEALLOC_PD, { pd: bPd }));
    expect(rig.extraMappings()).toBe(0);
  });
});

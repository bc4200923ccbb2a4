import { buildInbox, createUmemInbox } from '@auxctl/core';
import {
  CmdStatus,
  CRDUMP_MAGIC,
  CreateUmemOut,
  crdumpHeader,
  DestroyMkeyIn,
  FwctlScope,
  isAuxError,
  Op,
  QueryUmemIn,
  QueryUmemOut,
  Syndrome,
  Umem,
} from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';

import { allocPd, crdumpToMem, createMkey, send } from './test-support/commands.js';
import { ADMIN, type CtlRig, ctlRig, USER } from './test-support/rig.js';
import { UMEM_MAX_BYTES } from './umem-registry.js';

let rig: CtlRig;
afterEach(async () => {
  await rig?.close();
  expect(rig.sim.dma.mappings).toBe(0);
});

async function code(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => (isAuxError(e) ? e.code : `not an AuxError: ${String(e)}`),
  );
}

describe('umemReg / umemUnreg', () => {
  it('registers the caller buffer so the device writes into it through an mkey', async () => {
    rig = await ctlRig({ sim: { crdumpSize: 64 * 1024 } });
    const ctx = await rig.open(ADMIN);
    const buf = Buffer.alloc(64 * 1024);
    const umem = await ctx.umemReg(buf);
    expect(rig.extraMappings()).toBe(1);
    // The firmware sees 16 whole pages.
    const q = await send(
      ctx,
      buildInbox(QueryUmemIn, Op.QUERY_UMEM, { umem_id: umem }),
      QueryUmemOut.bytes,
    );
    expect(Umem.get64(q.out, 'num_of_mtt', QueryUmemOut.byteOffset('umem'))).toBe(16n);
    const pd = await allocPd(ctx);
    const mkey = await createMkey(ctx, pd, umem, buf.length);
    const a = await crdumpToMem(ctx, mkey, buf.length);
    expect(a.status).toBe(CmdStatus.OK);
    expect(crdumpHeader(buf)?.magic.equals(CRDUMP_MAGIC)).toBe(true);
    expect(buf.equals(rig.sim.engine.readCrdump())).toBe(true);
    // An mkey still uses the umem: EBUSY, registration kept.
    expect(await code(ctx.umemUnreg(umem))).toBe('EBUSY');
    await send(ctx, buildInbox(DestroyMkeyIn, Op.DESTROY_MKEY, { mkey_index: mkey }));
    await ctx.umemUnreg(umem);
    expect(rig.extraMappings()).toBe(0);
    expect(await code(ctx.umemUnreg(umem))).toBe('ENOENT');
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({ PD: 1 });
  });

  it('accepts a Uint8Array and writes into its memory', async () => {
    rig = await ctlRig({ sim: { crdumpSize: 8192 } });
    const ctx = await rig.open(ADMIN);
    const mem = new Uint8Array(new ArrayBuffer(8192 + 4096), 4096, 8192);
    const umem = await ctx.umemReg(mem);
    const mkey = await createMkey(ctx, await allocPd(ctx), umem, 8192);
    expect((await crdumpToMem(ctx, mkey, 8192)).status).toBe(0);
    expect(crdumpHeader(Buffer.from(mem.buffer, 4096, 8192))?.magic.equals(CRDUMP_MAGIC)).toBe(
      true,
    );
    await ctx.close();
    expect(rig.objects()).toBe(0);
    expect(rig.extraMappings()).toBe(0);
  });

  it('refuses empty, partial-page and over-64-MiB buffers with EINVAL, mapping nothing', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(USER);
    for (const bad of [
      Buffer.alloc(0),
      Buffer.alloc(100),
      Buffer.alloc(4097),
      Buffer.allocUnsafe(UMEM_MAX_BYTES + 4096),
      'x',
      [1, 2, 3],
    ]) {
      expect(await code(ctx.umemReg(bad as never))).toBe('EINVAL');
    }
    expect(rig.extraMappings()).toBe(0);
    expect(rig.objects()).toBe(1);
  });

  it('enforces the per-context byte limit with ENOMEM, counting registrations in flight', async () => {
    rig = await ctlRig({ umemBytesPerContext: 3 * 4096, sim: { latency: 'hardware' } });
    const ctx = await rig.open(USER);
    const other = await rig.open(USER);
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => ctx.umemReg(Buffer.alloc(4096))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(
      results.filter((r) => r.status === 'rejected' && isAuxError(r.reason, 'ENOMEM')),
    ).toHaveLength(2);
    // The limit is per context.
    await other.umemReg(Buffer.alloc(3 * 4096));
    const first = (results[0] as PromiseFulfilledResult<number>).value;
    await ctx.umemUnreg(first);
    await ctx.umemReg(Buffer.alloc(4096));
    expect(rig.extraMappings()).toBe(4);
    await ctx.close();
    await other.close();
    expect(rig.extraMappings()).toBe(0);
    expect(rig.objects()).toBe(0);
  });

  it('gives ENOENT for unknown ids and for another context’s umem id', async () => {
    rig = await ctlRig();
    const a = await rig.open(USER);
    const b = await rig.open(USER);
    const id = await a.umemReg(Buffer.alloc(4096));
    for (const bad of [id, id + 1, 0, -1, 1.5, Number.NaN, '1']) {
      expect(await code(b.umemUnreg(bad as never))).toBe('ENOENT');
    }
    expect(rig.sim.engine.objectCounts(a.uid)).toEqual({ UMEM: 1 });
    await a.umemUnreg(id);
    expect(rig.sim.engine.objectCounts(a.uid)).toEqual({});
  });

  it('undoes the mapping when firmware refuses CREATE_UMEM', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(USER);
    rig.sim.engine.forceStatus(Op.CREATE_UMEM, CmdStatus.LIM, Syndrome.OBJ_LIMIT);
    expect(await code(ctx.umemReg(Buffer.alloc(4096)))).toBe('ENOMEM');
    expect(rig.extraMappings()).toBe(0);
    expect(rig.audit.at(-1)).toMatchObject({
      origin: 'driver',
      opcode_name: 'CREATE_UMEM',
      status_name: 'LIM',
    });
  });

  it('refuses raw CREATE_UMEM and DESTROY_UMEM at every scope (they go through umemReg)', async () => {
    rig = await ctlRig();
    const ctx = await rig.open({ principal: 'r', caps: { sys_rawio: true } });
    const buf = Buffer.alloc(4096);
    const addr = rig.sim.dma.map(buf);
    const inbox = createUmemInbox(rig.sim.dma.pageAddresses(addr));
    expect(
      await code(
        ctx.rpc({ scope: FwctlScope.DEBUG_WRITE_FULL, inbox, outLen: CreateUmemOut.bytes }),
      ),
    ).toBe('EPERM');
    rig.sim.dma.unmap(addr);
    expect(rig.objects()).toBe(1);
  });

  it('releases every umem on close', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(USER);
    for (let i = 1; i <= 4; i++) await ctx.umemReg(Buffer.alloc(i * 4096));
    expect(rig.extraMappings()).toBe(4);
    expect(rig.sim.engine.objectCounts(ctx.uid)).toEqual({ UMEM: 4 });
    await ctx.close();
    expect(rig.extraMappings()).toBe(0);
    expect(rig.objects()).toBe(0);
  });
});

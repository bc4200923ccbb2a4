import { PAGE_SIZE } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { pageBuffer, pinnedPages } from './page-buffer.js';
import { connect, endpoint, flush, type Rig, rdmaRig } from './test-support/rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('memory regions', () => {
  it('register the whole pages around a slice; the key covers the slice only', async () => {
    rig = await rdmaRig();
    const a = await endpoint(await rig.open(0));
    const b = await endpoint(await rig.open(1));
    await connect(a, b);
    const backing = pageBuffer(3 * PAGE_SIZE);
    const slice = backing.subarray(100, 5100);
    const mr = await b.ctx.regMr(
      b.pd,
      new Uint8Array(slice.buffer, slice.byteOffset, slice.length),
      {
        localWrite: true,
        remoteWrite: true,
      },
    );
    expect(Number(mr.addr % BigInt(PAGE_SIZE))).toBe(100);
    expect(mr.length).toBe(5000);
    a.buf.fill(0x66, 0, 5000);
    a.qp.postSend({
      wrId: 1,
      opcode: 'RDMA_WRITE',
      sge: [a.sge(0, 5000)],
      remoteAddr: mr.addr,
      rkey: mr.rkey,
    });
    a.qp.postSend({
      wrId: 2,
      opcode: 'RDMA_WRITE',
      sge: [a.sge(0, 2)],
      remoteAddr: mr.addr + 4999n,
      rkey: mr.rkey,
    });
    await flush();
    expect(a.sendCq.poll().map((c) => [c.wrId, c.status])).toEqual([
      [1, 'SUCCESS'],
      [2, 'REM_ACCESS_ERR'],
    ]);
    expect(slice.every((x) => x === 0x66)).toBe(true);
    expect(backing[99]).toBe(0);
    expect(backing[5100]).toBe(0);
  });

  it('refuse memory that ends inside a page, and bad flags, leaving nothing behind', async () => {
    rig = await rdmaRig({ n: 1 });
    const ctx = await rig.open(0);
    const pd = await ctx.allocPd();
    const before = rig.nodes[0]!.objects(ctx.uid);
    await expect(ctx.regMr(pd, Buffer.alloc(100))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(ctx.regMr(pd, pageBuffer(0 + 1).subarray(0, 0))).rejects.toMatchObject({
      code: 'EINVAL',
    });
    await expect(ctx.regMr(pd, pageBuffer(64), { remoteWrite: true })).rejects.toMatchObject({
      code: 'EINVAL',
    });
    expect(rig.nodes[0]!.objects(ctx.uid)).toEqual(before);
    expect(rig.nodes[0]!.extraMappings()).toBe(0);
    const mr = await ctx.regMr(pd, Buffer.alloc(2 * PAGE_SIZE), {
      localWrite: true,
      remoteRead: true,
    });
    expect(mr.access).toEqual({ localWrite: true, remoteRead: true, remoteWrite: false });
    expect(rig.nodes[0]!.objects(ctx.uid)).toEqual({ PD: 1, UMEM: 1, MKEY: 1 });
  });

  it('pinnedPages finds the pages a buffer lies in', () => {
    const b = pageBuffer(3 * PAGE_SIZE);
    expect(pinnedPages(b.subarray(4095, 4097))).toMatchObject({ offset: 4095 });
    expect(pinnedPages(b.subarray(4095, 4097)).pages.length).toBe(2 * PAGE_SIZE);
    expect(pinnedPages(b.subarray(8192)).pages.length).toBe(PAGE_SIZE);
    expect(() => pageBuffer(0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});

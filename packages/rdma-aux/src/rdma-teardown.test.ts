import { afterEach, describe, expect, it } from 'vitest';
import { pageBuffer } from './page-buffer.js';
import { connect, type Endpoint, endpoint, flush, type Rig, rdmaRig } from './test-support/rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** traffic: keep both directions busy: receives posted, SENDs and WRITEs in the rings. */
function traffic(a: Endpoint, b: Endpoint): void {
  b.qp.postRecv(Array.from({ length: 8 }, (_, i) => ({ wrId: i, sge: [b.sge(i * 1024, 1024)] })));
  a.qp.postSend([
    ...Array.from({ length: 8 }, () => ({ opcode: 'SEND' as const, sge: [a.sge(0, 512)] })),
    ...Array.from({ length: 8 }, (_, i) => ({
      opcode: 'RDMA_WRITE' as const,
      sge: [a.sge(i * 4096, 4096)],
      remoteAddr: b.mr.addr + 32_768n,
      rkey: b.mr.rkey,
    })),
  ]);
}

async function expectGone(e: Endpoint, code = 'ENODEV'): Promise<void> {
  const gone = expect.objectContaining({ code });
  expect(() => e.qp.postSend({ opcode: 'SEND', sge: [] })).toThrow(gone);
  expect(() => e.sendCq.poll()).toThrow(gone);
  await expect(e.qp.modify({ state: 'ERR' })).rejects.toEqual(gone);
  await expect(e.ctx.allocPd()).rejects.toEqual(gone);
  await expect(e.mr.destroy()).rejects.toEqual(gone);
}

describe('teardown', () => {
  it('close() mid-traffic destroys every object and the uid; later calls fail with ENODEV', async () => {
    rig = await rdmaRig();
    const [na, nb] = rig.nodes as [Rig['nodes'][0], Rig['nodes'][0]];
    const a = await endpoint(await rig.open(0));
    const b = await endpoint(await rig.open(1));
    await connect(a, b);
    expect(na.objects(a.ctx.uid)).toEqual({ PD: 1, UMEM: 1, MKEY: 1, CQ: 2, QP: 1 });
    const waiting = a.recvCq.waitCompletions();
    traffic(a, b);
    await Promise.all([a.ctx.close(), b.ctx.close()]);
    await expect(waiting).rejects.toMatchObject({ code: 'ENODEV' });
    await flush();
    for (const n of [na, nb]) {
      expect(n.objects()).toEqual({});
      expect(n.extraMappings()).toBe(0);
      expect(rig.registry.get(n.name)?.contexts).toBe(0);
    }
    await expectGone(a);
    await a.ctx.close();
  });

  it('device removal mid-traffic closes every context of the device, leaves 0 objects, ENODEV after', async () => {
    rig = await rdmaRig();
    const [na, nb] = rig.nodes as [Rig['nodes'][0], Rig['nodes'][0]];
    const a = await endpoint(await rig.open(0));
    const a2 = await endpoint(await rig.open(0));
    const b = await endpoint(await rig.open(1));
    await connect(a, b);
    traffic(a, b);
    await rig.bus.unbind(na.rdmaAux);
    expect(rig.registry.names()).toEqual([nb.name]);
    expect(na.objects()).toEqual({});
    expect(na.extraMappings()).toBe(0);
    await expectGone(a);
    await expectGone(a2);
    await expect(rig.open(0)).rejects.toMatchObject({ code: 'ENODEV' });
    // The peer sees its requests fail, not hang; its own objects are intact.
    b.qp.postSend({ wrId: 1, opcode: 'SEND', sge: [b.sge(0, 8)] });
    expect((await b.sendCq.waitCompletions())[0]?.status).toBe('RETRY_EXC_ERR');
    expect(nb.objects(b.ctx.uid)).toEqual({ PD: 1, UMEM: 1, MKEY: 1, CQ: 2, QP: 1 });
    // Rebinding brings the device back under the same name.
    await rig.bus.bind(na.rdmaAux, 'mlx5_ib.rdma');
    const again = await rig.open(0);
    expect(na.objects(again.uid)).toEqual({});
  });

  it('closing the core removes the device with it', async () => {
    rig = await rdmaRig({ n: 1 });
    const a = await endpoint(await rig.open(0));
    await a.qp.modify({ state: 'INIT', port: 1 });
    a.qp.postRecv({ sge: [a.sge(0, 8)] });
    await rig.nodes[0]!.core.close();
    await expectGone(a);
    expect(rig.registry.list()).toEqual([]);
  });

  it('a core reload closes the contexts and brings the device back under its name', async () => {
    rig = await rdmaRig({ n: 1 });
    const n = rig.nodes[0]!;
    const a = await endpoint(await rig.open(0));
    await n.core.reload();
    await expectGone(a);
    expect(rig.registry.names()).toEqual([n.name]);
    const b = await endpoint(await rig.open(0));
    expect(n.objects(b.ctx.uid)).toEqual({ PD: 1, UMEM: 1, MKEY: 1, CQ: 2, QP: 1 });
    await b.ctx.close();
    expect(n.objects()).toEqual({});
  });

  it('destroy order is checked (EBUSY while in use), destroyed objects are ENOENT, foreign ones EINVAL', async () => {
    rig = await rdmaRig({ n: 1 });
    const n = rig.nodes[0]!;
    const a = await endpoint(await rig.open(0));
    const other = await rig.open(0);
    await expect(a.pd.destroy()).rejects.toMatchObject({ code: 'EBUSY' });
    await expect(a.sendCq.destroy()).rejects.toMatchObject({ code: 'EBUSY' });
    await expect(other.regMr(a.pd, pageBuffer(8))).rejects.toMatchObject({ code: 'EINVAL' });
    await expect(
      other.createQp({
        pd: a.pd,
        sendCq: a.sendCq,
        recvCq: a.recvCq,
        cap: { maxSendWr: 1, maxRecvWr: 1 },
      }),
    ).rejects.toMatchObject({ code: 'EINVAL' });
    await a.qp.destroy();
    await expect(a.qp.modify({ state: 'INIT' })).rejects.toMatchObject({ code: 'ENOENT' });
    await a.sendCq.destroy();
    await a.recvCq.destroy();
    await expect(a.pd.destroy()).rejects.toMatchObject({ code: 'EBUSY' });
    await a.mr.destroy();
    await expect(a.ctx.regMr(a.pd, pageBuffer(8))).resolves.toBeDefined();
    expect(a.ctx.objects()).toEqual({ PD: 1, MR: 1 });
    await a.ctx.close();
    await expect(other.regMr(a.pd, pageBuffer(8))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(n.objects(a.ctx.uid)).toEqual({});
    expect(n.objects()).toEqual({ UCTX: 1 });
    await other.close();
    expect(n.objects()).toEqual({});
    expect(n.extraMappings()).toBe(0);
  });

  it('a creation in flight when close starts is undone', async () => {
    rig = await rdmaRig({ n: 1 });
    const ctx = await rig.open(0);
    const pd = await ctx.allocPd();
    const mr = ctx.regMr(pd, pageBuffer(10_000), { localWrite: true });
    const cq = ctx.createCq(16);
    const closing = ctx.close();
    await expect(mr).rejects.toMatchObject({ code: 'ENODEV' });
    await expect(cq).rejects.toMatchObject({ code: 'ENODEV' });
    await closing;
    expect(rig.nodes[0]!.objects()).toEqual({});
    expect(rig.nodes[0]!.extraMappings()).toBe(0);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { connect, endpoint, flush, type Rig, rdmaRig } from './test-support/rig.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function pair() {
  rig = await rdmaRig();
  const a = await endpoint(await rig.open(0));
  const b = await endpoint(await rig.open(1));
  await connect(a, b);
  return { a, b };
}

describe('an RC QP pair over a wire', () => {
  it('registers as mlx5_<aux id> and gives each context its own uid', async () => {
    rig = await rdmaRig();
    expect(rig.registry.list().map((d) => d.name)).toEqual(rig.nodes.map((n) => n.name));
    expect(rig.nodes.map((n) => n.name)).toEqual(['mlx5_0', 'mlx5_1']);
    const c1 = await rig.open(0);
    const c2 = await rig.open(0);
    expect(c1.uid).not.toBe(c2.uid);
    expect(c1.uid).toBeGreaterThan(0);
    const pd = await c1.allocPd();
    expect(rig.nodes[0]!.objects(c1.uid)).toEqual({ PD: 1 });
    expect(rig.nodes[0]!.objects(c2.uid)).toEqual({});
    await pd.destroy();
    expect(rig.nodes[0]!.objects(c1.uid)).toEqual({});
  });

  it('SEND lands byte-exact in the posted receive buffer, with completions at both ends', async () => {
    const { a, b } = await pair();
    for (let i = 0; i < 3000; i++) a.buf[i] = (i * 31 + 7) & 0xff;
    b.qp.postRecv({ wrId: 77n, sge: [b.sge(8192, 4096)] });
    a.qp.postSend({ wrId: 5, opcode: 'SEND', sge: [a.sge(0, 1000), a.sge(1000, 2000)] });
    const [sent] = await a.sendCq.waitCompletions();
    const [recv] = await b.recvCq.waitCompletions();
    expect(sent).toEqual({
      wrId: 5,
      status: 'SUCCESS',
      opcode: 'SEND',
      byteLen: 3000,
      qpn: a.qp.qpn,
    });
    expect(recv).toEqual({
      wrId: 77n,
      status: 'SUCCESS',
      opcode: 'RECV',
      byteLen: 3000,
      qpn: b.qp.qpn,
    });
    expect(b.buf.subarray(8192, 8192 + 3000).equals(a.buf.subarray(0, 3000))).toBe(true);
  });

  it('RDMA WRITE and READ move bytes through the rkey, byte-exact, without the peer seeing a completion', async () => {
    const { a, b } = await pair();
    for (let i = 0; i < 5000; i++) a.buf[i] = (i * 7) & 0xff;
    for (let i = 0; i < 4000; i++) b.buf[30_000 + i] = (i * 13) & 0xff;
    a.qp.postSend([
      {
        wrId: 1,
        opcode: 'RDMA_WRITE',
        sge: [a.sge(0, 5000)],
        remoteAddr: b.mr.addr + 10_000n,
        rkey: b.mr.rkey,
      },
      {
        wrId: 2,
        opcode: 'RDMA_READ',
        sge: [a.sge(40_000, 4000)],
        remoteAddr: b.mr.addr + 30_000n,
        rkey: b.mr.rkey,
      },
    ]);
    await flush();
    expect(a.sendCq.poll()).toEqual([
      { wrId: 1, status: 'SUCCESS', opcode: 'RDMA_WRITE', byteLen: 5000, qpn: a.qp.qpn },
      { wrId: 2, status: 'SUCCESS', opcode: 'RDMA_READ', byteLen: 4000, qpn: a.qp.qpn },
    ]);
    expect(b.buf.subarray(10_000, 15_000).equals(a.buf.subarray(0, 5000))).toBe(true);
    expect(a.buf.subarray(40_000, 44_000).equals(b.buf.subarray(30_000, 34_000))).toBe(true);
    expect(b.recvCq.poll()).toEqual([]);
  });

  it('an unsignaled WQE completes silently and its ring slot is freed by the next signaled one', async () => {
    const { a, b } = await pair();
    const w = { opcode: 'RDMA_WRITE', remoteAddr: b.mr.addr, rkey: b.mr.rkey } as const;
    // 32 WQEs fill the ring (one WQEBB each); only the last asks for a CQE.
    for (let round = 0; round < 3; round++) {
      a.qp.postSend(
        Array.from({ length: a.qp.cap.maxSendWr }, (_, i) => ({
          ...w,
          wrId: i,
          sge: [a.sge(i, 1)],
          signaled: i === a.qp.cap.maxSendWr - 1,
        })),
      );
      expect(() => a.qp.postSend({ ...w, sge: [a.sge(0, 1)] })).toThrow(
        expect.objectContaining({ code: 'ENOMEM' }),
      );
      const wcs = await a.sendCq.waitCompletions();
      expect(wcs.map((c) => [c.wrId, c.status])).toEqual([[a.qp.cap.maxSendWr - 1, 'SUCCESS']]);
    }
  });

  it('the completion event fires after reqNotify, and waitCompletions honours an abort signal', async () => {
    const { a, b } = await pair();
    const events: number[] = [];
    const off = b.recvCq.onCompletion((e) => events.push(e.cq.cqn));
    b.recvCq.reqNotify();
    b.qp.postRecv({ wrId: 1, sge: [b.sge(0, 64)] });
    a.qp.postSend({ opcode: 'SEND', sge: [a.sge(0, 64)] });
    await flush();
    expect(events).toEqual([b.recvCq.cqn]);
    off();
    expect(b.recvCq.poll(1)).toHaveLength(1);
    const ac = new AbortController();
    const waiting = b.recvCq.waitCompletions({ signal: ac.signal });
    ac.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ECANCELED' });
  });
});

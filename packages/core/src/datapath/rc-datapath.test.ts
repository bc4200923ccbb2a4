import {
  AccessRegOpMod,
  CqeOpcode,
  CqeSyndrome,
  decodeResourceSegment,
  RegisterId,
  ResourceDumpReg,
  RSC_DUMP_ALL,
  SegmentType,
  splitSegments,
  WqeOpcode,
} from '@auxctl/prm';
import { SimWire } from '@auxctl/sim';
import { afterEach, describe, expect, it } from 'vitest';
import type { CoreHandle } from '../device/core-handle.js';
import { accessRegister } from '../device/firmware-commands.js';
import { flush, type Node, nodes } from './test-support/data-path-rig.js';
import { connect, type Endpoint, endpoint } from './test-support/rc-rig.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** fullQpcDump: every FULL_QPC segment the device dumps, read inline through ACCESS_REG. */
async function fullQpcDump(h: CoreHandle): Promise<Buffer> {
  let req = ResourceDumpReg.encode({
    segment_type: SegmentType.FULL_QPC,
    num_of_obj1: RSC_DUMP_ALL,
    inline_dump: 1,
  });
  const pieces: Buffer[] = [];
  for (;;) {
    const out = await accessRegister(h, RegisterId.RESOURCE_DUMP, AccessRegOpMod.READ, req);
    const size = ResourceDumpReg.get(out, 'size');
    pieces.push(Buffer.from(ResourceDumpReg.view(out, 'inline_data').subarray(0, size)));
    if (!ResourceDumpReg.get(out, 'more_dump')) return Buffer.concat(pieces);
    req = Buffer.from(out); // the reply goes back as the next request, as Linux does
  }
}

async function rig(o: { connect?: boolean; lossRate?: number } = {}) {
  const r = await nodes(2);
  cleanups.push(r.close);
  const [na, nb] = r.nodes as [Node, Node];
  const wire = new SimWire(
    { device: na.sim },
    { device: nb.sim },
    { lossRate: o.lossRate ?? 0, seed: 3 },
  );
  cleanups.push(() => wire.unplug());
  const a = await endpoint(na.h);
  const b = await endpoint(nb.h);
  cleanups.push(() => a.close());
  cleanups.push(() => b.close());
  if (o.connect !== false) await connect(a, b);
  return { na, nb, a, b, wire };
}

function sge(e: Endpoint, offset: number, length: number) {
  return { addr: e.iova + BigInt(offset), lkey: e.key, length };
}

describe('RC queue pairs over a SimWire', () => {
  it('SEND consumes a receive WQE at the responder, byte-exact, with CQEs at both ends', async () => {
    const { a, b } = await rig();
    b.qp.postRecv([sge(b, 4096, 1024)]);
    b.qp.rq.doorbell();
    a.mr.fill(0x5a, 0, 700);
    a.mr.writeUInt32BE(0x01020304, 0);
    a.qp.postSend({ opcode: WqeOpcode.SEND, sges: [sge(a, 0, 700)] });
    a.qp.sq.doorbell();
    await flush();
    expect(a.sendCqes).toEqual([
      { opcode: CqeOpcode.REQ, error: false, qpn: a.qp.qpn, wqeCounter: 0, byteCnt: 700 },
    ]);
    expect(b.recvCqes).toEqual([
      { opcode: CqeOpcode.RESP_SEND, error: false, qpn: b.qp.qpn, wqeCounter: 0, byteCnt: 700 },
    ]);
    expect(b.mr.subarray(4096, 4096 + 700).equals(a.mr.subarray(0, 700))).toBe(true);
  });

  it('RDMA WRITE and READ move bytes through the rkey, byte-exact', async () => {
    const { a, b } = await rig();
    for (let i = 0; i < 3000; i++) a.mr[i] = (i * 7) & 0xff;
    for (let i = 0; i < 2000; i++) b.mr[20_000 + i] = (i * 13) & 0xff;
    a.qp.postSend({
      opcode: WqeOpcode.RDMA_WRITE,
      sges: [sge(a, 0, 1000), sge(a, 1000, 2000)],
      raddr: b.iova + 8192n,
      rkey: b.key,
    });
    a.qp.postSend({
      opcode: WqeOpcode.RDMA_READ,
      sges: [sge(a, 40_000, 2000)],
      raddr: b.iova + 20_000n,
      rkey: b.key,
    });
    a.qp.sq.doorbell();
    await flush();
    expect(a.sendCqes.map((c) => [c.opcode, c.byteCnt])).toEqual([
      [CqeOpcode.REQ, 3000],
      [CqeOpcode.REQ, 2000],
    ]);
    expect(b.mr.subarray(8192, 8192 + 3000).equals(a.mr.subarray(0, 3000))).toBe(true);
    expect(a.mr.subarray(40_000, 42_000).equals(b.mr.subarray(20_000, 22_000))).toBe(true);
    expect(b.recvCqes).toHaveLength(0);
  });

  it('a bad rkey fails with REMOTE_ACCESS_ERR (0x13), moves the QP to ERR and flushes the rest', async () => {
    const { a, b } = await rig();
    a.qp.postSend({
      opcode: WqeOpcode.RDMA_WRITE,
      sges: [sge(a, 0, 64)],
      raddr: b.iova,
      rkey: b.key ^ 0x01,
    });
    a.qp.postSend({ opcode: WqeOpcode.SEND, sges: [sge(a, 0, 64)] });
    a.qp.sq.doorbell();
    await flush();
    expect(a.sendCqes.map((c) => [c.opcode, c.syndrome, c.wqeOpcode])).toEqual([
      [CqeOpcode.REQ_ERR, CqeSyndrome.REMOTE_ACCESS_ERR, WqeOpcode.RDMA_WRITE],
      [CqeOpcode.REQ_ERR, CqeSyndrome.WR_FLUSH_ERR, WqeOpcode.SEND],
    ]);
    expect((await a.qp.query()).state).toBe('ERR');
    expect((await b.qp.query()).state).toBe('RTS');
  });

  it('rejects out-of-range and read-only remote access, and a bad lkey (LOCAL_PROT_ERR)', async () => {
    const cases = [
      {
        raddr: (b: Endpoint) => b.iova + 65_000n,
        lkeyXor: 0,
        syndrome: CqeSyndrome.REMOTE_ACCESS_ERR,
      },
      { raddr: (b: Endpoint) => b.iova, lkeyXor: 0x02, syndrome: CqeSyndrome.LOCAL_PROT_ERR },
    ];
    for (const c of cases) {
      const { a, b } = await rig();
      a.qp.postSend({
        opcode: WqeOpcode.RDMA_WRITE,
        sges: [{ ...sge(a, 0, 1024), lkey: a.key ^ c.lkeyXor }],
        raddr: c.raddr(b),
        rkey: b.key,
      });
      a.qp.sq.doorbell();
      await flush();
      expect(a.sendCqes[0]?.syndrome).toBe(c.syndrome);
      for (const x of cleanups.splice(0).reverse()) await x();
    }
    const r = await nodes(2);
    cleanups.push(r.close);
    const wire = new SimWire({ device: r.nodes[0]!.sim }, { device: r.nodes[1]!.sim });
    cleanups.push(() => wire.unplug());
    const a = await endpoint(r.nodes[0]!.h);
    const b = await endpoint(r.nodes[1]!.h, { localWrite: true, remoteRead: true });
    cleanups.push(() => a.close());
    cleanups.push(() => b.close());
    await connect(a, b);
    a.qp.postSend({
      opcode: WqeOpcode.RDMA_WRITE,
      sges: [sge(a, 0, 8)],
      raddr: b.iova,
      rkey: b.key,
    });
    a.qp.sq.doorbell();
    await flush();
    expect(a.sendCqes[0]?.syndrome).toBe(CqeSyndrome.REMOTE_ACCESS_ERR);
  });

  it('a responder QP that does not allow remote writes refuses them with REMOTE_ACCESS_ERR', async () => {
    const { a, b } = await rig({ connect: false });
    await b.qp.modify('RST2INIT', { port: 1, remoteRead: true });
    await b.qp.modify('INIT2RTR', { remoteQpn: a.qp.qpn });
    await a.qp.modify('RST2INIT', { port: 1 });
    await a.qp.modify('INIT2RTR', { remoteQpn: b.qp.qpn });
    await a.qp.modify('RTR2RTS', { retryCount: 1 });
    a.qp.postSend({
      opcode: WqeOpcode.RDMA_READ,
      sges: [sge(a, 0, 8)],
      raddr: b.iova,
      rkey: b.key,
    });
    a.qp.sq.doorbell();
    await flush();
    expect(a.sendCqes[0]).toMatchObject({ opcode: CqeOpcode.REQ, byteCnt: 8 });
    await a.qp.modify('2RST');
    await a.qp.modify('RST2INIT', { port: 1 });
    await a.qp.modify('INIT2RTR', { remoteQpn: b.qp.qpn });
    await a.qp.modify('RTR2RTS', { retryCount: 1 });
    a.qp.postSend({
      opcode: WqeOpcode.RDMA_WRITE,
      sges: [sge(a, 0, 8)],
      raddr: b.iova,
      rkey: b.key,
    });
    a.qp.sq.doorbell();
    await flush();
    expect(a.sendCqes[1]).toMatchObject({
      opcode: CqeOpcode.REQ_ERR,
      syndrome: CqeSyndrome.REMOTE_ACCESS_ERR,
    });
  });

  it('link down: TRANSPORT_RETRY_EXC_ERR (0x15) after the retries', async () => {
    const { a, wire } = await rig();
    wire.disconnect();
    a.qp.postSend({ opcode: WqeOpcode.SEND, sges: [sge(a, 0, 8)] });
    a.qp.sq.doorbell();
    await flush();
    expect(a.sendCqes[0]).toMatchObject({
      opcode: CqeOpcode.REQ_ERR,
      syndrome: CqeSyndrome.TRANSPORT_RETRY_EXC_ERR,
    });
    expect((await a.qp.query()).state).toBe('ERR');
  });

  it('a responder that is not in RTR/RTS times out the same way; no receive WQE is RNR_RETRY_EXC_ERR', async () => {
    const { a, b } = await rig({ connect: false });
    await a.qp.modify('RST2INIT', { port: 1 });
    await a.qp.modify('INIT2RTR', { remoteQpn: b.qp.qpn });
    await a.qp.modify('RTR2RTS', { retryCount: 2 });
    a.qp.postSend({ opcode: WqeOpcode.SEND, sges: [sge(a, 0, 8)] });
    a.qp.sq.doorbell();
    await flush();
    expect(a.sendCqes[0]?.syndrome).toBe(CqeSyndrome.TRANSPORT_RETRY_EXC_ERR);
    await a.qp.modify('2RST');
    await b.qp.modify('RST2INIT', { port: 1 });
    await b.qp.modify('INIT2RTR', { remoteQpn: a.qp.qpn });
    await a.qp.modify('RST2INIT', { port: 1 });
    await a.qp.modify('INIT2RTR', { remoteQpn: b.qp.qpn });
    await a.qp.modify('RTR2RTS', {});
    a.qp.postSend({ opcode: WqeOpcode.SEND, sges: [sge(a, 0, 8)] });
    a.qp.sq.doorbell();
    await flush();
    expect(a.sendCqes[1]?.syndrome).toBe(CqeSyndrome.RNR_RETRY_EXC_ERR);
  });

  it('2ERR flushes posted receive WQEs with WR_FLUSH_ERR', async () => {
    const { b } = await rig();
    b.qp.postRecv([sge(b, 0, 64)]);
    b.qp.postRecv([sge(b, 64, 64)]);
    b.qp.rq.doorbell();
    await b.qp.modify('2ERR');
    await flush();
    expect(b.recvCqes.map((c) => [c.opcode, c.syndrome, c.wqeCounter])).toEqual([
      [CqeOpcode.RESP_ERR, CqeSyndrome.WR_FLUSH_ERR, 0],
      [CqeOpcode.RESP_ERR, CqeSyndrome.WR_FLUSH_ERR, 1],
    ]);
  });

  it('the resource dump (FULL_QPC) shows a QP state, peer and CQs', async () => {
    const { na, a, b } = await rig();
    const stream = await fullQpcDump(na.h);
    const qps = splitSegments(stream)
      .filter((s) => s.type === SegmentType.FULL_QPC)
      .map((s) => decodeResourceSegment(s.bytes));
    expect(qps).toHaveLength(1);
    const ctx = qps[0]!.context;
    expect(qps[0]!.id).toBe(a.qp.qpn);
    expect(ctx.get('state')).toBe(3n);
    expect(ctx.get('remote_qpn')).toBe(BigInt(b.qp.qpn));
    expect(ctx.has('cqn_snd') && ctx.has('cqn_rcv') && ctx.has('pd')).toBe(true);
  });
});

import { CmdStatus } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { connect, type Endpoint, endpoint, flush, type Rig, rdmaRig } from './test-support/rig.js';
import type { IbAccess } from './verbs-validation.js';

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function pair(bAccess?: IbAccess, link = true) {
  rig = await rdmaRig();
  const a = await endpoint(await rig.open(0));
  const b = await endpoint(await rig.open(1), bAccess);
  if (link) await connect(a, b);
  return { a, b, wire: rig.wire! };
}

const write = (a: Endpoint, b: Endpoint, rkey = b.mr.rkey) =>
  ({ wrId: 9, opcode: 'RDMA_WRITE', sge: [a.sge(0, 256)], remoteAddr: b.mr.addr, rkey }) as const;

describe('RC errors as work completions and QP states', () => {
  it('a bad rkey: REM_ACCESS_ERR, the QP in ERR, the WQEs behind it flushed', async () => {
    const { a, b } = await pair();
    a.qp.postSend([
      write(a, b, b.mr.rkey ^ 0x01),
      { wrId: 10, opcode: 'SEND', sge: [a.sge(0, 8)] },
    ]);
    await flush();
    expect(a.sendCq.poll()).toEqual([
      expect.objectContaining({
        wrId: 9,
        status: 'REM_ACCESS_ERR',
        opcode: 'RDMA_WRITE',
        byteLen: 0,
      }),
      expect.objectContaining({ wrId: 10, status: 'WR_FLUSH_ERR', opcode: 'SEND' }),
    ]);
    expect(a.qp.state).toBe('ERR');
    expect((await a.qp.query()).state).toBe('ERR');
    expect((await b.qp.query()).state).toBe('RTS');
    // Sends posted in ERR are flushed by the device.
    a.qp.postSend({ wrId: 11, opcode: 'SEND', sge: [a.sge(0, 8)] });
    await flush();
    expect(a.sendCq.poll().map((c) => [c.wrId, c.status])).toEqual([[11, 'WR_FLUSH_ERR']]);
  });

  it('a bad lkey is LOC_PROT_ERR; a SEND with no receive posted is RNR_RETRY_EXC_ERR', async () => {
    const { a, b } = await pair();
    a.qp.postSend({ ...write(a, b), sge: [{ ...a.sge(0, 8), lkey: a.mr.lkey ^ 0x02 }] });
    await flush();
    expect(a.sendCq.poll().map((c) => c.status)).toEqual(['LOC_PROT_ERR']);
    await a.qp.modify({ state: 'RESET' });
    await a.qp.modify({ state: 'INIT', port: 1 });
    await a.qp.modify({ state: 'RTR', remoteQpn: b.qp.qpn });
    await a.qp.modify({ state: 'RTS' });
    a.qp.postSend({ wrId: 3, opcode: 'SEND', sge: [a.sge(0, 8)] });
    await flush();
    expect(a.sendCq.poll().map((c) => [c.wrId, c.status])).toEqual([[3, 'RNR_RETRY_EXC_ERR']]);
  });

  it('link down: RETRY_EXC_ERR and the QP in ERR; the link back up carries traffic on a new QP state', async () => {
    const { a, b, wire } = await pair();
    wire.disconnect();
    a.qp.postSend(write(a, b));
    const [wc] = await a.sendCq.waitCompletions();
    expect(wc).toMatchObject({ wrId: 9, status: 'RETRY_EXC_ERR' });
    expect((await a.qp.query()).state).toBe('ERR');
    wire.connect();
    await a.qp.modify({ state: 'RESET' });
    await a.qp.modify({ state: 'INIT', port: 1 });
    await a.qp.modify({ state: 'RTR', remoteQpn: b.qp.qpn });
    await a.qp.modify({ state: 'RTS' });
    a.buf.fill(0x42, 0, 256);
    a.qp.postSend(write(a, b));
    expect((await a.sendCq.waitCompletions())[0]?.status).toBe('SUCCESS');
    expect(b.buf.subarray(0, 256).every((x) => x === 0x42)).toBe(true);
  });

  it('an illegal transition is refused by firmware: EINVAL with status BAD_QP_STATE, nothing changes', async () => {
    const { a, b } = await pair(undefined, false);
    const err = await a.qp.modify({ state: 'RTR', remoteQpn: b.qp.qpn }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'EINVAL', detail: { status: CmdStatus.BAD_QP_STATE } });
    expect(a.qp.state).toBe('RESET');
    await a.qp.modify({ state: 'INIT', port: 1 });
    await expect(a.qp.modify({ state: 'RTS' })).rejects.toMatchObject({
      code: 'EINVAL',
      detail: { status: CmdStatus.BAD_QP_STATE },
    });
    expect((await a.qp.query()).state).toBe('INIT');
    // A stale idea of the state is corrected from the device after a refusal.
    await a.qp.modify({ state: 'INIT', port: 1 });
    expect(a.qp.state).toBe('INIT');
  });

  it('posting is refused in states that cannot take it', async () => {
    const { a } = await pair(undefined, false);
    expect(() => a.qp.postRecv({ sge: [a.sge(0, 8)] })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    await a.qp.modify({ state: 'INIT', port: 1 });
    a.qp.postRecv({ sge: [a.sge(0, 8)] });
    expect(() => a.qp.postSend({ opcode: 'SEND', sge: [a.sge(0, 8)] })).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
    // 2ERR flushes the posted receive.
    await a.qp.modify({ state: 'ERR' });
    expect((await a.recvCq.waitCompletions()).map((c) => [c.opcode, c.status])).toEqual([
      ['RECV', 'WR_FLUSH_ERR'],
    ]);
  });

  it('MR access flags are enforced: no remote write -> REM_ACCESS_ERR, remote read still works', async () => {
    const { a, b } = await pair({ localWrite: true, remoteRead: true });
    b.buf.fill(0x17, 0, 128);
    a.qp.postSend({
      wrId: 1,
      opcode: 'RDMA_READ',
      sge: [a.sge(1024, 128)],
      remoteAddr: b.mr.addr,
      rkey: b.mr.rkey,
    });
    a.qp.postSend(write(a, b));
    await flush();
    expect(a.sendCq.poll().map((c) => [c.wrId, c.status])).toEqual([
      [1, 'SUCCESS'],
      [9, 'REM_ACCESS_ERR'],
    ]);
    expect(a.buf.subarray(1024, 1152).every((x) => x === 0x17)).toBe(true);
    expect(b.buf.subarray(128, 256).every((x) => x === 0)).toBe(true);
  });

  it('a read-only local MR cannot receive (LOC_PROT_ERR at the responder, REM_OP_ERR at the requester)', async () => {
    const { a, b } = await pair({});
    b.qp.postRecv({ wrId: 4, sge: [b.sge(0, 64)] });
    a.qp.postSend({ wrId: 5, opcode: 'SEND', sge: [a.sge(0, 64)] });
    await flush();
    expect(b.recvCq.poll().map((c) => [c.wrId, c.status])).toEqual([[4, 'LOC_PROT_ERR']]);
    expect(a.sendCq.poll().map((c) => [c.wrId, c.status])).toEqual([[5, 'REM_OP_ERR']]);
    expect(b.qp.state).toBe('ERR');
  });

  it('QP access flags are enforced at the responder too', async () => {
    const { a, b } = await pair(undefined, false);
    await b.qp.modify({ state: 'INIT', port: 1, access: { remoteRead: true } });
    await b.qp.modify({ state: 'RTR', remoteQpn: a.qp.qpn });
    await a.qp.modify({ state: 'INIT', port: 1 });
    await a.qp.modify({ state: 'RTR', remoteQpn: b.qp.qpn });
    await a.qp.modify({ state: 'RTS', retryCount: 1 });
    a.qp.postSend(write(a, b));
    expect((await a.sendCq.waitCompletions())[0]?.status).toBe('REM_ACCESS_ERR');
  });
});

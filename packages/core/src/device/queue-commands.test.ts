import {
  CmdHdrOut,
  CmdStatus,
  CreateQpIn,
  type DmaSpace,
  QP_TRANSITIONS,
  Qpc,
  QpState,
  type QpTransition,
  QueueState,
  Syndrome,
  UctxCap,
} from '@auxctl/prm';
import { FirmwareHarness } from '@auxctl/sim/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CommandExecutor } from './firmware-commands.js';
import { createQp, modifyQp, queryQp } from './qp-commands.js';
import {
  createCq,
  createEq,
  createRq,
  createSq,
  createTir,
  createTis,
  destroyCq,
  destroyEq,
  modifyRq,
  modifySq,
  queryCq,
  queryRq,
  querySq,
} from './queue-commands.js';

/** FwFailure: a command's status and syndrome, thrown by `exec`. */
class FwFailure extends Error {
  constructor(
    readonly status: number,
    readonly syndrome: number,
  ) {
    super(`status 0x${status.toString(16)} syndrome 0x${syndrome.toString(16)}`);
  }
}

function setup(caps: Record<string, number> = {}) {
  const h = new FirmwareHarness({ caps }).boot();
  const as = (uid: number): CommandExecutor => ({
    cmdExec: async (inbox, outLen) => {
      inbox.writeUInt16BE(uid, 2);
      const out = h.fw.execute(inbox, outLen);
      const status = CmdHdrOut.get(out, 'status');
      if (status !== 0) throw new FwFailure(status, CmdHdrOut.get(out, 'syndrome'));
      return out;
    },
  });
  const ring = (bytes: number) => {
    const buf = Buffer.alloc(bytes + 64);
    const addr = h.dma.map(buf);
    return { pas: h.dma.pageAddresses(addr), dbrAddr: addr + BigInt(bytes) };
  };
  return { h, k: as(0), as, ring, dma: h.dma as DmaSpace };
}

async function failure(p: Promise<unknown>): Promise<[number, number]> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FwFailure) return [e.status, e.syndrome];
    throw e;
  }
  throw new Error('command succeeded');
}

async function kernelObjects(k: CommandExecutor, s: ReturnType<typeof setup>, uid = 0) {
  const eqn = await createEq(k, { logSize: 4, pas: s.ring(16 * 64).pas });
  const cmd = s.as(uid);
  const pd = s.h.pd(uid);
  const cqn = await createCq(cmd, { logSize: 4, eqn, ...s.ring(16 * 64) });
  return { eqn, pd, cqn, cmd };
}

describe('EQ and CQ commands', () => {
  it("creates, queries and destroys; an EQ in use by a CQ is busy; EQs are the kernel's", async () => {
    const s = setup();
    const { eqn, cqn, cmd } = await kernelObjects(s.k, s);
    const c = await queryCq(cmd, cqn);
    expect([c.c_eqn, c.log_cq_size]).toEqual([eqn, 4]);
    expect(await failure(destroyEq(s.k, eqn))).toEqual([CmdStatus.RES_BUSY, Syndrome.OBJ_BUSY]);
    await destroyCq(cmd, cqn);
    await destroyEq(s.k, eqn);
    const uid = s.h.uctx(0);
    expect(await failure(createEq(s.as(uid), { logSize: 4, pas: s.ring(1024).pas }))).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.UID_NOT_ALLOWED,
    ]);
  });

  it('refuses unmapped or non-contiguous rings and sizes above the limit', async () => {
    const s = setup({ log_max_cq_sz: 7 });
    const eqn = await createEq(s.k, { logSize: 4, pas: s.ring(1024).pas });
    const r = s.ring(64 * 64);
    expect(await failure(createCq(s.k, { logSize: 8, eqn, ...r }))).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.RING_BAD_SIZE,
    ]);
    expect(
      await failure(createCq(s.k, { logSize: 6, eqn, pas: [0x1000n], dbrAddr: r.dbrAddr })),
    ).toEqual([CmdStatus.BAD_PARAM, Syndrome.RING_NOT_MAPPED]);
    const big = s.ring(128 * 64);
    expect(
      await failure(
        createCq(s.k, { logSize: 7, eqn, pas: [big.pas[1]!, big.pas[0]!], dbrAddr: big.dbrAddr }),
      ),
    ).toEqual([CmdStatus.BAD_PARAM, Syndrome.RING_NOT_MAPPED]);
    expect(await failure(createCq(s.k, { logSize: 4, eqn: 77, ...r }))).toEqual([
      CmdStatus.BAD_RES,
      Syndrome.OBJ_NOT_FOUND,
    ]);
  });

  it('bounds live CQs by log_max_cq (LIM)', async () => {
    const s = setup({ log_max_cq: 1 });
    const eqn = await createEq(s.k, { logSize: 4, pas: s.ring(1024).pas });
    await createCq(s.k, { logSize: 2, eqn, ...s.ring(256) });
    await createCq(s.k, { logSize: 2, eqn, ...s.ring(256) });
    expect(await failure(createCq(s.k, { logSize: 2, eqn, ...s.ring(256) }))).toEqual([
      CmdStatus.LIM,
      Syndrome.OBJ_LIMIT,
    ]);
  });
});

describe('SQ, RQ, TIS and TIR commands', () => {
  it('walks SQ and RQ states RST -> RDY -> ERR -> RST and refuses wrong current states', async () => {
    const s = setup();
    const { pd, cqn } = await kernelObjects(s.k, s);
    const tisn = await createTis(s.k);
    const sqn = await createSq(s.k, { cqn, tisn, pd, logSize: 4, ...s.ring(16 * 64) });
    const rqn = await createRq(s.k, { cqn, pd, logSize: 4, logStride: 4, ...s.ring(256) });
    await createTir(s.k, { rqn });
    for (const [modify, query, n] of [
      [modifySq, querySq, sqn],
      [modifyRq, queryRq, rqn],
    ] as const) {
      expect((await query(s.k, n)).state).toBe(QueueState.RST);
      expect(await failure(modify(s.k, n, QueueState.RDY, QueueState.ERR))).toEqual([
        CmdStatus.BAD_RES_STATE,
        Syndrome.QUEUE_BAD_STATE,
      ]);
      expect(await failure(modify(s.k, n, QueueState.RST, QueueState.ERR))).toEqual([
        CmdStatus.BAD_RES_STATE,
        Syndrome.QUEUE_BAD_STATE,
      ]);
      await modify(s.k, n, QueueState.RST, QueueState.RDY);
      await modify(s.k, n, QueueState.RDY, QueueState.ERR);
      expect((await query(s.k, n)).state).toBe(QueueState.ERR);
      await modify(s.k, n, QueueState.ERR, QueueState.RST);
      expect(await query(s.k, n)).toEqual({ state: QueueState.RST, cqn, hwCounter: 0 });
    }
  });

  it('CREATE_SQ needs RAW_TX for a user context; a TIS on a missing port is BAD_PORT', async () => {
    const s = setup();
    const plain = s.h.uctx(0);
    const raw = s.h.uctx(UctxCap.RAW_TX);
    for (const uid of [plain, raw]) {
      const { pd, cqn, cmd } = await kernelObjects(s.k, s, uid);
      const tisn = await createTis(cmd);
      const p = createSq(cmd, { cqn, tisn, pd, logSize: 4, ...s.ring(1024) });
      if (uid === plain)
        expect(await failure(p)).toEqual([CmdStatus.BAD_PARAM, Syndrome.UID_LACKS_CAP]);
      else expect(await p).toBeGreaterThan(0);
    }
    expect(await failure(createTis(s.k, { port: 2 }))).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.BAD_PORT,
    ]);
  });
});

describe('QP commands', () => {
  const transitions = Object.keys(QP_TRANSITIONS) as QpTransition[];
  const states = [QpState.RST, QpState.INIT, QpState.RTR, QpState.RTS, QpState.ERR];
  const path: Record<number, QpTransition[]> = {
    [QpState.RST]: [],
    [QpState.INIT]: ['RST2INIT'],
    [QpState.RTR]: ['RST2INIT', 'INIT2RTR'],
    [QpState.RTS]: ['RST2INIT', 'INIT2RTR', 'RTR2RTS'],
    [QpState.ERR]: ['2ERR'],
  };

  it('accepts every legal transition and refuses every illegal one with BAD_QP_STATE, changing nothing', async () => {
    const s = setup();
    const { pd, cqn } = await kernelObjects(s.k, s);
    const names = Object.fromEntries(Object.entries(QpState).map(([k, v]) => [v, k]));
    for (const from of states) {
      for (const t of transitions) {
        const qpn = await createQp(s.k, {
          pd,
          cqnSnd: cqn,
          cqnRcv: cqn,
          logSqSize: 2,
          logRqSize: 2,
          logRqStride: 0,
          ...s.ring(64 * 4 + 16 * 4),
        });
        for (const step of path[from]!) await modifyQp(s.k, qpn, step, { port: 1 });
        const rule = QP_TRANSITIONS[t];
        const legal = rule.from === 'any' || rule.from.includes(from);
        const r = modifyQp(s.k, qpn, t, { port: 1, remoteQpn: 5, retryCount: 4 });
        if (legal) {
          await r;
          expect((await queryQp(s.k, qpn)).state).toBe(names[rule.to]);
        } else {
          expect(await failure(r)).toEqual([CmdStatus.BAD_QP_STATE, Syndrome.QP_BAD_STATE]);
          expect((await queryQp(s.k, qpn)).state).toBe(names[from]);
        }
      }
    }
  });

  it('INIT2RTR records the peer and port, RTR2RTS the retry count', async () => {
    const s = setup();
    const { pd, cqn } = await kernelObjects(s.k, s);
    const qpn = await createQp(s.k, {
      pd,
      cqnSnd: cqn,
      cqnRcv: cqn,
      logSqSize: 2,
      logRqSize: 2,
      logRqStride: 0,
      ...s.ring(512),
    });
    await modifyQp(s.k, qpn, 'RST2INIT', { port: 1 });
    await modifyQp(s.k, qpn, 'INIT2RTR', { remoteQpn: 0x1234 });
    await modifyQp(s.k, qpn, 'RTR2RTS', { retryCount: 5 });
    expect(await queryQp(s.k, qpn)).toMatchObject({
      state: 'RTS',
      remoteQpn: 0x1234,
      port: 1,
      retryCount: 5,
      pd,
      cqnSnd: cqn,
    });
    const other = await createQp(s.k, {
      pd,
      cqnSnd: cqn,
      cqnRcv: cqn,
      logSqSize: 2,
      logRqSize: 2,
      logRqStride: 0,
      ...s.ring(512),
    });
    expect(await failure(modifyQp(s.k, other, 'RST2INIT', { port: 3 }))).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.BAD_PORT,
    ]);
  });

  it('refuses service types other than RC', async () => {
    const s = setup();
    const { pd, cqn } = await kernelObjects(s.k, s);
    const inbox = CreateQpIn;
    const b = inbox.alloc();
    b.writeUInt16BE(0x500, 0);
    Qpc.write(b, { st: 2, pd, cqn_snd: cqn, cqn_rcv: cqn }, inbox.byteOffset('qpc'));
    expect(await failure(s.k.cmdExec(b, 16))).toEqual([CmdStatus.BAD_PARAM, Syndrome.QP_BAD_TYPE]);
  });

  it("DESTROY_UCTX frees the context's PD, CQs, QPs, SQs, RQs, TIRs and TISs, newest first", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), async (n) => {
        const s = setup();
        const uid = s.h.uctx(UctxCap.RAW_TX);
        const { pd, cqn, cmd } = await kernelObjects(s.k, s, uid);
        for (let i = 0; i < n; i++) {
          await createQp(cmd, {
            pd,
            cqnSnd: cqn,
            cqnRcv: cqn,
            logSqSize: 2,
            logRqSize: 2,
            logRqStride: 0,
            ...s.ring(512),
          });
          const tisn = await createTis(cmd);
          await createSq(cmd, { cqn, tisn, pd, logSize: 2, ...s.ring(256) });
          const rqn = await createRq(cmd, { cqn, pd, logSize: 2, logStride: 4, ...s.ring(64) });
          await createTir(cmd, { rqn });
        }
        expect(s.h.fw.objectCounts(uid)).toMatchObject({
          QP: n,
          SQ: n,
          RQ: n,
          TIR: n,
          TIS: n,
          CQ: 1,
          PD: 1,
        });
        s.h.ok(s.h.destroyUctx(uid), 'DESTROY_UCTX');
        expect(s.h.fw.objectCounts(uid)).toEqual({});
        expect(s.h.fw.objectCounts()).toEqual({ EQ: 1 });
      }),
      { numRuns: 4 },
    );
  });

  it('shows the counters the device keeps alike in QUERY_QP / QUERY_CQ and the resource dump view, also after a flush', async () => {
    const s = setup();
    const { pd, cqn } = await kernelObjects(s.k, s);
    const mem = s.ring(64 * 4 + 16 * 4);
    const qpn = await createQp(s.k, {
      pd,
      cqnSnd: cqn,
      cqnRcv: cqn,
      logSqSize: 2,
      logRqSize: 2,
      logRqStride: 0,
      ...mem,
    });
    await modifyQp(s.k, qpn, 'RST2INIT', { port: 1 });
    // One receive WQE and two send WQEBBs posted (a zeroed ring holds NOPs); 2ERR flushes them.
    const dbr = s.dma.resolve(mem.dbrAddr, 8)!;
    dbr.writeUInt32BE(1, 0);
    dbr.writeUInt32BE(2, 4);
    await modifyQp(s.k, qpn, '2ERR');
    const q = await queryQp(s.k, qpn);
    expect([q.sqCounter, q.rqCounter]).toEqual([2, 1]);
    const views = [...s.h.fw.objects()];
    const qp = views.find((o) => o.type === 'QP' && o.id === qpn);
    expect(qp?.context).toMatchObject({ hw_sq_wqebb_counter: 2, hw_rq_counter: 1 });
    expect((await queryCq(s.k, cqn)).producer_counter).toBe(3);
    const cq = views.find((o) => o.type === 'CQ' && o.id === cqn);
    expect(cq?.context.producer_counter).toBe(3);
  });
});

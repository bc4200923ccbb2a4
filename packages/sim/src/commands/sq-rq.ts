/**
 * Ethernet queues: CREATE/MODIFY/DESTROY/QUERY_SQ (0x904..0x907) and _RQ
 * (0x908..0x90b).
 *
 * A queue is created in RST on a cyclic `wq` of 2^log_wq_sz entries
 * (`log_max_qp_sz` bounds it) whose ring and doorbell record are mapped
 * host memory; an SQ's stride is one 64-byte WQEBB, an RQ's any power of
 * two from 16 bytes. The SQ references its CQ, TIS and PD; the RQ its CQ
 * and PD. MODIFY names the current state (`sq_state` / `rq_state`, which
 * must match: BAD_RES_STATE / QUEUE_BAD_STATE) and the next one in the
 * context; allowed: RST->RDY, RDY->RDY, RDY->ERR, RDY->RST, ERR->RST.
 * Entering RST or leaving it restarts the device's consumer counter.
 * Creating an SQ as a uid other than 0 needs RAW_TX (raw Ethernet
 * frames); RQs need nothing.
 *
 * Owns: the handlers only.
 */
import {
  CmdOut,
  CreateRqIn,
  CreateRqOut,
  CreateSqIn,
  CreateSqOut,
  DestroyRqIn,
  DestroySqIn,
  ModifyRqIn,
  ModifySqIn,
  Op,
  PAS_OFFSET,
  QueryRqOut,
  QuerySqOut,
  QueueState,
  Rqc,
  SEND_WQEBB_BYTES,
  SEND_WQEBB_SHIFT,
  Sqc,
  UctxCap,
  Wq,
  WqType,
} from '@auxctl/prm';
import { type RqData, type SqData, type TisData, wqCounter } from '../datapath/queue-data.js';
import { checkLogSize, readPas, ringMemory } from '../datapath/ring-memory.js';
import type { FwObject } from '../object-table.js';
import { type CommandCall, type CommandSpec, type FwContext, INITIALIZED } from './command.js';
import { badQueueState, notModelled } from './queue-errors.js';

type WqFields = ReturnType<typeof Wq.decode>;

function checkWq(fw: FwContext, what: string, wq: WqFields): void {
  if (wq.wq_type !== WqType.CYCLIC) throw notModelled(`${what} wq_type ${wq.wq_type}`);
  if (wq.wq_umem_valid === 1 || wq.dbr_umem_valid === 1) throw notModelled(`a umem-backed ${what}`);
  checkLogSize(what, wq.log_wq_sz, fw.caps.get('log_max_qp_sz'));
}

function wqContext(wq: WqFields): Record<string, number | bigint> {
  return {
    wq_type: wq.wq_type,
    pd: wq.pd,
    uar_page: wq.uar_page,
    dbr_addr: wq.dbr_addr,
    log_wq_stride: wq.log_wq_stride,
    log_wq_sz: wq.log_wq_sz,
    hw_counter: 0,
    sw_counter: 0,
  };
}

function createSq(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const c = Sqc.decode(inbox, CreateSqIn.byteOffset('ctx'));
  checkWq(fw, 'SQ', c.wq);
  if (c.wq.log_wq_stride !== SEND_WQEBB_SHIFT)
    throw notModelled(`SQ stride 2^${c.wq.log_wq_stride} (use ${SEND_WQEBB_BYTES})`);
  if (c.state !== QueueState.RST) throw badQueueState('an SQ is created in RST');
  const cq = fw.objects.lookup('CQ', c.cqn, uid);
  const tis = fw.objects.lookup<TisData>('TIS', c.tis_num_0, uid);
  const pd = fw.objects.lookup('PD', c.wq.pd, uid);
  const ring = ringMemory(
    fw.dma,
    readPas(inbox, PAS_OFFSET),
    (1 << c.wq.log_wq_sz) * SEND_WQEBB_BYTES,
    c.wq.dbr_addr,
  );
  const data: SqData = {
    ring,
    logSize: c.wq.log_wq_sz,
    cqn: cq.id,
    tisn: tis.id,
    port: tis.data.port,
    pd: pd.id,
    cc: 0,
  };
  const sq = fw.objects.create(
    'SQ',
    uid,
    {
      sqn: 0,
      state: QueueState.RST,
      cqn: cq.id,
      tis_num_0: tis.id,
      user_index: c.user_index,
      ...wqContext(c.wq),
    },
    [
      { type: 'CQ', id: cq.id },
      { type: 'TIS', id: tis.id },
      { type: 'PD', id: pd.id },
    ],
    data,
  );
  sq.context.sqn = sq.id;
  CreateSqOut.set(outbox, 'sqn', sq.id);
}

function createRq(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const c = Rqc.decode(inbox, CreateRqIn.byteOffset('ctx'));
  checkWq(fw, 'RQ', c.wq);
  if (c.wq.log_wq_stride < 4) throw notModelled(`RQ stride 2^${c.wq.log_wq_stride} (>= 16 bytes)`);
  if (c.mem_rq_type !== 0) throw notModelled(`mem_rq_type ${c.mem_rq_type}`);
  if (c.state !== QueueState.RST) throw badQueueState('an RQ is created in RST');
  const cq = fw.objects.lookup('CQ', c.cqn, uid);
  const pd = fw.objects.lookup('PD', c.wq.pd, uid);
  const stride = 1 << c.wq.log_wq_stride;
  const ring = ringMemory(
    fw.dma,
    readPas(inbox, PAS_OFFSET),
    (1 << c.wq.log_wq_sz) * stride,
    c.wq.dbr_addr,
  );
  const data: RqData = { ring, logSize: c.wq.log_wq_sz, stride, cqn: cq.id, pd: pd.id, cc: 0 };
  const rq = fw.objects.create(
    'RQ',
    uid,
    { rqn: 0, state: QueueState.RST, cqn: cq.id, user_index: c.user_index, ...wqContext(c.wq) },
    [
      { type: 'CQ', id: cq.id },
      { type: 'PD', id: pd.id },
    ],
    data,
  );
  rq.context.rqn = rq.id;
  CreateRqOut.set(outbox, 'rqn', rq.id);
}

const ALLOWED: Readonly<Record<number, readonly number[]>> = {
  [QueueState.RST]: [QueueState.RDY],
  [QueueState.RDY]: [QueueState.RDY, QueueState.ERR, QueueState.RST],
  [QueueState.ERR]: [QueueState.RST],
};

/** modifyQueue: the shared MODIFY_SQ / MODIFY_RQ state machine. */
function modifyQueue(q: FwObject<SqData | RqData>, cur: number, next: number): void {
  const state = Number(q.context.state);
  if (cur !== state) {
    throw badQueueState(`${q.type} 0x${q.id.toString(16)} is in state ${state}, not ${cur}`);
  }
  if (!ALLOWED[state]?.includes(next)) {
    throw badQueueState(`${q.type} cannot go from state ${state} to ${next}`);
  }
  if (state === QueueState.RST || next === QueueState.RST) q.data.cc = 0;
  q.context.state = next;
}

function queueFields(q: FwObject<SqData | RqData>): {
  state: number;
  cqn: number;
  wq: Partial<WqFields>;
} {
  const c = q.context;
  return {
    state: Number(c.state),
    cqn: Number(c.cqn),
    wq: {
      wq_type: Number(c.wq_type),
      pd: Number(c.pd),
      dbr_addr: BigInt(c.dbr_addr!),
      hw_counter: wqCounter(q.data),
      log_wq_stride: Number(c.log_wq_stride),
      log_wq_sz: Number(c.log_wq_sz),
    },
  };
}

/** sqRqCommands: see the module header. */
export const sqRqCommands: readonly CommandSpec[] = [
  {
    opcode: Op.CREATE_SQ,
    in: CreateSqIn,
    out: CreateSqOut,
    opMods: [0],
    states: INITIALIZED,
    access: { cap: UctxCap.RAW_TX },
    run: createSq,
  },
  {
    opcode: Op.MODIFY_SQ,
    in: ModifySqIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => {
      const sq = fw.objects.lookup<SqData>('SQ', ModifySqIn.get(inbox, 'sqn'), uid);
      const next = Sqc.get(inbox, 'state', ModifySqIn.byteOffset('ctx'));
      modifyQueue(sq, ModifySqIn.get(inbox, 'sq_state'), next);
    },
  },
  {
    opcode: Op.DESTROY_SQ,
    in: DestroySqIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => fw.objects.destroy('SQ', DestroySqIn.get(inbox, 'sqn'), uid),
  },
  {
    opcode: Op.QUERY_SQ,
    in: DestroySqIn,
    out: QuerySqOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    toolsQuery: true,
    run: (fw, { inbox, outbox, uid }) => {
      const sq = fw.objects.lookup<SqData>('SQ', DestroySqIn.get(inbox, 'sqn'), uid);
      const at = QuerySqOut.byteOffset('sq_context');
      const f = queueFields(sq);
      Sqc.write(outbox, { state: f.state, cqn: f.cqn, tis_num_0: sq.data.tisn }, at);
      Wq.write(outbox, f.wq, at + Sqc.byteOffset('wq'));
    },
  },
  {
    opcode: Op.CREATE_RQ,
    in: CreateRqIn,
    out: CreateRqOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: createRq,
  },
  {
    opcode: Op.MODIFY_RQ,
    in: ModifyRqIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => {
      const rq = fw.objects.lookup<RqData>('RQ', ModifyRqIn.get(inbox, 'rqn'), uid);
      const next = Rqc.get(inbox, 'state', ModifyRqIn.byteOffset('ctx'));
      modifyQueue(rq, ModifyRqIn.get(inbox, 'rq_state'), next);
    },
  },
  {
    opcode: Op.DESTROY_RQ,
    in: DestroyRqIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => fw.objects.destroy('RQ', DestroyRqIn.get(inbox, 'rqn'), uid),
  },
  {
    opcode: Op.QUERY_RQ,
    in: DestroyRqIn,
    out: QueryRqOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    toolsQuery: true,
    run: (fw, { inbox, outbox, uid }) => {
      const rq = fw.objects.lookup<RqData>('RQ', DestroyRqIn.get(inbox, 'rqn'), uid);
      const at = QueryRqOut.byteOffset('rq_context');
      const f = queueFields(rq);
      Rqc.write(outbox, { state: f.state, cqn: f.cqn }, at);
      Wq.write(outbox, f.wq, at + Rqc.byteOffset('wq'));
    },
  },
];

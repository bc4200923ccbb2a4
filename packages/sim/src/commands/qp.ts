/**
 * RC queue pairs: CREATE_QP (0x500), DESTROY_QP (0x501), QUERY_QP (0x50b)
 * and the state transitions RST2INIT (0x502), INIT2INIT (0x50e), INIT2RTR
 * (0x503), RTR2RTS (0x504), RTS2RTS (0x505), 2ERR (0x507), 2RST (0x50a).
 *
 * CREATE_QP: service type RC only (else BAD_PARAM / QP_BAD_TYPE); the QP
 * starts in RST and references its PD and both CQs (same uid); the ring
 * holds 2^log_rq_size receive WQEs of 16 << log_rq_stride bytes, then
 * 2^log_sq_size 64-byte WQEBBs (`no_sq`: none); both bounded by
 * `log_max_qp_sz`.
 * Transitions: a transition from a state it does not start from fails
 * with BAD_QP_STATE / QP_BAD_STATE and changes nothing (the table is
 * `QP_TRANSITIONS` in ifc/qp.ts). What each one takes from `qpc`:
 *   RST2INIT, INIT2INIT: primary_address_path.vhca_port_num (0 = port 1;
 *     a port the device lacks: BAD_PORT), rre / rwe / rae, pkey_index;
 *   INIT2RTR: remote_qpn, mtu, next_rcv_psn, min_rnr_nak, and the port
 *     again when non-zero;
 *   RTR2RTS, RTS2RTS: retry_count, rnr_retry, next_send_psn;
 *   2ERR: posted WQEs are flushed with WR_FLUSH_ERR CQEs;
 *   2RST: posted WQEs are discarded and the device's counters restart
 *     (the driver restarts its own and clears the doorbell record).
 *
 * Owns: the handlers only.
 */
import {
  Ads,
  CmdOut,
  CmdStatus,
  CreateQpIn,
  CreateQpOut,
  ModifyQpIn,
  ModifyQpOut,
  Op,
  PAS_OFFSET,
  QP_TRANSITIONS,
  Qpc,
  QpNumIn,
  QpServiceType,
  QpState,
  type QpTransition,
  QueryQpOut,
  qpTransitionAllowed,
  RQ_STRIDE_BASE,
  SEND_WQEBB_BYTES,
  Syndrome,
} from '@auxctl/prm';
import type { QpData } from '../datapath/queue-data.js';
import { checkLogSize, readPas, ringMemory } from '../datapath/ring-memory.js';
import { FwError } from '../fw-error.js';
import type { FwObject } from '../object-table.js';
import { type CommandCall, type CommandSpec, type FwContext, INITIALIZED } from './command.js';
import { notModelled, requirePort } from './queue-errors.js';

const qpcAt = CreateQpIn.byteOffset('qpc');

function createQp(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const c = Qpc.decode(inbox, qpcAt);
  if (c.st !== QpServiceType.RC) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.QP_BAD_TYPE,
      `service type ${c.st}: only RC (0) is modelled`,
    );
  }
  if (CreateQpIn.get(inbox, 'wq_umem_valid') === 1) throw notModelled('a umem-backed QP');
  const max = fw.caps.get('log_max_qp_sz');
  checkLogSize('QP SQ', c.log_sq_size, max);
  checkLogSize('QP RQ', c.log_rq_size, max);
  const pd = fw.objects.lookup('PD', c.pd, uid);
  const snd = fw.objects.lookup('CQ', c.cqn_snd, uid);
  const rcv = fw.objects.lookup('CQ', c.cqn_rcv, uid);
  const rqStride = RQ_STRIDE_BASE << c.log_rq_stride;
  const rqBytes = (1 << c.log_rq_size) * rqStride;
  const sqBytes = c.no_sq ? 0 : (1 << c.log_sq_size) * SEND_WQEBB_BYTES;
  const ring = ringMemory(fw.dma, readPas(inbox, PAS_OFFSET), rqBytes + sqBytes, c.dbr_addr);
  const data: QpData = {
    ring,
    logRqSize: c.log_rq_size,
    rqStride,
    logSqSize: c.no_sq ? 0 : c.log_sq_size,
    sqOffset: rqBytes,
    pd: pd.id,
    cqnSnd: snd.id,
    cqnRcv: rcv.id,
    remoteQpn: 0,
    port: 1,
    retryCount: 0,
    sqCc: 0,
    rqCc: 0,
  };
  const qp = fw.objects.create(
    'QP',
    uid,
    {
      qpn: 0,
      state: QpState.RST,
      st: c.st,
      pd: pd.id,
      cqn_snd: snd.id,
      cqn_rcv: rcv.id,
      log_sq_size: c.log_sq_size,
      log_rq_size: c.log_rq_size,
      log_rq_stride: c.log_rq_stride,
      no_sq: c.no_sq,
      remote_qpn: 0,
      vhca_port_num: 0,
      mtu: c.mtu,
      retry_count: 0,
      rnr_retry: 0,
      rre: 0,
      rwe: 0,
      rae: 0,
      next_send_psn: 0,
      next_rcv_psn: 0,
      hw_sq_wqebb_counter: 0,
      hw_rq_counter: 0,
      dbr_addr: c.dbr_addr,
    },
    [
      { type: 'PD', id: pd.id },
      { type: 'CQ', id: snd.id },
      { type: 'CQ', id: rcv.id },
    ],
    data,
  );
  qp.context.qpn = qp.id;
  CreateQpOut.set(outbox, 'qpn', qp.id);
}

function setPort(fw: FwContext, qp: FwObject<QpData>, n: number): void {
  const port = requirePort(fw, n);
  qp.data.port = port;
  qp.context.vhca_port_num = port;
}

function transition(t: QpTransition) {
  return (fw: FwContext, { inbox, uid }: CommandCall): void => {
    const qp = fw.objects.lookup<QpData>('QP', QpNumIn.get(inbox, 'qpn'), uid);
    const from = Number(qp.context.state);
    if (!qpTransitionAllowed(t, from)) {
      throw new FwError(
        CmdStatus.BAD_QP_STATE,
        Syndrome.QP_BAD_STATE,
        `${t}_QP is not valid for QP 0x${qp.id.toString(16)} in state ${from}`,
      );
    }
    const ctx = qp.context;
    if (t === '2ERR') {
      fw.datapath.rc.toError(qp);
      return;
    }
    if (t === '2RST') {
      Object.assign(qp.data, { sqCc: 0, rqCc: 0, remoteQpn: 0 });
      Object.assign(ctx, { state: QpState.RST, remote_qpn: 0 });
      return;
    }
    const c = Qpc.decode(inbox, ModifyQpIn.byteOffset('qpc'));
    const path = c.primary_address_path;
    if (t === 'RST2INIT' || t === 'INIT2INIT') {
      setPort(fw, qp, path.vhca_port_num);
      Object.assign(ctx, { rre: c.rre, rwe: c.rwe, rae: c.rae, pkey_index: path.pkey_index });
    } else if (t === 'INIT2RTR') {
      if (path.vhca_port_num !== 0) setPort(fw, qp, path.vhca_port_num);
      qp.data.remoteQpn = c.remote_qpn;
      Object.assign(ctx, {
        remote_qpn: c.remote_qpn,
        mtu: c.mtu,
        next_rcv_psn: c.next_rcv_psn,
        min_rnr_nak: c.min_rnr_nak,
      });
    } else {
      qp.data.retryCount = c.retry_count;
      Object.assign(ctx, {
        retry_count: c.retry_count,
        rnr_retry: c.rnr_retry,
        next_send_psn: c.next_send_psn,
      });
    }
    ctx.state = QP_TRANSITIONS[t].to;
  };
}

function queryQp(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const qp = fw.objects.lookup<QpData>('QP', QpNumIn.get(inbox, 'qpn'), uid);
  const c = qp.context;
  const at = QueryQpOut.byteOffset('qpc');
  const n = (k: string) => Number(c[k] ?? 0);
  Qpc.write(
    outbox,
    {
      state: n('state'),
      st: n('st'),
      pd: n('pd'),
      mtu: n('mtu'),
      log_rq_size: n('log_rq_size'),
      log_rq_stride: n('log_rq_stride'),
      no_sq: n('no_sq'),
      log_sq_size: n('log_sq_size'),
      remote_qpn: n('remote_qpn'),
      retry_count: n('retry_count'),
      rnr_retry: n('rnr_retry'),
      next_send_psn: n('next_send_psn'),
      cqn_snd: n('cqn_snd'),
      rre: n('rre'),
      rwe: n('rwe'),
      rae: n('rae'),
      next_rcv_psn: n('next_rcv_psn'),
      cqn_rcv: n('cqn_rcv'),
      dbr_addr: BigInt(c.dbr_addr ?? 0),
      hw_sq_wqebb_counter: qp.data.sqCc & 0xffff,
      hw_rq_counter: qp.data.rqCc >>> 0,
    },
    at,
  );
  Ads.set(outbox, 'vhca_port_num', n('vhca_port_num'), at + Qpc.byteOffset('primary_address_path'));
}

const modifySpec = (t: QpTransition): CommandSpec => {
  const small = t === '2ERR' || t === '2RST';
  return {
    opcode: QP_TRANSITIONS[t].opcode,
    in: small ? QpNumIn : ModifyQpIn,
    out: small ? CmdOut : ModifyQpOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: transition(t),
  };
};

/** qpCommands: see the module header. */
export const qpCommands: readonly CommandSpec[] = [
  {
    opcode: Op.CREATE_QP,
    in: CreateQpIn,
    out: CreateQpOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: createQp,
  },
  {
    opcode: Op.DESTROY_QP,
    in: QpNumIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => fw.objects.destroy('QP', QpNumIn.get(inbox, 'qpn'), uid),
  },
  {
    opcode: Op.QUERY_QP,
    in: QpNumIn,
    out: QueryQpOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    toolsQuery: true,
    run: queryQp,
  },
  ...(Object.keys(QP_TRANSITIONS) as QpTransition[]).map(modifySpec),
];

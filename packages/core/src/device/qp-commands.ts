/**
 * QP command builders: CREATE_QP, the state transitions, QUERY_QP and
 * DESTROY_QP as typed helpers (see queue-commands.ts for the conventions;
 * QueuePair in datapath/ is the ring class that uses them).
 *
 * Owns: nothing; stateless.
 */
import {
  Ads,
  CmdOut,
  CreateQpIn,
  CreateQpOut,
  ModifyQpIn,
  ModifyQpOut,
  Op,
  QP_TRANSITIONS,
  Qpc,
  QpNumIn,
  QpServiceType,
  QpState,
  type QpStateName,
  type QpTransition,
  QueryQpOut,
} from '@auxctl/prm';
import { buildInbox, type CommandExecutor } from './firmware-commands.js';
import { type RingPlacement, withPas } from './queue-commands.js';

/** QpParams: an RC QP; receive WQEs are 16 << logRqStride bytes, the send queue 2^logSqSize WQEBBs. */
export interface QpParams extends RingPlacement {
  readonly pd: number;
  readonly cqnSnd: number;
  readonly cqnRcv: number;
  readonly logSqSize: number;
  readonly logRqSize: number;
  readonly logRqStride: number;
  readonly uid?: number;
}

/** createQp: CREATE_QP (RC, in RST); the qpn. */
export async function createQp(cmd: CommandExecutor, p: QpParams): Promise<number> {
  const inbox = withPas(CreateQpIn, Op.CREATE_QP, { uid: p.uid ?? 0 }, p.pas);
  Qpc.write(
    inbox,
    {
      st: QpServiceType.RC,
      pd: p.pd,
      cqn_snd: p.cqnSnd,
      cqn_rcv: p.cqnRcv,
      log_sq_size: p.logSqSize,
      log_rq_size: p.logRqSize,
      log_rq_stride: p.logRqStride,
      dbr_addr: p.dbrAddr,
    },
    CreateQpIn.byteOffset('qpc'),
  );
  return CreateQpOut.get(await cmd.cmdExec(inbox, CreateQpOut.bytes), 'qpn');
}

/** QpModifyParams: what a transition carries (each transition reads its own fields, see sim/commands/qp.ts). */
export interface QpModifyParams {
  /** RST2INIT / INIT2RTR: the local port (address path vhca_port_num). */
  readonly port?: number;
  /** RST2INIT: responder access: remote read / write / atomic. */
  readonly remoteRead?: boolean;
  readonly remoteWrite?: boolean;
  readonly remoteAtomic?: boolean;
  /** INIT2RTR: the peer QP and path MTU (IB enum: 1 = 256 .. 5 = 4096). */
  readonly remoteQpn?: number;
  readonly mtu?: number;
  readonly recvPsn?: number;
  /** RTR2RTS: transport retries before RETRY_EXC_ERR, RNR retries, first PSN. */
  readonly retryCount?: number;
  readonly rnrRetry?: number;
  readonly sendPsn?: number;
}

/** modifyQp: one QP state transition. */
export async function modifyQp(
  cmd: CommandExecutor,
  qpn: number,
  t: QpTransition,
  p: QpModifyParams = {},
  uid = 0,
): Promise<void> {
  const opcode = QP_TRANSITIONS[t].opcode;
  if (t === '2ERR' || t === '2RST') {
    await cmd.cmdExec(buildInbox(QpNumIn, opcode, { qpn, uid }), CmdOut.bytes);
    return;
  }
  const inbox = buildInbox(ModifyQpIn, opcode, { qpn, uid });
  const at = ModifyQpIn.byteOffset('qpc');
  Qpc.write(
    inbox,
    {
      rre: p.remoteRead ? 1 : 0,
      rwe: p.remoteWrite ? 1 : 0,
      rae: p.remoteAtomic ? 1 : 0,
      remote_qpn: p.remoteQpn ?? 0,
      mtu: p.mtu ?? 0,
      next_rcv_psn: p.recvPsn ?? 0,
      retry_count: p.retryCount ?? 0,
      rnr_retry: p.rnrRetry ?? 0,
      next_send_psn: p.sendPsn ?? 0,
    },
    at,
  );
  Ads.set(inbox, 'vhca_port_num', p.port ?? 0, at + Qpc.byteOffset('primary_address_path'));
  await cmd.cmdExec(inbox, ModifyQpOut.bytes);
}

/** QpInfo: what QUERY_QP reports. */
export interface QpInfo {
  readonly state: QpStateName;
  readonly pd: number;
  readonly remoteQpn: number;
  readonly port: number;
  readonly cqnSnd: number;
  readonly cqnRcv: number;
  readonly retryCount: number;
  /** The device's send (WQEBB) and receive (WQE) consumer counters. */
  readonly sqCounter: number;
  readonly rqCounter: number;
}

const stateNames = new Map<number, QpStateName>(
  Object.entries(QpState).map(([k, v]) => [v, k as QpStateName]),
);

/** queryQp: QUERY_QP, decoded. */
export async function queryQp(cmd: CommandExecutor, qpn: number, uid = 0): Promise<QpInfo> {
  const out = await cmd.cmdExec(buildInbox(QpNumIn, Op.QUERY_QP, { qpn, uid }), QueryQpOut.bytes);
  const q = Qpc.decode(out, QueryQpOut.byteOffset('qpc'));
  return {
    state: stateNames.get(q.state) ?? 'ERR',
    pd: q.pd,
    remoteQpn: q.remote_qpn,
    port: q.primary_address_path.vhca_port_num,
    cqnSnd: q.cqn_snd,
    cqnRcv: q.cqn_rcv,
    retryCount: q.retry_count,
    sqCounter: q.hw_sq_wqebb_counter,
    rqCounter: q.hw_rq_counter,
  };
}

/** destroyQp: DESTROY_QP. */
export async function destroyQp(cmd: CommandExecutor, qpn: number, uid = 0): Promise<void> {
  await cmd.cmdExec(buildInbox(QpNumIn, Op.DESTROY_QP, { qpn, uid }), CmdOut.bytes);
}

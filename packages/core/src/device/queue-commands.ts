/**
 * Queue command builders: typed helpers for the data-path objects (EQ, CQ,
 * SQ, RQ, TIS, TIR; QPs are in qp-commands.ts), in the style of firmware-commands.ts: each fills
 * an inbox from its layout, runs it through a `CommandExecutor` (a queue or
 * a driver's CoreHandle) and decodes the answer; a firmware failure
 * rejects with the status's errno (cmdExec). `uid` is the user context the
 * object belongs to (default 0, the kernel driver); `pas` are the ring's
 * page bus addresses and `dbrAddr` its doorbell record (QueueBuffer gives
 * both). Drivers usually use the ring classes in datapath/ instead, which
 * call these.
 *
 * Owns: nothing; stateless.
 */

import {
  CmdOut,
  Cqc,
  CreateCqIn,
  CreateCqOut,
  CreateEqIn,
  CreateEqOut,
  CreateRqIn,
  CreateRqOut,
  CreateSqIn,
  CreateSqOut,
  CreateTirIn,
  CreateTirOut,
  CreateTisIn,
  CreateTisOut,
  type Decoded,
  DestroyCqIn,
  DestroyEqIn,
  DestroyRqIn,
  DestroySqIn,
  DestroyTirIn,
  DestroyTisIn,
  Eqc,
  type Fields,
  type Layout,
  ModifyRqIn,
  ModifySqIn,
  Op,
  PAS_OFFSET,
  QueryCqIn,
  QueryCqOut,
  QueryRqOut,
  QuerySqOut,
  Rqc,
  SEND_WQEBB_SHIFT,
  Sqc,
  Tirc,
  TirDispType,
  Tisc,
  Wq,
  WqType,
} from '@auxctl/prm';
import { buildInbox, type CommandExecutor } from './firmware-commands.js';

/** RingPlacement: where a ring lives (QueueBuffer provides it). */
export interface RingPlacement {
  readonly pas: readonly bigint[];
  readonly dbrAddr: bigint;
}

/** withPas: an inbox of `layout` followed by the page list `pas` at PAS_OFFSET. */
export function withPas<F extends Fields>(
  layout: Layout<F>,
  opcode: number,
  values: Partial<Decoded<F>>,
  pas: readonly bigint[],
): Buffer {
  const inbox = buildInbox(layout, opcode, values, pas.length * 8);
  pas.forEach((a, i) => {
    inbox.writeBigUInt64BE(a, PAS_OFFSET + i * 8);
  });
  return inbox;
}

/** createEq: CREATE_EQ (kernel only); `eventBitmask` bit n takes event type n. */
export async function createEq(
  cmd: CommandExecutor,
  p: { logSize: number; pas: readonly bigint[]; eventBitmask?: bigint; intr?: number },
): Promise<number> {
  const inbox = withPas(CreateEqIn, Op.CREATE_EQ, { event_bitmask: p.eventBitmask ?? 0n }, p.pas);
  Eqc.write(
    inbox,
    { log_eq_size: p.logSize, intr: p.intr ?? 0 },
    CreateEqIn.byteOffset('eq_context_entry'),
  );
  const out = await cmd.cmdExec(inbox, CreateEqOut.bytes);
  return CreateEqOut.get(out, 'eq_number');
}

/** destroyEq: DESTROY_EQ. */
export async function destroyEq(cmd: CommandExecutor, eqn: number): Promise<void> {
  await cmd.cmdExec(buildInbox(DestroyEqIn, Op.DESTROY_EQ, { eq_number: eqn }), CmdOut.bytes);
}

/** CqParams: a CQ of 2^logSize 64-byte CQEs reporting to EQ `eqn`. */
export interface CqParams extends RingPlacement {
  readonly logSize: number;
  readonly eqn: number;
  readonly uid?: number;
}

/** createCq: CREATE_CQ; the cqn. */
export async function createCq(cmd: CommandExecutor, p: CqParams): Promise<number> {
  const inbox = withPas(CreateCqIn, Op.CREATE_CQ, { uid: p.uid ?? 0 }, p.pas);
  Cqc.write(
    inbox,
    { log_cq_size: p.logSize, c_eqn: p.eqn, dbr_addr: p.dbrAddr },
    CreateCqIn.byteOffset('cq_context'),
  );
  return CreateCqOut.get(await cmd.cmdExec(inbox, CreateCqOut.bytes), 'cqn');
}

/** destroyCq: DESTROY_CQ. */
export async function destroyCq(cmd: CommandExecutor, cqn: number, uid = 0): Promise<void> {
  await cmd.cmdExec(buildInbox(DestroyCqIn, Op.DESTROY_CQ, { cqn, uid }), CmdOut.bytes);
}

/** queryCq: QUERY_CQ, the CQ context decoded. */
export async function queryCq(
  cmd: CommandExecutor,
  cqn: number,
  uid = 0,
): Promise<ReturnType<typeof Cqc.decode>> {
  const out = await cmd.cmdExec(buildInbox(QueryCqIn, Op.QUERY_CQ, { cqn, uid }), QueryCqOut.bytes);
  return Cqc.decode(out, QueryCqOut.byteOffset('cq_context'));
}

/** createTis: CREATE_TIS; `port` 1-based (default 1). */
export async function createTis(
  cmd: CommandExecutor,
  p: { port?: number; prio?: number; uid?: number } = {},
): Promise<number> {
  const inbox = buildInbox(CreateTisIn, Op.CREATE_TIS, { uid: p.uid ?? 0 });
  Tisc.write(
    inbox,
    { lag_tx_port_affinity: p.port ?? 0, prio: p.prio ?? 0 },
    CreateTisIn.byteOffset('ctx'),
  );
  return CreateTisOut.get(await cmd.cmdExec(inbox, CreateTisOut.bytes), 'tisn');
}

/** destroyTis: DESTROY_TIS. */
export async function destroyTis(cmd: CommandExecutor, tisn: number, uid = 0): Promise<void> {
  await cmd.cmdExec(buildInbox(DestroyTisIn, Op.DESTROY_TIS, { tisn, uid }), CmdOut.bytes);
}

/** createTir: CREATE_TIR, a direct TIR dispatching to RQ `rqn`. */
export async function createTir(
  cmd: CommandExecutor,
  p: { rqn: number; uid?: number },
): Promise<number> {
  const inbox = buildInbox(CreateTirIn, Op.CREATE_TIR, { uid: p.uid ?? 0 });
  Tirc.write(
    inbox,
    { disp_type: TirDispType.DIRECT, inline_rqn: p.rqn },
    CreateTirIn.byteOffset('ctx'),
  );
  return CreateTirOut.get(await cmd.cmdExec(inbox, CreateTirOut.bytes), 'tirn');
}

/** destroyTir: DESTROY_TIR. */
export async function destroyTir(cmd: CommandExecutor, tirn: number, uid = 0): Promise<void> {
  await cmd.cmdExec(buildInbox(DestroyTirIn, Op.DESTROY_TIR, { tirn, uid }), CmdOut.bytes);
}

/** SqParams: an SQ of 2^logSize 64-byte WQEBBs completing on `cqn`, sending through `tisn`. */
export interface SqParams extends RingPlacement {
  readonly cqn: number;
  readonly tisn: number;
  readonly pd: number;
  readonly logSize: number;
  readonly uid?: number;
}

/** createSq: CREATE_SQ (in RST); the sqn. */
export async function createSq(cmd: CommandExecutor, p: SqParams): Promise<number> {
  const inbox = withPas(CreateSqIn, Op.CREATE_SQ, { uid: p.uid ?? 0 }, p.pas);
  const at = CreateSqIn.byteOffset('ctx');
  Sqc.write(inbox, { cqn: p.cqn, tis_num_0: p.tisn, tis_lst_sz: 1 }, at);
  Wq.write(
    inbox,
    {
      wq_type: WqType.CYCLIC,
      pd: p.pd,
      dbr_addr: p.dbrAddr,
      log_wq_stride: SEND_WQEBB_SHIFT,
      log_wq_sz: p.logSize,
    },
    at + Sqc.byteOffset('wq'),
  );
  return CreateSqOut.get(await cmd.cmdExec(inbox, CreateSqOut.bytes), 'sqn');
}

/** modifySq: MODIFY_SQ from state `from` to `to` (QueueState values). */
export async function modifySq(
  cmd: CommandExecutor,
  sqn: number,
  from: number,
  to: number,
  uid = 0,
): Promise<void> {
  const inbox = buildInbox(ModifySqIn, Op.MODIFY_SQ, { sqn, sq_state: from, uid });
  Sqc.set(inbox, 'state', to, ModifySqIn.byteOffset('ctx'));
  await cmd.cmdExec(inbox, CmdOut.bytes);
}

/** destroySq: DESTROY_SQ. */
export async function destroySq(cmd: CommandExecutor, sqn: number, uid = 0): Promise<void> {
  await cmd.cmdExec(buildInbox(DestroySqIn, Op.DESTROY_SQ, { sqn, uid }), CmdOut.bytes);
}

/** WqInfo: what QUERY_SQ / QUERY_RQ report. */
export interface WqInfo {
  readonly state: number;
  readonly cqn: number;
  /** The device's consumer counter. */
  readonly hwCounter: number;
}

/** querySq: QUERY_SQ. */
export async function querySq(cmd: CommandExecutor, sqn: number, uid = 0): Promise<WqInfo> {
  const out = await cmd.cmdExec(
    buildInbox(DestroySqIn, Op.QUERY_SQ, { sqn, uid }),
    QuerySqOut.bytes,
  );
  const at = QuerySqOut.byteOffset('sq_context');
  return {
    state: Sqc.get(out, 'state', at),
    cqn: Sqc.get(out, 'cqn', at),
    hwCounter: Wq.get(out, 'hw_counter', at + Sqc.byteOffset('wq')),
  };
}

/** RqParams: an RQ of 2^logSize WQEs of 2^logStride bytes completing on `cqn`. */
export interface RqParams extends RingPlacement {
  readonly cqn: number;
  readonly pd: number;
  readonly logSize: number;
  readonly logStride: number;
  readonly uid?: number;
}

/** createRq: CREATE_RQ (in RST); the rqn. */
export async function createRq(cmd: CommandExecutor, p: RqParams): Promise<number> {
  const inbox = withPas(CreateRqIn, Op.CREATE_RQ, { uid: p.uid ?? 0 }, p.pas);
  const at = CreateRqIn.byteOffset('ctx');
  Rqc.write(inbox, { cqn: p.cqn }, at);
  Wq.write(
    inbox,
    {
      wq_type: WqType.CYCLIC,
      pd: p.pd,
      dbr_addr: p.dbrAddr,
      log_wq_stride: p.logStride,
      log_wq_sz: p.logSize,
    },
    at + Rqc.byteOffset('wq'),
  );
  return CreateRqOut.get(await cmd.cmdExec(inbox, CreateRqOut.bytes), 'rqn');
}

/** modifyRq: MODIFY_RQ from state `from` to `to`. */
export async function modifyRq(
  cmd: CommandExecutor,
  rqn: number,
  from: number,
  to: number,
  uid = 0,
): Promise<void> {
  const inbox = buildInbox(ModifyRqIn, Op.MODIFY_RQ, { rqn, rq_state: from, uid });
  Rqc.set(inbox, 'state', to, ModifyRqIn.byteOffset('ctx'));
  await cmd.cmdExec(inbox, CmdOut.bytes);
}

/** destroyRq: DESTROY_RQ. */
export async function destroyRq(cmd: CommandExecutor, rqn: number, uid = 0): Promise<void> {
  await cmd.cmdExec(buildInbox(DestroyRqIn, Op.DESTROY_RQ, { rqn, uid }), CmdOut.bytes);
}

/** queryRq: QUERY_RQ. */
export async function queryRq(cmd: CommandExecutor, rqn: number, uid = 0): Promise<WqInfo> {
  const out = await cmd.cmdExec(
    buildInbox(DestroyRqIn, Op.QUERY_RQ, { rqn, uid }),
    QueryRqOut.bytes,
  );
  const at = QueryRqOut.byteOffset('rq_context');
  return {
    state: Rqc.get(out, 'state', at),
    cqn: Rqc.get(out, 'cqn', at),
    hwCounter: Wq.get(out, 'hw_counter', at + Rqc.byteOffset('wq')),
  };
}

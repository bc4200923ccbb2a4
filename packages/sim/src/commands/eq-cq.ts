/**
 * Event and completion queues: CREATE_EQ (0x301), DESTROY_EQ (0x302),
 * QUERY_EQ (0x303), CREATE_CQ (0x400), DESTROY_CQ (0x401), QUERY_CQ (0x402).
 *
 * EQs are the kernel's (uid 0): the core driver creates them at load and
 * every CQ, of any uid, names one of them (`c_eqn`) and references it, so
 * an EQ cannot be destroyed while a CQ uses it. Rings are `pas`-described
 * host memory (see datapath/ring-memory.ts); CQEs are 64 bytes
 * (`cqe_sz` 0) and umem-backed CQs are not modelled. Sizes are bounded by
 * `log_max_eq_sz` / `log_max_cq_sz`.
 *
 * Owns: the handlers only.
 */
import {
  CmdOut,
  CQE_BYTES,
  Cqc,
  CqeSize,
  CreateCqIn,
  CreateCqOut,
  CreateEqIn,
  CreateEqOut,
  DestroyCqIn,
  DestroyEqIn,
  EQE_BYTES,
  Eqc,
  Op,
  PAS_OFFSET,
  QueryCqIn,
  QueryCqOut,
  QueryEqIn,
  QueryEqOut,
} from '@auxctl/prm';
import type { CqData, EqData } from '../datapath/queue-data.js';
import { checkLogSize, readPas, ringMemory } from '../datapath/ring-memory.js';
import { type CommandCall, type CommandSpec, type FwContext, INITIALIZED } from './command.js';
import { notModelled } from './queue-errors.js';

function createEq(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const c = Eqc.decode(inbox, CreateEqIn.byteOffset('eq_context_entry'));
  checkLogSize('EQ', c.log_eq_size, fw.caps.get('log_max_eq_sz'));
  const bytes = (1 << c.log_eq_size) * EQE_BYTES;
  const ring = ringMemory(fw.dma, readPas(inbox, PAS_OFFSET), bytes);
  const bitmask = CreateEqIn.get64(inbox, 'event_bitmask');
  const data: EqData = {
    ring,
    logSize: c.log_eq_size,
    bitmask,
    pi: 0,
    ci: 0,
    armed: false,
    overruns: 0,
  };
  const eq = fw.objects.create(
    'EQ',
    uid,
    {
      eqn: 0,
      status: 0,
      st: c.st,
      log_eq_size: c.log_eq_size,
      uar_page: c.uar_page,
      intr: c.intr,
      event_bitmask: bitmask,
      consumer_counter: 0,
      producer_counter: 0,
    },
    [],
    data,
  );
  eq.context.eqn = eq.id;
  CreateEqOut.set(outbox, 'eq_number', eq.id);
}

function createCq(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const c = Cqc.decode(inbox, CreateCqIn.byteOffset('cq_context'));
  if (c.cqe_sz !== CqeSize.BYTES_64) throw notModelled(`cqe_sz ${c.cqe_sz}`);
  if (CreateCqIn.get(inbox, 'cq_umem_valid') === 1) throw notModelled('a umem-backed CQ');
  checkLogSize('CQ', c.log_cq_size, fw.caps.get('log_max_cq_sz'));
  // EQs belong to the kernel; any uid may attach a CQ to one.
  const eq = fw.objects.lookup('EQ', c.c_eqn, 0);
  const ring = ringMemory(
    fw.dma,
    readPas(inbox, PAS_OFFSET),
    (1 << c.log_cq_size) * CQE_BYTES,
    c.dbr_addr,
  );
  const data: CqData = {
    ring,
    logSize: c.log_cq_size,
    eqn: eq.id,
    pi: 0,
    arm: 'none',
    overruns: 0,
  };
  const cq = fw.objects.create(
    'CQ',
    uid,
    {
      cqn: 0,
      eqn: eq.id,
      status: 0,
      st: 0,
      cqe_sz: c.cqe_sz,
      log_cq_size: c.log_cq_size,
      uar_page: c.uar_page,
      cq_period: c.cq_period,
      cq_max_count: c.cq_max_count,
      consumer_counter: 0,
      producer_counter: 0,
      dbr_addr: c.dbr_addr,
    },
    [{ type: 'EQ', id: eq.id }],
    data,
  );
  cq.context.cqn = cq.id;
  CreateCqOut.set(outbox, 'cqn', cq.id);
}

function queryEq(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const eq = fw.objects.lookup<EqData>('EQ', QueryEqIn.get(inbox, 'eq_number'), uid);
  const c = eq.context;
  Eqc.write(
    outbox,
    {
      status: 0,
      st: Number(c.st),
      log_eq_size: Number(c.log_eq_size),
      uar_page: Number(c.uar_page),
      intr: Number(c.intr),
      consumer_counter: eq.data.ci & 0xffffff,
      producer_counter: eq.data.pi & 0xffffff,
    },
    QueryEqOut.byteOffset('eq_context_entry'),
  );
  QueryEqOut.set64(outbox, 'event_bitmap', eq.data.bitmask);
}

function queryCq(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const cq = fw.objects.lookup<CqData>('CQ', QueryCqIn.get(inbox, 'cqn'), uid);
  const c = cq.context;
  Cqc.write(
    outbox,
    {
      status: 0,
      cqe_sz: Number(c.cqe_sz),
      log_cq_size: Number(c.log_cq_size),
      uar_page: Number(c.uar_page),
      cq_period: Number(c.cq_period),
      cq_max_count: Number(c.cq_max_count),
      c_eqn: Number(c.eqn),
      consumer_counter: Number(c.consumer_counter),
      producer_counter: cq.data.pi,
      dbr_addr: BigInt(c.dbr_addr!),
    },
    QueryCqOut.byteOffset('cq_context'),
  );
}

/** eqCqCommands: see the module header. */
export const eqCqCommands: readonly CommandSpec[] = [
  {
    opcode: Op.CREATE_EQ,
    in: CreateEqIn,
    out: CreateEqOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'kernel',
    run: createEq,
  },
  {
    opcode: Op.DESTROY_EQ,
    in: DestroyEqIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'kernel',
    run: (fw, { inbox, uid }) => fw.objects.destroy('EQ', DestroyEqIn.get(inbox, 'eq_number'), uid),
  },
  {
    opcode: Op.QUERY_EQ,
    in: QueryEqIn,
    out: QueryEqOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    toolsQuery: true,
    run: queryEq,
  },
  {
    opcode: Op.CREATE_CQ,
    in: CreateCqIn,
    out: CreateCqOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: createCq,
  },
  {
    opcode: Op.DESTROY_CQ,
    in: DestroyCqIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => fw.objects.destroy('CQ', DestroyCqIn.get(inbox, 'cqn'), uid),
  },
  {
    opcode: Op.QUERY_CQ,
    in: QueryCqIn,
    out: QueryCqOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    toolsQuery: true,
    run: queryCq,
  },
];

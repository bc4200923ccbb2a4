/**
 * FirmwareHarness: a Firmware with a fake clock and a DmaSpace, and the
 * commands tests send spelled out once: boot, uctx, PD, umem, mkey.
 *
 * Every helper builds its inbox with the ifc layouts, runs it through
 * `execute` and returns the status, syndrome and outbox, so a test can
 * assert failures as data; the `...Ok` helpers throw when a command fails.
 */
import {
  AllocPdIn,
  AllocPdOut,
  CapType,
  CmdHcaCap,
  CmdHdrIn,
  CmdHdrOut,
  CmdStatus,
  CreateMkeyIn,
  CreateMkeyOut,
  CreateUctxIn,
  CreateUctxOut,
  CreateUmemIn,
  CreateUmemOut,
  DeallocPdIn,
  DestroyUctxIn,
  DestroyUmemIn,
  DmaSpace,
  EnableHcaIn,
  hcaCapOpMod,
  InitHcaIn,
  ManagePagesIn,
  Mkc,
  MkcAccessMode,
  MTT_BYTES,
  mkeyFromIndex,
  Op,
  QueryHcaCapIn,
  QueryHcaCapOut,
  QueryIssiIn,
  QueryPagesIn,
  QueryPagesOut,
  SetHcaCapIn,
  SetIssiIn,
  statusName,
  TeardownHcaIn,
  Uctx,
  Umem,
  writeMtt,
} from '@auxctl/prm';
import { Firmware } from '../firmware.js';
import type { FirmwareOptions } from '../firmware-options.js';

/** CmdResult: what a command returned. */
export interface CmdResult {
  readonly status: number;
  readonly syndrome: number;
  readonly out: Buffer;
}

/** MkeyOptions: how `createMkey` describes the key. */
export interface MkeyOptions {
  readonly uid?: number;
  readonly pd: number;
  readonly umem?: number;
  readonly umemOffset?: bigint;
  readonly len: bigint;
  readonly startAddr?: bigint;
  readonly lw?: boolean;
  readonly variant?: number;
  readonly mode?: number;
}

/** FirmwareHarness: see the module header. */
export class FirmwareHarness {
  readonly dma: DmaSpace;
  time = 1_700_000_000_000;
  readonly fw: Firmware;

  /** A new Firmware from `opts`, or `existing` (a hosted function's) driven the same way. */
  constructor(opts: Partial<FirmwareOptions> = {}, existing?: Firmware) {
    this.dma = existing?.dmaSpace ?? opts.dma ?? new DmaSpace();
    this.fw = existing ?? new Firmware({ dma: this.dma, clock: { now: () => this.time }, ...opts });
  }

  /** advance: move the fake clock. */
  advance(ms: number): void {
    this.time += ms;
  }

  /** run: execute `inbox`, decode the header. */
  run(inbox: Buffer, outLen = 16): CmdResult {
    const out = this.fw.execute(inbox, outLen);
    return { status: CmdHdrOut.get(out, 'status'), syndrome: CmdHdrOut.get(out, 'syndrome'), out };
  }

  /** header: a zeroed inbox of `bytes` with opcode, uid and op_mod set. */
  header(opcode: number, bytes: number, uid = 0, opMod = 0): Buffer {
    const b = Buffer.alloc(bytes);
    CmdHdrIn.write(b, { opcode, uid, op_mod: opMod });
    return b;
  }

  /** ok: `r`, or an Error naming its status. */
  ok(r: CmdResult, what: string): CmdResult {
    if (r.status !== CmdStatus.OK) {
      throw new Error(`${what}: ${statusName(r.status)} syndrome 0x${r.syndrome.toString(16)}`);
    }
    return r;
  }

  /** queryCaps: the capability structure of `capType`. */
  queryCaps(capType: number, current: boolean, uid = 0): CmdResult {
    const inbox = this.header(
      Op.QUERY_HCA_CAP,
      QueryHcaCapIn.bytes,
      uid,
      hcaCapOpMod(capType, current),
    );
    return this.run(inbox, QueryHcaCapOut.bytes);
  }

  /** setGeneralCaps: SET_HCA_CAP with `block` (a cmd_hca_cap). */
  setGeneralCaps(block: Buffer, uid = 0): CmdResult {
    const inbox = this.header(Op.SET_HCA_CAP, SetHcaCapIn.bytes, uid);
    block.copy(SetHcaCapIn.view(inbox, 'capability'));
    return this.run(inbox);
  }

  /** enable: ENABLE_HCA. */
  enable(): CmdResult {
    return this.run(this.header(Op.ENABLE_HCA, EnableHcaIn.bytes));
  }

  /** givePages: QUERY_PAGES `stage` and MANAGE_PAGES with as many fake page addresses. */
  givePages(stage: number): number {
    const q = this.ok(
      this.run(this.header(Op.QUERY_PAGES, QueryPagesIn.bytes, 0, stage)),
      'QUERY_PAGES',
    );
    const n = QueryPagesOut.get(q.out, 'num_pages');
    const inbox = this.header(Op.MANAGE_PAGES, ManagePagesIn.bytes + n * 8, 0, 1);
    ManagePagesIn.set(inbox, 'input_num_entries', n);
    for (let i = 0; i < n; i++)
      inbox.writeBigUInt64BE(BigInt(0x1000_0000 + i * 4096), ManagePagesIn.bytes + i * 8);
    this.ok(this.run(inbox), 'MANAGE_PAGES');
    return n;
  }

  /** boot: the mlx5 sequence up to INIT_HCA; returns the harness. */
  boot(): this {
    this.ok(this.enable(), 'ENABLE_HCA');
    this.ok(this.run(this.header(Op.QUERY_ISSI, QueryIssiIn.bytes), 112), 'QUERY_ISSI');
    const issi = this.header(Op.SET_ISSI, SetIssiIn.bytes);
    SetIssiIn.set(issi, 'current_issi', 1);
    this.ok(this.run(issi), 'SET_ISSI');
    this.givePages(1);
    const cur = this.ok(this.queryCaps(CapType.GENERAL, true), 'QUERY_HCA_CAP');
    const max = this.ok(this.queryCaps(CapType.GENERAL, false), 'QUERY_HCA_CAP max');
    const block = Buffer.from(
      QueryHcaCapOut.view(cur.out, 'capability').subarray(0, CmdHcaCap.bytes),
    );
    const maxQp = CmdHcaCap.get(QueryHcaCapOut.view(max.out, 'capability'), 'log_max_qp');
    CmdHcaCap.set(block, 'log_max_qp', maxQp);
    this.ok(this.setGeneralCaps(block), 'SET_HCA_CAP');
    this.givePages(2);
    this.ok(this.run(this.header(Op.INIT_HCA, InitHcaIn.bytes)), 'INIT_HCA');
    return this;
  }

  /** teardown: TEARDOWN_HCA. */
  teardown(profile = 0): CmdResult {
    const inbox = this.header(Op.TEARDOWN_HCA, TeardownHcaIn.bytes);
    TeardownHcaIn.set(inbox, 'profile', profile);
    return this.run(inbox);
  }

  /** createUctx: CREATE_UCTX with `cap`, sent by `sender`. */
  createUctx(cap: number, sender = 0): CmdResult {
    const inbox = this.header(Op.CREATE_UCTX, CreateUctxIn.bytes, sender);
    Uctx.set(inbox, 'cap', cap, CreateUctxIn.byteOffset('uctx'));
    return this.run(inbox);
  }

  /** uctx: a new uid with `cap`. */
  uctx(cap: number): number {
    return CreateUctxOut.get(this.ok(this.createUctx(cap), 'CREATE_UCTX').out, 'uid');
  }

  /** destroyUctx: DESTROY_UCTX of `uid`, sent by `sender` (in the reserved header half-word). */
  destroyUctx(uid: number, sender = 0): CmdResult {
    const inbox = Buffer.alloc(DestroyUctxIn.bytes);
    DestroyUctxIn.write(inbox, { opcode: Op.DESTROY_UCTX, uid });
    CmdHdrIn.set(inbox, 'uid', sender); // the header's uid half-word, reserved_at_10 here
    return this.run(inbox);
  }

  /** allocPd: ALLOC_PD for `uid`; returns the result (pd in `AllocPdOut.pd`). */
  allocPd(uid = 0): CmdResult {
    return this.run(this.header(Op.ALLOC_PD, AllocPdIn.bytes, uid));
  }

  /** pd: a new PD of `uid`. */
  pd(uid = 0): number {
    return AllocPdOut.get(this.ok(this.allocPd(uid), 'ALLOC_PD').out, 'pd');
  }

  /** deallocPd: DEALLOC_PD. */
  deallocPd(pd: number, uid = 0): CmdResult {
    const inbox = this.header(Op.DEALLOC_PD, DeallocPdIn.bytes, uid);
    DeallocPdIn.set(inbox, 'pd', pd);
    return this.run(inbox);
  }

  /** createUmem: CREATE_UMEM over `pages` page addresses. */
  createUmem(
    pages: readonly bigint[],
    uid = 0,
    opt: { logPageSize?: number; pageOffset?: number } = {},
  ): CmdResult {
    const inbox = this.header(Op.CREATE_UMEM, CreateUmemIn.bytes + pages.length * MTT_BYTES, uid);
    Umem.write(
      inbox,
      {
        log_page_size: opt.logPageSize ?? 0,
        page_offset: opt.pageOffset ?? 0,
        num_of_mtt: BigInt(pages.length),
      },
      CreateUmemIn.byteOffset('umem'),
    );
    pages.forEach((p, i) => {
      writeMtt(inbox, CreateUmemIn.bytes + i * MTT_BYTES, p);
    });
    return this.run(inbox);
  }

  /** umem: map `buf` and register it as a umem of `uid`; returns the umem id. */
  umem(buf: Buffer, uid = 0): number {
    const addr = this.dma.map(buf);
    return CreateUmemOut.get(
      this.ok(this.createUmem(this.dma.pageAddresses(addr), uid), 'CREATE_UMEM').out,
      'umem_id',
    );
  }

  /** destroyUmem: DESTROY_UMEM. */
  destroyUmem(umem: number, uid = 0): CmdResult {
    const inbox = this.header(Op.DESTROY_UMEM, DestroyUmemIn.bytes, uid);
    DestroyUmemIn.set(inbox, 'umem_id', umem);
    return this.run(inbox);
  }

  /** createMkey: CREATE_MKEY (umem-backed MTT key unless `mode` says otherwise). */
  createMkey(o: MkeyOptions): CmdResult {
    const inbox = this.header(Op.CREATE_MKEY, CreateMkeyIn.bytes, o.uid ?? 0);
    const mode = o.mode ?? (o.umem === undefined ? MkcAccessMode.PA : MkcAccessMode.MTT);
    CreateMkeyIn.set(inbox, 'mkey_umem_valid', o.umem === undefined ? 0 : 1);
    CreateMkeyIn.set(inbox, 'mkey_umem_id', o.umem ?? 0);
    CreateMkeyIn.set64(inbox, 'mkey_umem_offset', o.umemOffset ?? 0n);
    Mkc.write(
      inbox,
      {
        access_mode_1_0: mode & 3,
        access_mode_4_2: mode >> 2,
        lw: o.lw === false ? 0 : 1,
        lr: 1,
        qpn: 0xff_ffff,
        mkey_7_0: o.variant ?? 0,
        pd: o.pd,
        start_addr: o.startAddr ?? 0n,
        len: o.len,
      },
      CreateMkeyIn.byteOffset('memory_key_mkey_entry'),
    );
    return this.run(inbox);
  }

  /** mkey: a new key; returns its value (`index << 8 | variant`). */
  mkey(o: MkeyOptions): number {
    const r = this.ok(this.createMkey(o), 'CREATE_MKEY');
    return mkeyFromIndex(CreateMkeyOut.get(r.out, 'mkey_index'), o.variant ?? 0);
  }
}

import { buildInbox } from '@auxctl/core';
import {
  AccessRegisterIn,
  AccessRegOpMod,
  CapType,
  CmdHcaCap,
  CmdHdrIn,
  CmdHdrOut,
  CmdStatus,
  DeallocPdIn,
  FwctlScope,
  hcaCapOpMod,
  isAuxError,
  MAX_CMD_BYTES,
  NopIn,
  NopOut,
  Op,
  PpcntReg,
  QueryHcaCapIn,
  QueryHcaCapOut,
  QueryUctxIn,
  QueryUctxOut,
  REGISTER_DATA_OFFSET,
  RegisterId,
  SetDiagnosticParamsIn,
  SetDiagnosticParamsOut,
  Syndrome,
  Uctx,
  UctxCap,
} from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { CTL_TAINT } from './ctl-context.js';

import { allocPd, send } from './test-support/commands.js';
import { ADMIN, type CtlRig, ctlRig, ROOT, USER } from './test-support/rig.js';

let rig: CtlRig;
afterEach(async () => {
  await rig?.close();
  expect(rig.sim.dma.mappings).toBe(0);
});

const capIn = () =>
  buildInbox(QueryHcaCapIn, Op.QUERY_HCA_CAP, { op_mod: hcaCapOpMod(CapType.GENERAL, true) });

async function rejects(p: Promise<unknown>, code: string): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAuxError(err, code as never), `expected ${code}, got ${String(err)}`).toBe(true);
  return (err as Error).message;
}

describe('CtlContext.open and info', () => {
  it('registers mlx5ctl-<aux device> and grants uctx caps from privileges, gated by the device', async () => {
    rig = await ctlRig({ sim: { uctxCap: UctxCap.RAW_TX | UctxCap.TOOLS_RESOURCES } });
    expect(rig.name).toBe('mlx5ctl-mlx5_core.ctl.0');
    expect(rig.registry.list().map((d) => [d.name, d.core, d.devUctxCap])).toEqual([
      ['mlx5ctl-mlx5_core.ctl.0', '0000:08:00.0', 0x5],
    ]);
    const root = await rig.open(ROOT);
    expect(root.info()).toEqual({
      uid: root.uid,
      uctxCap: 0x5,
      devUctxCap: 0x5,
      ucap: 0x7,
      tainted: [],
    });
    const user = await rig.open(USER);
    expect(user.info()).toMatchObject({ uctxCap: 0, ucap: 0 });
    const raw = await rig.open({ principal: 'raw', caps: { net_raw: true, sys_rawio: true } });
    expect(raw.info()).toMatchObject({ uctxCap: 0x1, ucap: 0x3 });
    expect(new Set([root.uid, user.uid, raw.uid]).size).toBe(3);
    // The firmware agrees: QUERY_UCTX of the context's own uid shows its caps.
    const q = buildInbox(QueryUctxIn, Op.QUERY_UCTX, { uctx_uid: root.uid });
    const out = await root.rpc({
      scope: FwctlScope.DEBUG_READ_ONLY,
      inbox: q,
      outLen: QueryUctxOut.bytes,
    });
    expect(Uctx.get(out, 'cap', QueryUctxOut.byteOffset('uctx'))).toBe(0x5);
    expect(rig.sim.engine.objectCounts()).toEqual({ UCTX: 3 });
  });

  it('refuses bad credentials with EINVAL and leaves nothing behind', async () => {
    rig = await ctlRig();
    for (const bad of [
      undefined,
      {},
      { principal: '' },
      { principal: ' x' },
      { principal: 'x', caps: { root: true } },
      { principal: 'x', caps: { sys_admin: 'yes' } },
      { principal: 'x'.repeat(257) },
    ]) {
      await rejects(rig.registry.open(rig.name, bad as never), 'EINVAL');
    }
    await rejects(rig.registry.open('mlx5ctl-nope', ROOT), 'ENODEV');
    expect(rig.objects()).toBe(0);
  });
});

describe('CtlContext.rpc', () => {
  it('returns the outbox of a command and audits it', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ADMIN);
    const out = await ctx.rpc({
      scope: FwctlScope.CONFIGURATION,
      inbox: capIn(),
      outLen: QueryHcaCapOut.bytes,
    });
    expect(out.length).toBe(QueryHcaCapOut.bytes);
    expect(CmdHdrOut.get(out, 'status')).toBe(0);
    expect(CmdHcaCap.decode(QueryHcaCapOut.view(out, 'capability')).uctx_cap).toBe(0x7);
    const line = rig.audit.find((l) => l.event === 'ctl.rpc' && l.opcode === Op.QUERY_HCA_CAP);
    expect(line).toMatchObject({
      principal: 'admin',
      // The core device's name (what a fleet and its policy call it), not the ctl device's.
      device: '0000:08:00.0',
      uid: ctx.uid,
      origin: 'rpc',
      opcode_name: 'QUERY_HCA_CAP',
      op_mod: 1,
      scope: 'CONFIGURATION',
      result: 'ok',
      status: 0,
      status_name: 'OK',
      syndrome: 0,
      in_len: QueryHcaCapIn.bytes,
      out_len: QueryHcaCapOut.bytes,
    });
    expect(typeof line?.latency_us).toBe('number');
    expect(rig.audit.find((l) => l.event === 'ctl.open')).toMatchObject({
      principal: 'admin',
      uid: ctx.uid,
    });
  });

  it('enforces lengths: EINVAL below a header, EMSGSIZE above the largest command', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ROOT);
    const s = FwctlScope.DEBUG_WRITE_FULL;
    await rejects(ctx.rpc({ scope: s, inbox: Buffer.alloc(15), outLen: 16 }), 'EINVAL');
    await rejects(ctx.rpc({ scope: s, inbox: capIn(), outLen: 15 }), 'EINVAL');
    await rejects(ctx.rpc({ scope: s, inbox: capIn(), outLen: 1.5 }), 'EINVAL');
    await rejects(ctx.rpc({ scope: s, inbox: 'x' as never, outLen: 16 }), 'EINVAL');
    await rejects(ctx.rpc(null as never), 'EINVAL');
    const big = Buffer.alloc(MAX_CMD_BYTES + 1);
    big.writeUInt16BE(Op.NOP, 0);
    await rejects(ctx.rpc({ scope: s, inbox: big, outLen: 16 }), 'EMSGSIZE');
    await rejects(ctx.rpc({ scope: s, inbox: capIn(), outLen: MAX_CMD_BYTES + 1 }), 'EMSGSIZE');
    // The largest command is fine (firmware reads what it needs).
    const max = Buffer.alloc(MAX_CMD_BYTES);
    max.writeUInt16BE(Op.NOP, 0);
    const out = await ctx.rpc({ scope: s, inbox: max, outLen: MAX_CMD_BYTES });
    expect(out.length).toBe(MAX_CMD_BYTES);
    expect(rig.audit.filter((l) => l.result === 'EMSGSIZE')).toHaveLength(2);
    expect(rig.audit.filter((l) => l.msg === 'ctl rpc refused')).toHaveLength(7);
  });

  it('refuses unknown scopes with EOPNOTSUPP and DEBUG_WRITE_FULL without sys_rawio with EPERM', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ADMIN);
    for (const scope of [4, -1, 0.5, '1', undefined]) {
      await rejects(ctx.rpc({ scope: scope as never, inbox: capIn(), outLen: 4112 }), 'EOPNOTSUPP');
    }
    await rejects(
      ctx.rpc({ scope: FwctlScope.DEBUG_WRITE_FULL, inbox: capIn(), outLen: 4112 }),
      'EPERM',
    );
    // A refused RPC does not taint; one sent at DEBUG_WRITE_FULL does.
    expect(ctx.info().tainted).toEqual([]);
    const root = await rig.open(ROOT);
    const out = await root.rpc({
      scope: FwctlScope.DEBUG_WRITE_FULL,
      inbox: capIn(),
      outLen: 4112,
    });
    expect(out[0]).toBe(0);
    expect(ctx.info().tainted).toEqual([CTL_TAINT]);
  });

  it('refuses reserved header bits with EINVAL, generic and per command', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ROOT);
    const s = FwctlScope.DEBUG_READ_ONLY;
    const nop = buildInbox(NopIn, Op.NOP);
    nop[4] = 0x80; // reserved_at_20
    expect(
      await rejects(ctx.rpc({ scope: s, inbox: nop, outLen: NopOut.bytes }), 'EINVAL'),
    ).toMatch(/reserved_at_20/);
    // ACCESS_REG keeps register_id in the generic header's reserved_at_40 region: that is fine...
    const reg = buildInbox(
      AccessRegisterIn,
      Op.ACCESS_REG,
      { op_mod: AccessRegOpMod.READ, register_id: RegisterId.PPCNT },
      PpcntReg.bytes,
    );
    PpcntReg.write(reg, { local_port: 1 }, REGISTER_DATA_OFFSET);
    const ok = await ctx.rpc({ scope: s, inbox: reg, outLen: 16 + PpcntReg.bytes });
    expect(ok[0]).toBe(0);
    // ...but its own reserved_at_40 (the 16 bits before register_id) is not.
    reg[8] = 1;
    expect(
      await rejects(ctx.rpc({ scope: s, inbox: reg, outLen: 16 + PpcntReg.bytes }), 'EINVAL'),
    ).toMatch(/access_register_in.reserved_at_40/);
  });

  it('refuses an opcode above the requested scope, and rejected or unknown opcodes, with EPERM', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ROOT);
    const nop = buildInbox(NopIn, Op.NOP);
    expect(
      await rejects(ctx.rpc({ scope: FwctlScope.CONFIGURATION, inbox: nop, outLen: 16 }), 'EPERM'),
    ).toMatch(/needs scope DEBUG_READ_ONLY/);
    const reg = (opMod: number) =>
      buildInbox(
        AccessRegisterIn,
        Op.ACCESS_REG,
        { op_mod: opMod, register_id: RegisterId.PPCNT },
        PpcntReg.bytes,
      );
    // ACCESS_REG read is debug, write is configuration (upstream): a write at CONFIGURATION is sent.
    await rejects(
      ctx.rpc({ scope: FwctlScope.CONFIGURATION, inbox: reg(1), outLen: 272 }),
      'EPERM',
    );
    const w = await ctx.rpc({ scope: FwctlScope.CONFIGURATION, inbox: reg(0), outLen: 272 });
    expect(CmdHdrOut.get(w, 'syndrome')).toBe(Syndrome.REG_BAD_ACCESS); // PPCNT is read-only
    const set = buildInbox(SetDiagnosticParamsIn, Op.SET_DIAGNOSTIC_PARAMS);
    await rejects(
      ctx.rpc({
        scope: FwctlScope.DEBUG_READ_ONLY,
        inbox: set,
        outLen: SetDiagnosticParamsOut.bytes,
      }),
      'EPERM',
    );
    for (const op of [
      Op.CREATE_UCTX,
      Op.DESTROY_UCTX,
      Op.CREATE_UMEM,
      Op.INIT_HCA,
      Op.CREATE_QP,
      0x7ff,
    ]) {
      const inbox = Buffer.alloc(64);
      inbox.writeUInt16BE(op, 0);
      await rejects(ctx.rpc({ scope: FwctlScope.DEBUG_WRITE_FULL, inbox, outLen: 64 }), 'EPERM');
    }
    expect(rig.objects()).toBe(1); // only the context's own uctx
  });

  it('stamps the context uid over whatever the caller wrote, without touching the caller buffer', async () => {
    rig = await ctlRig();
    const a = await rig.open(ADMIN);
    const b = await rig.open(ADMIN);
    // b pretends to be a: QUERY_UCTX of a's uid with a's uid in the header.
    const inbox = buildInbox(QueryUctxIn, Op.QUERY_UCTX, { uid: a.uid, uctx_uid: a.uid });
    const out = await b.rpc({
      scope: FwctlScope.DEBUG_READ_ONLY,
      inbox,
      outLen: QueryUctxOut.bytes,
    });
    expect(CmdHdrOut.get(out, 'status')).toBe(CmdStatus.BAD_RES);
    expect(CmdHdrOut.get(out, 'syndrome')).toBe(Syndrome.OBJ_OTHER_UID);
    expect(CmdHdrIn.get(inbox, 'uid')).toBe(a.uid);
    // uid 0 (the kernel) is no better.
    CmdHdrIn.set(inbox, 'uid', 0);
    const out0 = await b.rpc({
      scope: FwctlScope.DEBUG_READ_ONLY,
      inbox,
      outLen: QueryUctxOut.bytes,
    });
    expect(CmdHdrOut.get(out0, 'syndrome')).toBe(Syndrome.OBJ_OTHER_UID);
    expect(rig.audit.filter((l) => l.opcode === Op.QUERY_UCTX).map((l) => l.uid)).toEqual([
      b.uid,
      b.uid,
    ]);
  });

  it('returns a firmware failure as an outbox, not an exception', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(USER);
    // Without TOOLS_RESOURCES the firmware refuses CORE_DUMP; the RPC itself succeeds.
    const inbox = buildInbox(
      AccessRegisterIn,
      Op.ACCESS_REG,
      { op_mod: 1, register_id: RegisterId.CORE_DUMP },
      64,
    );
    const out = await ctx.rpc({ scope: FwctlScope.DEBUG_READ_ONLY, inbox, outLen: 16 + 64 });
    expect(CmdHdrOut.get(out, 'status')).toBe(CmdStatus.BAD_PARAM);
    expect(CmdHdrOut.get(out, 'syndrome')).toBe(Syndrome.UID_LACKS_CAP);
    expect(rig.audit.at(-1)).toMatchObject({
      result: 'fw_error',
      status_name: 'BAD_PARAM',
      syndrome: Syndrome.UID_LACKS_CAP,
    });
  });

  it('taints the device once at DEBUG_WRITE, visibly in info() and the log', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ADMIN);
    const other = await rig.open(USER);
    await ctx.rpc({
      scope: FwctlScope.DEBUG_READ_ONLY,
      inbox: buildInbox(NopIn, Op.NOP),
      outLen: 16,
    });
    expect(ctx.info().tainted).toEqual([]);
    for (let i = 0; i < 3; i++) {
      await ctx.rpc({
        scope: FwctlScope.DEBUG_WRITE,
        inbox: buildInbox(NopIn, Op.NOP),
        outLen: 16,
      });
    }
    expect(ctx.info().tainted).toEqual([CTL_TAINT]);
    expect(other.info().tainted).toEqual([CTL_TAINT]);
    expect(rig.core.tainted).toEqual([CTL_TAINT]);
    expect(rig.registry.list()[0]?.tainted).toEqual([CTL_TAINT]);
    expect(rig.log.filter((l) => String(l.msg).includes('device tainted'))).toHaveLength(1);
  });
});

describe('CtlContext.close', () => {
  it('is idempotent, releases the uid and makes every later call fail with ENODEV', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ROOT);
    expect(rig.objects()).toBe(1);
    await Promise.all([ctx.close(), ctx.close()]);
    await ctx.close();
    expect(rig.objects()).toBe(0);
    expect(() => ctx.info()).toThrow(expect.objectContaining({ code: 'ENODEV' }));
    await rejects(ctx.rpc({ scope: 1, inbox: buildInbox(NopIn, Op.NOP), outLen: 16 }), 'ENODEV');
    await rejects(ctx.umemReg(Buffer.alloc(4096)), 'ENODEV');
    await rejects(ctx.umemUnreg(1), 'ENODEV');
    expect(rig.audit.filter((l) => l.event === 'ctl.close')).toHaveLength(1);
  });

  it('is pristine only while it holds nothing: no call in flight, umem or object', async () => {
    rig = await ctlRig();
    const ctx = await rig.open(ROOT);
    expect(ctx.pristine).toBe(true);
    const nop = ctx.rpc({ scope: 1, inbox: buildInbox(NopIn, Op.NOP), outLen: 16 });
    expect(ctx.pristine).toBe(false);
    await nop;
    expect(ctx.pristine).toBe(true);
    const pd = await allocPd(ctx);
    expect(ctx.pristine).toBe(false);
    await send(ctx, buildInbox(DeallocPdIn, Op.DEALLOC_PD, { pd }));
    expect(ctx.pristine).toBe(true);
    const umem = await ctx.umemReg(Buffer.alloc(4096));
    expect(ctx.pristine).toBe(false);
    await ctx.umemUnreg(umem);
    expect(ctx.pristine).toBe(true);
    await ctx.close();
    expect(ctx.pristine).toBe(false);
  });

  it('waits for RPCs in flight before it releases the uid', async () => {
    rig = await ctlRig({ sim: { latency: 'hardware' } });
    const ctx = await rig.open(ROOT);
    const calls = Array.from({ length: 10 }, () =>
      ctx.rpc({ scope: 1, inbox: buildInbox(NopIn, Op.NOP), outLen: 16 }),
    );
    const closing = ctx.close();
    const outs = await Promise.all(calls);
    expect(outs.every((o) => o[0] === 0)).toBe(true);
    await closing;
    expect(rig.objects()).toBe(0);
  });
});

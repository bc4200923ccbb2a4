import {
  AuxError,
  CMD_ENTRY_BYTES,
  CmdHdrOut,
  CmdLayout,
  CmdStatus,
  CommandEntries,
  DeliveryStatus,
  MAILBOX_BLOCK_BYTES,
  MAX_CMD_BYTES,
  MAX_REG_CMDS,
  Op,
  PAGE_QUEUE_SLOT,
} from '@auxctl/prm';
import { SimDevice } from '@auxctl/sim';
import { makeInbox, StubEngine } from '@auxctl/sim/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimitedLog } from '../log.js';
import { captureLog } from '../testing/capture-log.js';
import type { CmdStatusDetail, CmdTransportDetail } from './command-errors.js';
import { CommandQueue, type CommandQueueOptions } from './command-queue.js';
import { RecordingBackend } from './test-support/recording-backend.js';

const open: CommandQueue[] = [];

/** setup: a stub-engine device with mailbox checksums on, so signatures are exercised. */
function setup(opts: CommandQueueOptions = {}) {
  const engine = new StubEngine();
  const device = new SimDevice(engine, { checksum: true });
  const backend = new RecordingBackend(device);
  const baseline = device.dma.mappings;
  const q = new CommandQueue(backend, opts);
  open.push(q);
  return { engine, device, backend, q, baseline };
}

async function rejection(p: Promise<unknown>): Promise<AuxError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(AuxError);
    return err as AuxError;
  }
  throw new Error('expected a rejection');
}

afterEach(() => {
  for (const q of open.splice(0)) q.close();
});

describe('CommandQueue basics', () => {
  it('runs a command and resolves with its outbox', async () => {
    const { q, engine } = setup();
    const out = await q.cmdExec(makeInbox(Op.NOP, { opMod: 3, tag: 42 }), 16);
    expect(out.length).toBe(16);
    expect(CmdHdrOut.get(out, 'status')).toBe(CmdStatus.OK);
    expect(out.readUInt16BE(8)).toBe(Op.NOP); // echoed header
    expect(engine.calls).toEqual([{ opcode: Op.NOP, opMod: 3, tag: 42, inLen: 16, outLen: 16 }]);
  });

  it('carries inbox and outbox through mailbox chains both ways', async () => {
    const { q } = setup();
    const inbox = makeInbox(Op.ACCESS_REG, { length: 5000 });
    const out = await q.cmdDo(inbox, 7000);
    expect(out.length).toBe(7000);
    expect(out.subarray(16, 5000).equals(inbox.subarray(16))).toBe(true);
    expect(out.subarray(5000).every((b) => b === 0)).toBe(true);
  });

  it('carries the largest command (16 + 512 * 512 bytes) both ways', async () => {
    const { q } = setup();
    const inbox = makeInbox(Op.ACCESS_REG, { length: MAX_CMD_BYTES });
    const out = await q.cmdDo(inbox, MAX_CMD_BYTES);
    expect(out.subarray(16).equals(inbox.subarray(16))).toBe(true);
  });

  it('refuses bad arguments without queueing anything', async () => {
    const { q, device, backend } = setup();
    const m = device.dma.mappings;
    const cases: Array<[Promise<unknown>, string]> = [
      [q.cmdDo(Buffer.alloc(8), 16), 'EINVAL'],
      [q.cmdDo('nope' as unknown as Buffer, 16), 'EINVAL'],
      [q.cmdDo(makeInbox(Op.NOP), 15), 'EINVAL'],
      [q.cmdDo(makeInbox(Op.NOP), 16.5), 'EINVAL'],
      [q.cmdDo(makeInbox(Op.NOP, { length: MAX_CMD_BYTES + 1 }), 16), 'EMSGSIZE'],
      [q.cmdDo(makeInbox(Op.NOP), MAX_CMD_BYTES + 1), 'EMSGSIZE'],
      [q.cmdDo(makeInbox(Op.NOP), 16, { timeoutMs: 0 }), 'EINVAL'],
      [q.cmdDo(makeInbox(Op.NOP), 16, { timeoutMs: Number.NaN }), 'EINVAL'],
    ];
    for (const [p, code] of cases) expect((await rejection(p)).code).toBe(code);
    expect(backend.doorbells).toEqual([]);
    expect(device.dma.mappings).toBe(m);
    expect(q.stats().ops).toEqual([]);
    expect(() => new CommandQueue(device, { timeoutMs: -1 })).toThrow(AuxError);
  });
});

describe('slots and tokens', () => {
  it('keeps 31 regular commands in flight, never uses slot 31, serves waiters in order', async () => {
    const { q, backend, engine, device } = setup();
    device.faults.delay(Op.NOP, 5);
    const n = 80;
    const all = Array.from({ length: n }, (_, i) => q.cmdExec(makeInbox(Op.NOP, { tag: i }), 16));
    const s = q.stats();
    expect(s.slotsInUse).toBe(MAX_REG_CMDS);
    expect(s.waiters).toBe(n - MAX_REG_CMDS);
    await Promise.all(all);
    expect(backend.maxOutstanding).toBe(MAX_REG_CMDS);
    expect(backend.doorbells.some((d) => d.slot === PAGE_QUEUE_SLOT)).toBe(false);
    expect(engine.calls.map((c) => c.tag)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(q.stats()).toMatchObject({ slotsInUse: 0, waiters: 0 });
  });

  it('a waiting command keeps its own copy of the inbox', async () => {
    const { q, device, engine } = setup();
    device.faults.delay(Op.NOP, 5);
    const inbox = makeInbox(Op.NOP, { tag: 1, length: 600 });
    const all = Array.from({ length: MAX_REG_CMDS + 1 }, () => q.cmdDo(inbox, 600));
    inbox.writeUInt32BE(2, 8); // reuse the buffer while the last command waits
    inbox.fill(0xee, 16);
    const outs = await Promise.all(all);
    expect(engine.calls.map((c) => c.tag)).toEqual(new Array(MAX_REG_CMDS + 1).fill(1));
    expect(
      outs
        .at(-1)!
        .subarray(16)
        .equals(makeInbox(Op.NOP, { length: 600 }).subarray(16)),
    ).toBe(true);
  });

  it('runs MANAGE_PAGES in slot 31 even when every regular slot is busy', async () => {
    const { q, backend, device } = setup();
    device.faults.delay(Op.NOP, 5);
    const nops = Array.from({ length: 40 }, () => q.cmdExec(makeInbox(Op.NOP), 16));
    const pages = [
      q.cmdExec(makeInbox(Op.MANAGE_PAGES), 16),
      q.cmdExec(makeInbox(Op.MANAGE_PAGES), 16),
    ];
    expect(q.stats()).toMatchObject({ pageSlotInUse: true, waiters: 9 + 1 });
    await Promise.all(pages);
    const pageBells = backend.doorbells.filter((d) => d.opcode === Op.MANAGE_PAGES);
    expect(pageBells.map((d) => d.slot)).toEqual([PAGE_QUEUE_SLOT, PAGE_QUEUE_SLOT]);
    // The page commands finished while regular ones still waited for their delay.
    expect(q.stats().slotsInUse).toBe(MAX_REG_CMDS);
    await Promise.all(nops);
  });

  it('tokens run 1..255, never 0, and wrap', async () => {
    const { q, backend } = setup();
    for (let i = 0; i < 600; i++) await q.cmdExec(makeInbox(Op.NOP), 16);
    const tokens = backend.doorbells.map((d) => d.token);
    expect(tokens).not.toContain(0);
    expect(tokens.slice(0, 3)).toEqual([1, 2, 3]);
    expect(tokens.slice(253, 258)).toEqual([254, 255, 1, 2, 3]);
    expect(tokens[510]).toBe(1);
  });
});

describe('results', () => {
  it('cmdDo rejects EREMOTEIO with the valid outbox, status and syndrome', async () => {
    const { q, device } = setup();
    device.faults.forceStatus(Op.QUERY_HCA_CAP, CmdStatus.BAD_PARAM, 0x1234_5678);
    const err = await rejection(q.cmdDo(makeInbox(Op.QUERY_HCA_CAP, { opMod: 1 }), 64));
    expect(err.code).toBe('EREMOTEIO');
    const d = err.detail as unknown as CmdStatusDetail;
    expect(d).toMatchObject({
      status: 3,
      syndrome: 0x1234_5678,
      opcode: Op.QUERY_HCA_CAP,
      opMod: 1,
    });
    expect(d.outbox.length).toBe(64);
    expect(CmdHdrOut.get(d.outbox, 'status')).toBe(3);
    expect(CmdHdrOut.get(d.outbox, 'syndrome')).toBe(0x1234_5678);
  });

  it('cmdExec maps every command status to its errno', async () => {
    const { q, device } = setup();
    const table: Array<[number, string]> = [
      [CmdStatus.INT_ERR, 'EIO'],
      [CmdStatus.BAD_OP, 'EINVAL'],
      [CmdStatus.BAD_PARAM, 'EINVAL'],
      [CmdStatus.BAD_SYS_STATE, 'EIO'],
      [CmdStatus.BAD_RES, 'EINVAL'],
      [CmdStatus.RES_BUSY, 'EBUSY'],
      [CmdStatus.NOT_READY, 'EAGAIN'],
      [CmdStatus.LIM, 'ENOMEM'],
      [CmdStatus.BAD_RES_STATE, 'EINVAL'],
      [CmdStatus.IX, 'EINVAL'],
      [CmdStatus.NO_RES, 'EAGAIN'],
      [CmdStatus.BAD_QP_STATE, 'EINVAL'],
      [CmdStatus.BAD_PKT, 'EINVAL'],
      [CmdStatus.BAD_SIZE_OUTS_CQES, 'EINVAL'],
      [CmdStatus.BAD_INP_LEN, 'EIO'],
      [CmdStatus.BAD_OUTP_LEN, 'EIO'],
      [0x77, 'EIO'],
    ];
    for (const [status, code] of table) {
      device.faults.forceStatus(Op.ALLOC_PD, status, 0xabc);
      const err = await rejection(q.cmdExec(makeInbox(Op.ALLOC_PD), 16));
      expect([status, err.code]).toEqual([status, code]);
      expect(err.detail).toMatchObject({ status, syndrome: 0xabc, opcode: Op.ALLOC_PD, opMod: 0 });
    }
  });

  it('cmdExec logs the exact failure line with structured fields, rate-limited', async () => {
    const { log: logger, lines } = captureLog();
    let t = 0;
    const { q, device } = setup({ logger, failureLog: new RateLimitedLog(2, 1000, () => t) });
    device.faults.forceStatus(Op.CREATE_MKEY, CmdStatus.BAD_PARAM, 0x3000002, 4);
    for (let i = 0; i < 3; i++) {
      await rejection(q.cmdExec(makeInbox(Op.CREATE_MKEY, { opMod: 0x1f }), 16));
    }
    const warns = () => lines.filter((l) => l.level === 40);
    expect(warns()).toHaveLength(2);
    expect(warns()[0]).toMatchObject({
      msg: 'CREATE_MKEY(0x200) op_mod(0x1f) failed, status BAD_PARAM(0x3), syndrome (0x3000002)',
      opcode: 0x200,
      opMod: 0x1f,
      status: 3,
      syndrome: 0x3000002,
      errno: 'EINVAL',
      suppressed: 0,
    });
    t = 1000;
    await rejection(q.cmdExec(makeInbox(Op.CREATE_MKEY, { opMod: 0x1f }), 16));
    expect(warns()).toHaveLength(3);
    expect(warns()[2]).toMatchObject({ suppressed: 1 });
    // cmdDo never logs: a failed status is data for its caller.
    device.faults.forceStatus(Op.CREATE_MKEY, CmdStatus.BAD_PARAM, 1);
    await rejection(q.cmdDo(makeInbox(Op.CREATE_MKEY), 16));
    expect(warns()).toHaveLength(3);
  });

  it('a delivery error rejects with the transport errno and never reaches firmware', async () => {
    const { q, device, engine } = setup();
    device.faults.corruptMailbox(Op.ACCESS_REG);
    const err = await rejection(q.cmdExec(makeInbox(Op.ACCESS_REG, { length: 100 }), 16));
    expect(err.code).toBe('EBADR');
    const d = err.detail as unknown as CmdTransportDetail;
    expect(d).toMatchObject({
      deliveryStatus: DeliveryStatus.SIGNAT_ERR,
      deliveryStatusName: 'SIGNAT_ERR',
    });
    expect(engine.calls).toEqual([]);
  });

  it('a completion the driver cannot verify (entry or outbox block) fails with EHWPOISON', async () => {
    const engine = new StubEngine();
    const device = new SimDevice(engine, { checksum: true });
    let scribble: (e: CommandEntries, slot: number) => void = () => {};
    const attach = device.attachQueue.bind(device);
    // Corrupt the completion between the device writing it and the driver reading it.
    device.attachQueue = (page, handler) =>
      attach(page, (v) => {
        const e = new CommandEntries(page);
        for (let s = 0; s < 32; s++) if (v & (1 << s)) scribble(e, s);
        handler(v);
      });
    const q = new CommandQueue(device);
    open.push(q);
    scribble = (e, s) => {
      const block = device.dma.resolve(BigInt(e.outPtr(s)), MAILBOX_BLOCK_BYTES)!;
      block[3] = block[3]! ^ 0x01;
    };
    const a = await rejection(q.cmdDo(makeInbox(Op.ACCESS_REG), 600));
    expect(a.code).toBe('EHWPOISON');
    expect(a.message).toMatch(/corrupt outbox mailbox/);
    scribble = (e, s) => {
      const at = s * CMD_ENTRY_BYTES + CmdLayout.byteOffset('in');
      e.page[at] = e.page[at]! ^ 0x80;
    };
    const b = await rejection(q.cmdDo(makeInbox(Op.NOP), 16));
    expect(b.code).toBe('EHWPOISON');
    expect(b.message).toMatch(/corrupt queue entry/);
    scribble = () => {};
    await q.cmdDo(makeInbox(Op.NOP), 16);
    expect(q.stats().slotsInUse).toBe(0);
  });
});

describe('statistics', () => {
  it('counts per opcode as Linux debugfs does', async () => {
    let t = 0;
    const { q, device } = setup({ now: () => t });
    await q.cmdExec(makeInbox(Op.NOP), 16);
    t = 1; // each command below is "1 ms" from doorbell to completion
    const p = q.cmdExec(makeInbox(Op.NOP), 16);
    t = 2;
    await p;
    device.faults.forceStatus(Op.NOP, CmdStatus.BAD_RES, 0x99);
    await rejection(q.cmdExec(makeInbox(Op.NOP), 16));
    device.faults.corruptMailbox(Op.NOP);
    await rejection(q.cmdDo(makeInbox(Op.NOP), 16));
    const nop = q.stats().ops.find((o) => o.opcode === Op.NOP)!;
    expect(nop).toEqual({
      opcode: Op.NOP,
      name: 'NOP',
      n: 4,
      average: 250_000,
      failed: 2,
      failed_mbox_status: 1,
      last_failed_errno: 53, // EBADR, the later (delivery) failure
      last_failed_mbox_status: CmdStatus.BAD_RES,
      last_failed_syndrome: 0x99,
      timeouts: 0,
    });
  });
});

describe('close', () => {
  it('fails in-flight and waiting commands with ENODEV and releases every mapping', async () => {
    const { q, device, backend, baseline } = setup();
    device.faults.delay(Op.ACCESS_REG, 50);
    const pending = Array.from({ length: 40 }, () =>
      q.cmdDo(makeInbox(Op.ACCESS_REG, { length: 3000 }), 3000),
    );
    const page = q.cmdDo(makeInbox(Op.MANAGE_PAGES, { length: 700 }), 16);
    expect(device.dma.mappings).toBeGreaterThan(baseline);
    q.close();
    for (const p of [...pending, page]) expect((await rejection(p)).code).toBe('ENODEV');
    expect(device.dma.mappings).toBe(baseline);
    expect(backend.detaches).toBe(1);
    expect((await rejection(q.cmdExec(makeInbox(Op.NOP), 16))).code).toBe('ENODEV');
    expect(q.stats()).toMatchObject({ closed: true, slotsInUse: 0, waiters: 0, mailboxBlocks: 0 });
    expect(() => q.leaveInternalError()).toThrow(AuxError);
    q.close();
  });

  it('a device that is gone fails the doorbell with ENODEV and frees the slot', async () => {
    const { q, device } = setup();
    device.close();
    const err = await rejection(q.cmdExec(makeInbox(Op.NOP, { length: 100 }), 100));
    expect(err.code).toBe('ENODEV');
    expect(q.stats()).toMatchObject({ slotsInUse: 0, mailboxBlocks: 16 });
  });
});

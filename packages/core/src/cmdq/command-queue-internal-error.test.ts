import { type AuxError, CmdHdrOut, CmdStatus, DRIVER_SYNDROME, Op } from '@auxctl/prm';
import { SimDevice } from '@auxctl/sim';
import { makeInbox, StubEngine } from '@auxctl/sim/testing';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CmdStatusDetail } from './command-errors.js';
import { CommandQueue } from './command-queue.js';
import { RecordingBackend } from './test-support/recording-backend.js';
import { settled } from './test-support/settled.js';

const open: CommandQueue[] = [];

function setup() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  const engine = new StubEngine();
  const device = new SimDevice(engine);
  const backend = new RecordingBackend(device);
  const q = new CommandQueue(backend, { logger });
  open.push(q);
  return { engine, device, backend, q, lines };
}

function expectAborted(err: AuxError | undefined, code: string, opcode: number) {
  expect(err?.code).toBe(code);
  const d = err?.detail as unknown as CmdStatusDetail;
  expect(d).toMatchObject({ status: CmdStatus.ABORTED, syndrome: DRIVER_SYNDROME, opcode });
  expect(CmdHdrOut.get(d.outbox, 'status')).toBe(0xfe);
  expect(CmdHdrOut.get(d.outbox, 'syndrome')).toBe(0xbadd00de);
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  for (const q of open.splice(0)) q.close();
  vi.useRealTimers();
});

describe('internal error', () => {
  it('force-completes commands in flight and waiting: destroy succeeds, the rest ABORTED', async () => {
    const { q, device, lines } = setup();
    for (const op of [Op.NOP, Op.DESTROY_MKEY, Op.QUERY_HCA_CAP]) device.faults.delay(op, 10);
    const nops = Array.from({ length: 29 }, () => settled(q.cmdDo(makeInbox(Op.NOP), 16)));
    const destroy = settled(q.cmdDo(makeInbox(Op.DESTROY_MKEY), 16));
    const query = settled(q.cmdExec(makeInbox(Op.QUERY_HCA_CAP, { length: 800 }), 4112));
    const waitDestroy = settled(q.cmdExec(makeInbox(Op.DEALLOC_PD), 16));
    const waitAlloc = settled(q.cmdExec(makeInbox(Op.ALLOC_PD), 16));
    expect(q.stats()).toMatchObject({ slotsInUse: 31, waiters: 2 });

    q.enterInternalError();
    await vi.advanceTimersByTimeAsync(0);

    for (const s of nops) expectAborted(s.error, 'EREMOTEIO', Op.NOP);
    expect(destroy.value?.equals(Buffer.alloc(16))).toBe(true);
    expectAborted(query.error, 'EIO', Op.QUERY_HCA_CAP);
    expect((query.error!.detail as unknown as CmdStatusDetail).outbox.length).toBe(4112);
    expect(waitDestroy.value?.equals(Buffer.alloc(16))).toBe(true);
    expectAborted(waitAlloc.error, 'EIO', Op.ALLOC_PD);
    expect(q.stats()).toMatchObject({
      slotsInUse: 0,
      waiters: 0,
      aborted: 31,
      internalError: true,
    });
    // Aborted commands are not failure lines: the device is known dead.
    expect(lines.filter((l) => String(l.msg).includes('failed, status'))).toEqual([]);
    // The mailboxes of the command in flight wait for a reset.
    expect(q.stats().quarantinedMailboxBlocks).toBe(2 + 8);

    // The device answering its old work later changes nothing.
    await vi.advanceTimersByTimeAsync(10);
    expect(q.stats().lateCompletions).toBe(31);
  });

  it('commands issued in internal error never reach firmware', async () => {
    const { q, engine, backend } = setup();
    q.enterInternalError();
    q.enterInternalError(); // idempotent
    const bells = backend.doorbells.length;
    let err = await q.cmdDo(makeInbox(Op.QUERY_VPORT_STATE), 32).catch((e: AuxError) => e);
    expectAborted(err as AuxError, 'EREMOTEIO', Op.QUERY_VPORT_STATE);
    err = await q.cmdExec(makeInbox(Op.CREATE_UCTX), 16).catch((e: AuxError) => e);
    expectAborted(err as AuxError, 'EIO', Op.CREATE_UCTX);
    const out = await q.cmdExec(makeInbox(Op.DESTROY_UCTX), 16);
    expect(CmdHdrOut.get(out, 'status')).toBe(CmdStatus.OK);
    await q.cmdExec(makeInbox(Op.MANAGE_PAGES), 16);
    expect(engine.calls).toEqual([]);
    expect(backend.doorbells.length).toBe(bells);
    const stats = q.stats().ops.find((o) => o.opcode === Op.CREATE_UCTX);
    expect(stats).toMatchObject({
      failed: 1,
      failed_mbox_status: 1,
      last_failed_mbox_status: 0xfe,
      last_failed_syndrome: DRIVER_SYNDROME,
      last_failed_errno: 121,
    });
  });

  it('after a fatal error, in-flight commands complete only through internal error; reset recovers', async () => {
    const { q, device, engine, backend } = setup();
    device.faults.fatal();
    const a = settled(q.cmdExec(makeInbox(Op.QUERY_ADAPTER, { length: 600 }), 600));
    await vi.advanceTimersByTimeAsync(1000);
    expect(a.done).toBe(false); // a halted engine answers nothing
    expect(device.counters().halted).toBe(1);
    q.enterInternalError();
    await vi.advanceTimersByTimeAsync(0);
    expectAborted(a.error, 'EIO', Op.QUERY_ADAPTER);
    expect(q.stats().quarantinedMailboxBlocks).toBe(4);

    await device.reset();
    q.leaveInternalError();
    expect(q.internalError).toBe(false);
    expect(backend.attaches).toBe(2);
    expect(q.stats().quarantinedMailboxBlocks).toBe(0);
    const out = await q.cmdExec(makeInbox(Op.QUERY_ADAPTER, { length: 600 }), 600);
    expect(out.length).toBe(600);
    expect(engine.calls).toHaveLength(1);
  });
});

import { CMD_ENTRY_BYTES, CmdLayout, type CompletionHandler, MAX_REG_CMDS, Op } from '@auxctl/prm';
import { SimDevice } from '@auxctl/sim';
import { makeInbox, StubEngine } from '@auxctl/sim/testing';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandQueue, type CommandQueueOptions, DEFAULT_CMD_TIMEOUT_MS } from './command-queue.js';
import { settled } from './test-support/settled.js';

const open: CommandQueue[] = [];

function setup(opts: CommandQueueOptions = {}) {
  const engine = new StubEngine();
  const device = new SimDevice(engine);
  let handler: CompletionHandler = () => {};
  let page: Buffer = Buffer.alloc(0);
  const attach = device.attachQueue.bind(device);
  device.attachQueue = (p, h) => {
    handler = h;
    page = p;
    attach(p, h);
  };
  const q = new CommandQueue(device, opts);
  open.push(q);
  return { engine, device, q, page: () => page, ring: (v: number) => handler(v) };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  for (const q of open.splice(0)) q.close();
  vi.useRealTimers();
});

describe('command timeout', () => {
  it('a lost completion fails with ETIMEDOUT after 60 s and the slot is reclaimed', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s)) });
    const { q, device } = setup({ logger });
    device.faults.loseCompletions(Op.QUERY_ADAPTER);
    const s = settled(q.cmdExec(makeInbox(Op.QUERY_ADAPTER), 16));
    await vi.advanceTimersByTimeAsync(DEFAULT_CMD_TIMEOUT_MS - 1);
    expect(s.done).toBe(false);
    expect(q.stats().slotsInUse).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.error?.code).toBe('ETIMEDOUT');
    expect(s.error?.detail).toMatchObject({ opcode: Op.QUERY_ADAPTER, slot: 0 });
    expect(q.stats()).toMatchObject({ slotsInUse: 0, timeouts: 1 });
    expect(q.stats().ops[0]).toMatchObject({ timeouts: 1, failed: 1, last_failed_errno: 110 });
    expect(lines[0]).toMatchObject({
      msg: 'QUERY_ADAPTER(0x101) timeout after 60000 ms, slot 0 reclaimed',
      opcode: Op.QUERY_ADAPTER,
      slot: 0,
    });
    // The reclaimed slot serves the next command.
    await expect(q.cmdExec(makeInbox(Op.QUERY_ADAPTER), 16)).resolves.toBeInstanceOf(Buffer);
  });

  it('honours per-queue and per-call timeouts', async () => {
    const { q, device } = setup({ timeoutMs: 500 });
    device.faults.loseCompletions(Op.NOP, 2);
    const a = settled(q.cmdDo(makeInbox(Op.NOP), 16));
    const b = settled(q.cmdDo(makeInbox(Op.NOP), 16, { timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(100);
    expect([a.done, b.error?.code]).toEqual([false, 'ETIMEDOUT']);
    await vi.advanceTimersByTimeAsync(400);
    expect(a.error?.code).toBe('ETIMEDOUT');
  });

  it('uses one timer for the whole queue, not one per command', async () => {
    const { q, device } = setup();
    device.faults.loseCompletions(Op.NOP, MAX_REG_CMDS);
    const all = Array.from({ length: MAX_REG_CMDS }, () => settled(q.cmdDo(makeInbox(Op.NOP), 16)));
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(DEFAULT_CMD_TIMEOUT_MS);
    expect(all.every((s) => s.error?.code === 'ETIMEDOUT')).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('ignores a completion that arrives after its slot was reclaimed', async () => {
    const { q, device } = setup();
    device.faults.delay(Op.ACCESS_REG, 5000);
    const s = settled(
      q.cmdDo(makeInbox(Op.ACCESS_REG, { length: 2000 }), 2000, { timeoutMs: 1000 }),
    );
    await vi.advanceTimersByTimeAsync(1000);
    expect(s.error?.code).toBe('ETIMEDOUT');
    // Firmware may still write the command's mailboxes: they are kept out of use.
    expect(q.stats().quarantinedMailboxBlocks).toBe(8);
    await vi.advanceTimersByTimeAsync(4000);
    expect(device.counters().completed).toBe(1);
    expect(q.stats()).toMatchObject({ lateCompletions: 1, slotsInUse: 0 });
    device.faults.clear();
    const out = await q.cmdDo(makeInbox(Op.ACCESS_REG, { length: 2000 }), 2000);
    expect(out.length).toBe(2000);
  });

  it('ignores a completion vector for an entry firmware still owns or that carries another token', async () => {
    const { q, device, ring, page: pageOf } = setup();
    device.faults.delay(Op.NOP, 10);
    const s = settled(q.cmdDo(makeInbox(Op.NOP), 16));
    ring(1); // still owned by hardware
    const page = pageOf();
    expect(q.stats().lateCompletions).toBe(1);
    expect(s.done).toBe(false);
    // A software-owned entry whose token is not the command's: a stale answer.
    const saved = Buffer.from(page.subarray(0, CMD_ENTRY_BYTES));
    CmdLayout.set(page, 'token', (CmdLayout.get(page, 'token') % 255) + 1);
    CmdLayout.set(page, 'status_own', 0); // back to software, delivery OK
    ring(1);
    expect(q.stats().lateCompletions).toBe(2);
    saved.copy(page, 0);
    await vi.advanceTimersByTimeAsync(10);
    expect(s.done).toBe(true);
    expect(s.value).toBeInstanceOf(Buffer);
  });

  it('a command waiting for a slot gives up with EBUSY after its timeout', async () => {
    const { q, device } = setup();
    device.faults.loseCompletions(Op.NOP, MAX_REG_CMDS);
    const busy = Array.from({ length: MAX_REG_CMDS }, () =>
      settled(q.cmdDo(makeInbox(Op.NOP), 16, { timeoutMs: 10_000 })),
    );
    const waiter = settled(q.cmdDo(makeInbox(Op.NOP), 16, { timeoutMs: 1000 }));
    const later = settled(q.cmdDo(makeInbox(Op.NOP), 16, { timeoutMs: 20_000 }));
    expect(q.stats().waiters).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(waiter.error?.code).toBe('EBUSY');
    expect(q.stats().waiters).toBe(1);
    await vi.advanceTimersByTimeAsync(9000);
    expect(busy.every((s) => s.error?.code === 'ETIMEDOUT')).toBe(true);
    // The reclaimed slots went to the remaining waiter, which now completes.
    expect(later.value).toBeInstanceOf(Buffer);
  });
});

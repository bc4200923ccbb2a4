import { AuxError, CmdStatus, DeliveryStatus, Op, Syndrome } from '@auxctl/prm';
import { SimDevice } from '@auxctl/sim';
import { makeInbox, StubEngine } from '@auxctl/sim/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandQueue } from './command-queue.js';
import { settled } from './test-support/settled.js';

const open: CommandQueue[] = [];

function setup() {
  const engine = new StubEngine();
  // Checksums on: a corrupted mailbox is detected (SIGNAT_ERR) only then.
  const device = new SimDevice(engine, { checksum: true });
  const q = new CommandQueue(device);
  open.push(q);
  return { engine, device, q, faults: device.faults };
}

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  for (const q of open.splice(0)) q.close();
  vi.useRealTimers();
});

describe('FaultInjector transport faults', () => {
  it('delay: commands of that opcode complete that much later, others at once', async () => {
    const { q, faults } = setup();
    faults.delay('QUERY_HCA_CAP', 250);
    const slow = settled(q.cmdExec(makeInbox(Op.QUERY_HCA_CAP), 16));
    const fast = settled(q.cmdExec(makeInbox(Op.NOP), 16));
    await vi.advanceTimersByTimeAsync(249);
    expect([slow.done, fast.done]).toEqual([false, true]);
    await vi.advanceTimersByTimeAsync(1);
    expect(slow.value).toBeInstanceOf(Buffer);
    faults.delay(Op.QUERY_HCA_CAP, 0);
    expect(faults.list()).toEqual([]);
    const again = settled(q.cmdExec(makeInbox(Op.QUERY_HCA_CAP), 16));
    await vi.advanceTimersByTimeAsync(0);
    expect(again.done).toBe(true);
  });

  it('loseCompletions: the next N commands time out, then the opcode works again', async () => {
    const { q, faults, device, engine } = setup();
    faults.loseCompletions(Op.NOP, 2);
    const a = settled(q.cmdDo(makeInbox(Op.NOP), 16, { timeoutMs: 100 }));
    const b = settled(q.cmdDo(makeInbox(Op.NOP), 16, { timeoutMs: 100 }));
    const c = settled(q.cmdDo(makeInbox(Op.NOP), 16, { timeoutMs: 100 }));
    await vi.advanceTimersByTimeAsync(100);
    expect([a.error?.code, b.error?.code, c.value?.length]).toEqual(['ETIMEDOUT', 'ETIMEDOUT', 16]);
    expect(device.counters().lost).toBe(2);
    expect(engine.calls).toHaveLength(1);
    expect(faults.armed).toBe(false);
  });

  it('corruptMailbox with checksums off (as mlx5 runs): a chained inbox reaches firmware corrupted', async () => {
    const engine = new StubEngine();
    const device = new SimDevice(engine);
    const q = new CommandQueue(device);
    open.push(q);
    device.faults.corruptMailbox(Op.ACCESS_REG);
    // Undetectable without signatures: the command runs on the damaged bytes.
    await expect(q.cmdExec(makeInbox(Op.ACCESS_REG, { length: 2000 }), 16)).resolves.toBeInstanceOf(
      Buffer,
    );
    expect(engine.calls.map((c) => c.opcode)).toEqual([Op.ACCESS_REG]);
    // The entry is always signed, so an inline-only inbox is still caught.
    device.faults.corruptMailbox(Op.ACCESS_REG);
    await expect(q.cmdExec(makeInbox(Op.ACCESS_REG), 16)).rejects.toMatchObject({ code: 'EBADR' });
  });

  it('corruptMailbox: inline and chained inboxes arrive corrupted (SIGNAT_ERR) and never run', async () => {
    const { q, faults, engine } = setup();
    faults.corruptMailbox(Op.ACCESS_REG, 2);
    for (const length of [16, 2000]) {
      const err = await q
        .cmdExec(makeInbox(Op.ACCESS_REG, { length }), 16)
        .catch((e: AuxError) => e);
      expect(err).toBeInstanceOf(AuxError);
      expect((err as AuxError).code).toBe('EBADR');
      expect((err as AuxError).detail).toMatchObject({ deliveryStatus: DeliveryStatus.SIGNAT_ERR });
    }
    expect(engine.calls).toEqual([]);
    await expect(q.cmdExec(makeInbox(Op.ACCESS_REG, { length: 2000 }), 16)).resolves.toBeInstanceOf(
      Buffer,
    );
  });
});

describe('FaultInjector firmware faults (engine pass-through)', () => {
  it('forceStatus: the next N commands of the opcode fail with that status and syndrome', async () => {
    const { q, faults } = setup();
    faults.forceStatus('ALLOC_PD', CmdStatus.LIM, 0x0300_0004, 2);
    for (let i = 0; i < 2; i++) {
      const err = (await q.cmdExec(makeInbox(Op.ALLOC_PD), 16).catch((e) => e)) as AuxError;
      expect([err.code, err.detail]).toEqual([
        'ENOMEM',
        expect.objectContaining({ syndrome: 0x0300_0004 }),
      ]);
    }
    await expect(q.cmdExec(makeInbox(Op.ALLOC_PD), 16)).resolves.toBeInstanceOf(Buffer);
    faults.forceStatus(Op.ALLOC_PD, CmdStatus.BAD_PARAM);
    const err = (await q.cmdDo(makeInbox(Op.ALLOC_PD), 16).catch((e) => e)) as AuxError;
    expect(err.detail).toMatchObject({ status: CmdStatus.BAD_PARAM, syndrome: Syndrome.FORCED });
  });
});

describe('FaultInjector bookkeeping', () => {
  it('lists armed faults and clear() disarms all of them, the engine’s too', async () => {
    const { q, faults } = setup();
    faults.delay(Op.NOP, 5);
    faults.loseCompletions('QUERY_ADAPTER', 3);
    faults.corruptMailbox(Op.ACCESS_REG);
    faults.forceStatus(Op.ALLOC_PD, CmdStatus.BAD_OP);
    expect(faults.list()).toEqual([
      { kind: 'delay', opcode: Op.NOP, name: 'NOP', value: 5 },
      { kind: 'lost', opcode: Op.QUERY_ADAPTER, name: 'QUERY_ADAPTER', value: 3 },
      { kind: 'corrupt', opcode: Op.ACCESS_REG, name: 'ACCESS_REG', value: 1 },
    ]);
    faults.clear();
    expect([faults.list(), faults.armed]).toEqual([[], false]);
    await expect(q.cmdExec(makeInbox(Op.ALLOC_PD), 16)).resolves.toBeInstanceOf(Buffer);
  });
});

describe('FaultInjector unbounded counts', () => {
  it('Infinity hits every command of the opcode until cleared', async () => {
    const { q, faults, engine } = setup();
    faults.corruptMailbox(Op.NOP, Number.POSITIVE_INFINITY);
    for (let i = 0; i < 3; i++) {
      await expect(q.cmdDo(makeInbox(Op.NOP), 16)).rejects.toMatchObject({ code: 'EBADR' });
    }
    expect(faults.list()).toEqual([
      { kind: 'corrupt', opcode: Op.NOP, name: 'NOP', value: Number.POSITIVE_INFINITY },
    ]);
    faults.clear();
    await expect(q.cmdDo(makeInbox(Op.NOP), 16)).resolves.toBeInstanceOf(Buffer);
    expect(engine.calls).toHaveLength(1);
  });
});

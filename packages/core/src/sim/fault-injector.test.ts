import { AuxError, CmdStatus, DeliveryStatus, HealthBuffer, HealthSyndrome, Op } from '@auxctl/prm';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandQueue } from '../cmdq/command-queue.js';
import { makeInbox } from '../cmdq/test-support/inbox.js';
import { settled } from '../cmdq/test-support/settled.js';
import { StubEngine } from '../cmdq/test-support/stub-engine.js';
import { FaultInjector } from './fault-injector.js';
import type { FirmwareEngine } from './firmware-engine.js';
import { SimDevice } from './sim-device.js';
import { Syndrome } from './syndromes.js';

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
  it('fatal: firmware halts with the syndrome in its health buffer', () => {
    const { device, engine } = setup();
    device.faults.fatal();
    expect(engine.halted).toBe(true);
    expect(HealthBuffer.get(device.readHealth(), 'synd')).toBe(HealthSyndrome.FW_INTERNAL_ERR);
  });

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

  it('an engine without the hooks refuses with EOPNOTSUPP', () => {
    const bare: FirmwareEngine = {
      execute: (_i, n) => Buffer.alloc(n),
      halted: false,
      readHealth: () => HealthBuffer.alloc(),
      healthCounter: () => 0,
      reset: () => {},
    };
    const f = new FaultInjector(bare);
    expect(() => f.fatal()).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
    expect(() => f.forceStatus(Op.NOP, 1)).toThrow(expect.objectContaining({ code: 'EOPNOTSUPP' }));
    expect(() => f.clear()).not.toThrow();
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

  it('bad arguments throw EINVAL and arm nothing', () => {
    const f = new FaultInjector(new StubEngine());
    const anyValue = fc.oneof(
      fc.integer({ min: -5, max: 0x1_0005 }),
      fc.double(),
      fc.string({ maxLength: 12 }),
      fc.constantFrom('toString', '__proto__', 'NOP', Number.NaN, Number.POSITIVE_INFINITY),
    );
    fc.assert(
      fc.property(anyValue, anyValue, anyValue, (op, a, b) => {
        const calls = [
          () => f.delay(op as number, a as number),
          () => f.loseCompletions(op as number, a as number),
          () => f.corruptMailbox(op as number, a as number),
          () => f.forceStatus(op as number, a as number, b as number, 1),
          () => f.fatal(a as number),
        ];
        for (const call of calls) {
          try {
            call();
          } catch (err) {
            expect(err).toBeInstanceOf(AuxError);
            expect((err as AuxError).code).toBe('EINVAL');
          }
        }
        // Whatever was accepted is well-formed.
        for (const armed of f.list()) {
          expect(
            Number.isInteger(armed.opcode) && armed.opcode >= 0 && armed.opcode <= 0xffff,
          ).toBe(true);
          expect(armed.value > 0).toBe(true);
        }
        f.clear();
      }),
      { numRuns: 300 },
    );
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

  it('fatal passes the extended syndrome through', () => {
    const engine = new StubEngine();
    const seen: number[][] = [];
    engine.injectFatal = (synd: number, ext?: number) => {
      seen.push([synd, ext ?? -1]);
    };
    new FaultInjector(engine).fatal(HealthSyndrome.HIGH_TEMP, 0x42);
    expect(seen).toEqual([[HealthSyndrome.HIGH_TEMP, 0x42]]);
    expect(() => new FaultInjector(engine).fatal(1, 0x10000)).toThrow(
      expect.objectContaining({ code: 'EINVAL' }),
    );
  });
});

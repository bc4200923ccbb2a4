import { AuxError, HealthBuffer, HealthSyndrome, Op } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FaultInjector } from './fault-injector.js';
import type { FirmwareEngine } from './firmware-engine.js';
import { SimDevice } from './sim-device.js';
import { StubEngine } from './testing/stub-engine.js';

// What the injector does to commands in flight is tested with core's
// command queue (core's cmdq/command-queue-faults.test.ts); here, what it
// does on its own: engine pass-through, argument checks.

describe('FaultInjector firmware faults (engine pass-through)', () => {
  it('fatal: firmware halts with the syndrome in its health buffer', () => {
    const engine = new StubEngine();
    const device = new SimDevice(engine);
    device.faults.fatal();
    expect(engine.halted).toBe(true);
    expect(HealthBuffer.get(device.readHealth(), 'synd')).toBe(HealthSyndrome.FW_INTERNAL_ERR);
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

describe('FaultInjector arguments', () => {
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

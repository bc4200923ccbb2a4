import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CliError } from './exit-codes.js';
import { faultOf, parseCount } from './fault-command.js';

describe('fault inject flags', () => {
  it('parseCount takes 1..2^31-1 or all (0 on the wire: until cleared)', () => {
    expect(parseCount('all')).toBe(0);
    expect(parseCount('0x10')).toBe(16);
    for (const bad of ['0', '-1', 'x', '2147483648']) {
      expect(() => parseCount(bad)).toThrow(InvalidArgumentError);
    }
  });

  it('property: exactly one fault kind is accepted, and per-command faults need an opcode', () => {
    const opts = fc.record(
      {
        fatal: fc.boolean(),
        delayMs: fc.nat({ max: 3_600_000 }),
        loseCompletion: fc.boolean(),
        status: fc.integer({ min: 1, max: 255 }),
        opcode: fc.nat({ max: 0xffff }),
        count: fc.nat({ max: 100 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(opts, (o) => {
        const kinds = [o.fatal, o.delayMs !== undefined, o.loseCompletion, o.status !== undefined];
        const one = kinds.filter(Boolean).length === 1;
        let got: ReturnType<typeof faultOf> | undefined;
        try {
          got = faultOf(o);
        } catch (e) {
          expect(e).toBeInstanceOf(CliError);
          expect(one && (o.fatal || o.opcode !== undefined)).toBe(false);
          return;
        }
        expect(one).toBe(true);
        if (got.$case !== 'fatal') expect(o.opcode).toBeDefined();
      }),
    );
  });
});

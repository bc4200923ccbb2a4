import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { probeWakeups, schedRuntimeNs } from './machine-wakeup.js';

describe('schedRuntimeNs', () => {
  it('property: reads the first of the three numbers of a schedstat line', () => {
    const n = fc.bigInt({ min: 0n, max: 2n ** 53n - 1n });
    fc.assert(
      fc.property(n, n, n, (a, b, c) => {
        expect(schedRuntimeNs(`${a} ${b} ${c}\n`)).toBe(Number(a));
      }),
    );
  });

  it('property: anything else is NaN', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !/^\d+ \d+ \d+\s*$/.test(s)),
        (s) => {
          expect(schedRuntimeNs(s)).toBeNaN();
        },
      ),
    );
    expect(schedRuntimeNs('12 34\n')).toBeNaN();
    expect(schedRuntimeNs('-1 2 3\n')).toBeNaN();
  });
});

// The probe reads /proc/self/schedstat, so it runs where there is one.
describe.runIf(existsSync('/proc/self/schedstat'))('probeWakeups', () => {
  it('counts the wakeups of a child process and the CPU time each cost', async () => {
    const cost = await probeWakeups(200, 16, 300);
    // 200 a second for 300 ms: at most 60, fewer on a busy machine.
    expect(cost.wakeups).toBeGreaterThanOrEqual(1);
    expect(cost.wakeups).toBeLessThanOrEqual(61);
    expect(cost.usPerWakeup).toBeGreaterThan(0);
    expect(cost.warmTouchUs).toBeGreaterThan(0);
  });
});

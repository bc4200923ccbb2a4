import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cpuMsOfPid } from './remote-process.js';

// cpuMsOfPid reads /proc, so it is tested where there is one.
describe.runIf(existsSync('/proc/self/stat'))('cpuMsOfPid', () => {
  it("counts this process's CPU time, which busy work makes grow", () => {
    const before = cpuMsOfPid(process.pid);
    expect(Number.isFinite(before)).toBe(true);
    // Bounded busy work: far more than one 10 ms tick of CPU.
    const start = process.cpuUsage();
    let x = 0;
    for (let i = 0; i < 5e8 && process.cpuUsage(start).user < 100_000; i++) x += i % 7;
    expect(x).toBeGreaterThan(0);
    expect(cpuMsOfPid(process.pid)).toBeGreaterThan(before);
  });

  it('is NaN for a process that does not exist', () => {
    expect(cpuMsOfPid(2 ** 30)).toBeNaN();
  });
});

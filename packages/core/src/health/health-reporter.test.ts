import { describe, expect, it } from 'vitest';
import { HealthReporter } from './health-reporter.js';

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('HealthReporter', () => {
  it('keeps the first dump until cleared and recovers outside the grace period', async () => {
    const c = clock();
    let dumps = 0;
    let recovers = 0;
    const r = new HealthReporter(
      'fw_fatal',
      {
        dump: async () => ({ n: ++dumps }),
        recover: async () => {
          recovers++;
        },
      },
      { gracePeriodMs: 500, now: c.now },
    );
    expect(await r.report('first')).toEqual({ dumped: true, recovered: true });
    expect(r.state).toBe('healthy');
    c.advance(100);
    const second = await r.report('second');
    expect(second).toEqual({ dumped: false, recovered: false, reason: 'grace-period' });
    expect(r.state).toBe('error');
    expect(r.storedDump?.data).toEqual({ n: 1 });
    expect(r.storedDump?.message).toBe('first');
    c.advance(500);
    expect((await r.report('third')).recovered).toBe(true);
    expect([r.errorCount, r.recoverCount, recovers]).toEqual([3, 2, 2]);
    r.dumpClear();
    expect((await r.dump())?.data).toEqual({ n: 2 });
  });

  it('stays in error when recovery fails and still reports the dump', async () => {
    const r = new HealthReporter('fw_fatal', {
      dump: async () => 'crdump',
      recover: async () => {
        throw new Error('reset failed');
      },
    });
    const out = await r.report('boom');
    expect(out.dumped).toBe(true);
    expect(out.reason).toBe('recover-failed');
    expect((out.error as Error).message).toBe('reset failed');
    expect(r.state).toBe('error');
    expect(r.recoverCount).toBe(0);
  });

  it('a reporter without recover only counts, and a failing dump does not block', async () => {
    const r = new HealthReporter('fw', {
      dump: async () => {
        throw new Error('no');
      },
      diagnose: () => ({ syndrome: 7 }),
    });
    expect(await r.report('x')).toEqual({
      dumped: false,
      recovered: false,
      reason: 'no-recover-op',
    });
    expect(r.diagnose()).toEqual({ state: 'error', errorCount: 1, recoverCount: 0, syndrome: 7 });
  });

  it('honours autoRecover off until an operator recovers', async () => {
    let n = 0;
    const r = new HealthReporter(
      'fw_fatal',
      { recover: async () => void n++ },
      { autoRecover: false },
    );
    expect((await r.report('x')).reason).toBe('auto-recover-off');
    expect(n).toBe(0);
    await r.recover();
    expect([n, r.state]).toEqual([1, 'healthy']);
  });
});

import { captureLog } from '@auxctl/core/testing';
import { AuxError } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { RefusalAudit, refusalOf } from './refusal-audit.js';

const base = { method: 'auxctl.v1.CtlService/Exec', peer: 'ipv4:10.0.0.1:5555' };

describe('refusalOf', () => {
  it('names the refusals auxctld makes and nothing else', () => {
    expect(refusalOf(new AuxError('EKEYREJECTED', 'x'))).toBe('authentication');
    expect(refusalOf(new AuxError('EPERM', 'x', { rule: 'no rule matched' }))).toBe(
      'authorization',
    );
    // ctl-aux's own scope refusal is its audit line, not this one.
    expect(refusalOf(new AuxError('EPERM', 'x', { opcode: 1 }))).toBeUndefined();
    expect(refusalOf(new AuxError('EBUSY', 'x', { limit: 'call rate' }))).toBe('limit');
    expect(refusalOf(new AuxError('EBUSY', 'x'))).toBeUndefined();
    expect(refusalOf(new AuxError('EINVAL', 'x', { message: 'malformed' }))).toBe('message');
    expect(refusalOf(new AuxError('EINVAL', 'x'))).toBeUndefined();
    expect(refusalOf(new Error('x'))).toBeUndefined();
  });
});

describe('RefusalAudit', () => {
  it('writes one line of the fixed shape per refusal, and an error only once', () => {
    const { log: logger, lines } = captureLog('info');
    const audit = new RefusalAudit(logger);
    const err = new AuxError('EBUSY', 'call rate limit for alice reached', {
      limit: 'call rate',
      name: 'call rate',
    });
    expect(audit.recordError(err, { ...base, principal: 'alice', device: '0000:08:00.0' })).toBe(
      true,
    );
    expect(audit.recordError(err, { ...base, principal: 'alice' })).toBe(false);
    expect(audit.recordError(new AuxError('EIO', 'x'), base)).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 40,
      event: 'refused',
      kind: 'limit',
      principal: 'alice',
      method: 'auxctl.v1.CtlService/Exec',
      device: '0000:08:00.0',
      code: 'RESOURCE_EXHAUSTED',
      errno: 'EBUSY',
      reason: 'call rate limit for alice reached',
      cause: 'call rate',
    });
    audit.close();
  });

  it('carries what else the refusing check knows as detail', () => {
    const { log: logger, lines } = captureLog('info');
    new RefusalAudit(logger).record({
      kind: 'authorization',
      method: 'auxctl.v1.CtlService/Coredump',
      code: 'NOT_FOUND',
      reason: 'unknown dump',
      principal: 'bob',
      detail: { dumpId: 'd1', owner: 'alice' },
    });
    expect(lines[0]).toMatchObject({ principal: 'bob', detail: { dumpId: 'd1', owner: 'alice' } });
  });

  it('skips an error its thrower already recorded', () => {
    const { log: logger, lines } = captureLog('info');
    const audit = new RefusalAudit(logger);
    const err = RefusalAudit.markAudited(new AuxError('EPERM', 'no', { rule: 'deny[0]' }));
    expect(audit.recordError(err, base)).toBe(false);
    expect(lines).toHaveLength(0);
  });

  it('limits lines per key and writes the rest as a count, so a flood cannot flood the log', () => {
    const { log: logger, lines } = captureLog('info');
    let t = 0;
    const audit = new RefusalAudit(logger, { burst: 3, perSec: 1, now: () => t });
    const refuse = (principal: string | undefined, peer = base.peer) =>
      audit.record({
        kind: 'authentication',
        method: base.method,
        peer,
        code: 'UNAUTHENTICATED',
        reason: 'no',
        ...(principal !== undefined && { principal }),
      });
    for (let i = 0; i < 100; i++) refuse(undefined, `ipv4:10.0.0.1:${1000 + i}`);
    refuse('bob');
    expect(lines).toHaveLength(4); // 3 for the host (whatever its ports), 1 for bob
    audit.flush();
    expect(lines).toHaveLength(5);
    expect(lines[4]).toMatchObject({ peer: 'ipv4:10.0.0.1:1099', suppressed: 97 });
    t += 1000; // one more line a second
    refuse(undefined);
    refuse(undefined);
    audit.close();
    expect(lines.slice(5).map((l) => l.suppressed)).toEqual([undefined, 1]);
  });

  it('bounds the keys it counts for, folding the rest into "*"', () => {
    const { log: logger, lines } = captureLog('info');
    const audit = new RefusalAudit(logger, { burst: 1, perSec: 0.001, maxKeys: 2, now: () => 0 });
    for (let k = 0; k < 5; k++) {
      for (let i = 0; i < 3; i++) {
        audit.record({ kind: 'limit', method: 'm', code: 'X', reason: 'r', principal: `p${k}` });
      }
    }
    audit.flush();
    const summaries = lines.filter((l) => l.suppressed !== undefined);
    expect(summaries.map((l) => l.suppressed)).toEqual([2, 2, 6]);
  });

  it('cuts long values so one refusal cannot write an unbounded line', () => {
    const { log: logger, lines } = captureLog('info');
    const audit = new RefusalAudit(logger);
    audit.record({ kind: 'limit', method: 'm', code: 'X', reason: 'r'.repeat(10_000) });
    expect(String(lines[0]?.reason).length).toBeLessThanOrEqual(257);
  });
});

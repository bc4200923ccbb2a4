import { FWCTL_SCOPE_NAMES, type FwctlScopeName } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Policy } from './policy.js';
import type { PolicyDocument } from './policy-document.js';
import { scopeRank } from './policy-scope.js';
import { documentArb, requestArb, ruleArb } from './test-support/policy-arbitraries.js';

const EXEC = 'auxctl.v1.CtlService/Exec';

const policy = Policy.from({
  version: 1,
  deny: [{ principals: ['mallory'], methods: ['*'], devices: ['*'], comment: 'revoked' }],
  allow: [
    {
      principals: ['spiffe://lab/ops'],
      methods: ['auxctl.v1.CtlService/*'],
      devices: ['0000:08:*'],
      maxScope: 'DEBUG_READ_ONLY',
    },
    { principals: ['spiffe://lab/*'], methods: ['auxctl.v1.DeviceService/*'], devices: ['*'] },
    { principals: ['spiffe://lab/admin', 'mallory'], methods: ['*'], devices: ['*'] },
  ],
});

describe('Policy.evaluate', () => {
  it('denies on a deny rule before any allow rule', () => {
    const d = policy.evaluate({ principal: 'mallory', method: EXEC, device: '0000:08:00.0' });
    expect(d).toMatchObject({ allowed: false, list: 'deny', ruleIndex: 0, comment: 'revoked' });
    expect(d.reason).toBe('deny[0] matched');
  });

  it('allows on the first allow rule whose maxScope covers the request', () => {
    const ops = { principal: 'spiffe://lab/ops', method: `/${EXEC}`, device: '0000:08:00.1' };
    expect(policy.evaluate({ ...ops, scope: 'DEBUG_READ_ONLY' })).toMatchObject({
      allowed: true,
      list: 'allow',
      ruleIndex: 0,
      maxScope: 'DEBUG_READ_ONLY',
    });
    const tooHigh = policy.evaluate({ ...ops, scope: 'DEBUG_WRITE' });
    expect(tooHigh).toMatchObject({ allowed: false, list: 'allow', ruleIndex: 0 });
    expect(tooHigh.reason).toMatch(/grants at most DEBUG_READ_ONLY; DEBUG_WRITE was requested/);
    const admin = policy.evaluate({
      ...ops,
      principal: 'spiffe://lab/admin',
      scope: 'DEBUG_WRITE',
    });
    expect(admin).toMatchObject({ allowed: true, ruleIndex: 2, maxScope: 'DEBUG_WRITE_FULL' });
  });

  it('denies by default and on other devices', () => {
    const none = policy.evaluate({ principal: 'eve', method: EXEC, device: '0000:08:00.0' });
    expect(none).toMatchObject({ allowed: false, list: undefined, ruleIndex: undefined });
    expect(none.reason).toBe('no allow rule matched');
    const other = { principal: 'spiffe://lab/ops', method: EXEC, device: '0000:09:00.0' };
    expect(policy.evaluate(other).allowed).toBe(false);
  });

  it('matches a device-less request only with a "*" device pattern', () => {
    const list = { principal: 'spiffe://lab/ops', method: 'auxctl.v1.DeviceService/ListDevices' };
    expect(policy.evaluate(list)).toMatchObject({ allowed: true, ruleIndex: 1 });
    const scoped = Policy.from({
      version: 1,
      allow: [{ principals: ['*'], methods: ['*'], devices: ['0000:*'] }],
    });
    expect(scoped.evaluate(list).allowed).toBe(false);
  });

  it('refuses an unknown scope name', () => {
    const req = { principal: 'a', method: EXEC, scope: 'ROOT' as FwctlScopeName };
    expect(() => policy.evaluate(req)).toThrow(/scope "ROOT" is unknown/);
  });
});

describe('Policy.evaluate properties', () => {
  it('decides a request it has decided before as a policy seeing it first does', () => {
    // Requests repeat (the decisions are kept) and differ in every part, a
    // device or scope present or absent included.
    const requests = fc.array(
      fc.oneof(
        requestArb,
        requestArb.map(({ device: _d, ...r }) => r),
        requestArb.map(({ scope: _s, ...r }) => r),
        requestArb.map((r) => ({ ...r, device: '' })),
      ),
      { minLength: 1, maxLength: 30 },
    );
    fc.assert(
      fc.property(documentArb, requests, fc.nat(), (doc, reqs, seed) => {
        const kept = new Policy(doc);
        const order = [...reqs, ...reqs.map((_, i) => reqs[(i * 7 + seed) % reqs.length])];
        for (const req of order) {
          if (req === undefined) continue;
          expect(kept.evaluate(req)).toEqual(new Policy(doc).evaluate(req));
        }
      }),
    );
  });

  it('denies whenever a deny rule that matches is added', () => {
    fc.assert(
      fc.property(documentArb, requestArb, (doc, req) => {
        const blocker = {
          principals: [req.principal],
          methods: [req.method],
          devices: [req.device ?? '*'],
        };
        const at = doc.deny.length;
        const d = new Policy({ ...doc, deny: [...doc.deny, blocker] }).evaluate(req);
        expect(d.allowed).toBe(false);
        expect(d.list).toBe('deny');
        expect(d.ruleIndex).toBeLessThanOrEqual(at);
      }),
      { numRuns: 500 },
    );
  });

  it('never allows without allow rules', () => {
    fc.assert(
      fc.property(fc.array(ruleArb('deny'), { maxLength: 3 }), requestArb, (deny, req) => {
        const doc: PolicyDocument = { version: 1, deny, allow: [] };
        expect(new Policy(doc).evaluate(req).allowed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('an allow names a matching allow rule with enough scope', () => {
    fc.assert(
      fc.property(documentArb, requestArb, (doc, req) => {
        const d = new Policy(doc).evaluate(req);
        if (!d.allowed) return;
        expect(d.list).toBe('allow');
        const rule = doc.allow[d.ruleIndex ?? -1];
        expect(rule).toBeDefined();
        expect(scopeRank(d.maxScope ?? 'CONFIGURATION')).toBeGreaterThanOrEqual(
          req.scope === undefined ? 0 : scopeRank(req.scope),
        );
        expect(d.maxScope).toBe(rule?.maxScope ?? 'DEBUG_WRITE_FULL');
      }),
      { numRuns: 500 },
    );
  });

  it('is monotonic in scope: allowed at a scope means allowed at every lower one', () => {
    fc.assert(
      fc.property(documentArb, requestArb, (doc, req) => {
        const p = new Policy(doc);
        const allowed = FWCTL_SCOPE_NAMES.map((scope) => p.evaluate({ ...req, scope }).allowed);
        for (let i = 1; i < allowed.length; i++) {
          if (allowed[i]) expect(allowed[i - 1]).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('is monotonic in maxScope: raising a rule cap never turns an allow into a deny', () => {
    fc.assert(
      fc.property(documentArb, requestArb, fc.nat(), (doc, req, pick) => {
        fc.pre(doc.allow.length > 0);
        const i = pick % doc.allow.length;
        const raised = doc.allow.map((r, j) => (j === i ? { ...r, maxScope: undefined } : r));
        const before = new Policy(doc).evaluate(req).allowed;
        const after = new Policy({ ...doc, allow: raised }).evaluate(req).allowed;
        if (before) expect(after).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

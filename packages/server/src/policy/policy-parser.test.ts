import { AuxError, isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RESUME_ANY_DUMP } from './auxctl-methods.js';
import { GlobPattern } from './glob-pattern.js';
import { parsePolicy, validatePolicy } from './policy-parser.js';
import { documentArb } from './test-support/policy-arbitraries.js';

const rule = { principals: ['alice'], methods: ['*'], devices: ['*'] };

function einval(value: unknown): AuxError {
  try {
    validatePolicy(value);
  } catch (err) {
    if (isAuxError(err, 'EINVAL')) return err;
    throw err;
  }
  throw new Error('expected EINVAL');
}

function pathOf(value: unknown): unknown {
  return einval(value).detail?.path;
}

describe('parsePolicy', () => {
  it('reads a full policy and defaults absent lists to empty', () => {
    const doc = parsePolicy(
      JSON.stringify({
        version: 1,
        deny: [{ principals: ['mallory'], methods: ['*'], devices: ['*'], comment: 'x' }],
        allow: [{ ...rule, maxScope: 'DEBUG_READ_ONLY' }],
      }),
    );
    expect(doc.deny[0]?.comment).toBe('x');
    expect(doc.allow[0]?.maxScope).toBe('DEBUG_READ_ONLY');
    expect(parsePolicy('{"version":1}')).toEqual({ version: 1, deny: [], allow: [] });
  });

  it('names the JSON path of each problem', () => {
    expect(pathOf([])).toBe('$');
    expect(pathOf({ version: 2 })).toBe('$.version');
    expect(pathOf({ version: 1, extra: 1 })).toBe('$.extra');
    expect(pathOf({ version: 1, allow: {} })).toBe('$.allow');
    expect(pathOf({ version: 1, allow: [rule, 7] })).toBe('$.allow[1]');
    expect(pathOf({ version: 1, allow: [{ ...rule, 'bad key': 1 }] })).toBe(
      '$.allow[0]["bad key"]',
    );
    expect(pathOf({ version: 1, allow: [{ ...rule, devices: [] }] })).toBe('$.allow[0].devices');
    expect(pathOf({ version: 1, allow: [{ principals: ['a'], methods: ['*'] }] })).toBe(
      '$.allow[0].devices',
    );
    expect(pathOf({ version: 1, allow: [{ ...rule, maxScope: 'ROOT' }] })).toBe(
      '$.allow[0].maxScope',
    );
    expect(pathOf({ version: 1, deny: [{ ...rule, maxScope: 'DEBUG_WRITE' }] })).toBe(
      '$.deny[0].maxScope',
    );
    expect(pathOf({ version: 1, deny: [{ ...rule, comment: 3 }] })).toBe('$.deny[0].comment');
  });

  it('refuses bad patterns', () => {
    const at = (field: string, p: unknown) =>
      pathOf({ version: 1, allow: [{ ...rule, [field]: ['*', p] }] });
    expect(at('principals', '')).toBe('$.allow[0].principals[1]');
    expect(at('principals', ' alice')).toBe('$.allow[0].principals[1]');
    expect(at('principals', 'a**')).toBe('$.allow[0].principals[1]');
    expect(at('principals', 5)).toBe('$.allow[0].principals[1]');
    expect(at('devices', '0000:08:00.0 ')).toBe('$.allow[0].devices[1]');
    expect(at('methods', 'auxctl.v1.CtlServise/*')).toBe('$.allow[0].methods[1]');
    expect(at('methods', '/auxctl.v1.CtlService/Exec')).toBe('$.allow[0].methods[1]');
    expect(at('methods', 'auxctl.v1.CtlService/(Exec)')).toBe('$.allow[0].methods[1]');
    expect(einval({ version: 1, allow: [{ ...rule, methods: ['Ctl/*'] }] }).message).toMatch(
      /matches no method/,
    );
  });

  it('takes the ResumeAnyDump permission by name, refuses a misspelling, and CtlService/* does not cover it', () => {
    const doc = (m: string) => ({ version: 1, allow: [{ ...rule, methods: [m] }] });
    expect(validatePolicy(doc(RESUME_ANY_DUMP)).allow[0]?.methods).toEqual([RESUME_ANY_DUMP]);
    expect(validatePolicy(doc('auxctl.v1.Permission/*')).allow).toHaveLength(1);
    expect(pathOf(doc('auxctl.v1.Permission/ResumeAnyDumps'))).toBe('$.allow[0].methods[0]');
    expect(new GlobPattern('auxctl.v1.CtlService/*').matches(RESUME_ANY_DUMP)).toBe(false);
  });

  it('checks method patterns against a caller-given list, or not at all', () => {
    const doc = { version: 1, allow: [{ ...rule, methods: ['x.Y/Z'] }] };
    expect(() => validatePolicy(doc)).toThrow(/matches no method/);
    expect(validatePolicy(doc, { knownMethods: ['x.Y/Z'] }).allow).toHaveLength(1);
    expect(validatePolicy(doc, { knownMethods: null }).allow).toHaveLength(1);
  });

  it('reports invalid JSON as EINVAL at $', () => {
    expect(() => parsePolicy('{"version": 1,')).toThrow(AuxError);
    expect(() => parsePolicy('{')).toThrow(/not valid JSON/);
  });

  it('treats __proto__ as an unknown key', () => {
    expect(pathOf(JSON.parse('{"version":1,"__proto__":{"allow":[]}}'))).toBe('$.__proto__');
  });

  it('never throws anything but EINVAL on random JSON text or values', () => {
    const check = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        expect(isAuxError(err, 'EINVAL')).toBe(true);
      }
    };
    fc.assert(
      fc.property(fc.string(), (s) => check(() => parsePolicy(s))),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.json(), (s) => check(() => parsePolicy(s))),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.anything(), (v) => check(() => validatePolicy(v))),
      { numRuns: 500 },
    );
  });

  it('never throws anything but EINVAL on valid policies with one random value swapped in', () => {
    const slots = [
      (d: Record<string, unknown>, v: unknown) => Object.assign(d, { version: v }),
      (d: Record<string, unknown>, v: unknown) => Object.assign(d, { allow: [v] }),
      (d: Record<string, unknown>, v: unknown) =>
        Object.assign(d, { deny: [{ ...rule, methods: v }] }),
      (d: Record<string, unknown>, v: unknown) =>
        Object.assign(d, { allow: [{ ...rule, maxScope: v }] }),
      (d: Record<string, unknown>, v: unknown) =>
        Object.assign(d, { allow: [{ ...rule, principals: [v] }] }),
    ];
    fc.assert(
      fc.property(documentArb, fc.nat(slots.length - 1), fc.jsonValue(), (doc, slot, v) => {
        const broken = JSON.parse(JSON.stringify(doc));
        slots[slot]?.(broken, v);
        try {
          validatePolicy(broken);
        } catch (err) {
          expect(isAuxError(err, 'EINVAL')).toBe(true);
          expect(String((err as AuxError).detail?.path)).toMatch(/^\$/);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips valid generated policies', () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const text = JSON.stringify(doc);
        const parsed = parsePolicy(text);
        expect(parsed).toEqual(JSON.parse(text));
        expect(parsePolicy(JSON.stringify(parsed))).toEqual(parsed);
      }),
      { numRuns: 300 },
    );
  });
});

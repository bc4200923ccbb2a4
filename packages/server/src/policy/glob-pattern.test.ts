import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GlobPattern, globProblem } from './glob-pattern.js';

// Test oracle only: the implementation itself never builds a RegExp.
function oracle(pattern: string, subject: string): boolean {
  const body = pattern
    .split('*')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*');
  return new RegExp(`^${body}$`).test(subject);
}

describe('GlobPattern', () => {
  it('matches whole strings with * as the only metacharacter', () => {
    const exec = new GlobPattern('auxctl.v1.CtlService/*');
    expect(exec.matches('auxctl.v1.CtlService/Exec')).toBe(true);
    expect(exec.matches('auxctl.v1.CtlService/')).toBe(true);
    expect(exec.matches('auxctl.v1.DeviceService/ListDevices')).toBe(false);
    expect(exec.matches('xauxctl.v1.CtlService/Exec')).toBe(false);
    expect(new GlobPattern('0000:08:00.0').matches('0000:08:00.0')).toBe(true);
    expect(new GlobPattern('0000:08:00.0').matches('0000:08:00.00')).toBe(false);
    expect(new GlobPattern('a.c').matches('abc')).toBe(false);
    expect(new GlobPattern('[ab]?').matches('[ab]?')).toBe(true);
    expect(new GlobPattern('[ab]?').matches('a')).toBe(false);
    expect(new GlobPattern('*').matches('')).toBe(true);
  });

  it('does not let prefix and suffix overlap', () => {
    expect(new GlobPattern('ab*ba').matches('aba')).toBe(false);
    expect(new GlobPattern('ab*ba').matches('abba')).toBe(true);
    expect(new GlobPattern('a*b*a').matches('aba')).toBe(true);
    expect(new GlobPattern('a*b*a').matches('aa')).toBe(false);
  });

  it('refuses empty, long, control-character and ** patterns', () => {
    expect(globProblem('')).toMatch(/empty/);
    expect(globProblem('x'.repeat(257))).toMatch(/limit is 256/);
    expect(globProblem('a\nb')).toMatch(/control/);
    expect(globProblem('a**')).toMatch(/\*\*/);
    expect(globProblem('a*b*c')).toBeUndefined();
    expect(() => new GlobPattern('**')).toThrow(TypeError);
  });

  it('agrees with a regular-expression oracle', () => {
    const alphabet = fc.constantFrom('a', 'b', '.', '/', ':', '?', '\\', '(', '[');
    const text = fc.array(alphabet, { maxLength: 12 }).map((a) => a.join(''));
    const pattern = fc
      .array(fc.oneof(alphabet, fc.constant('*')), { minLength: 1, maxLength: 8 })
      .map((a) => a.join(''))
      .filter((p) => globProblem(p) === undefined);
    fc.assert(
      fc.property(pattern, text, (p, s) => {
        expect(new GlobPattern(p).matches(s)).toBe(oracle(p, s));
      }),
      { numRuns: 2000 },
    );
  });
});

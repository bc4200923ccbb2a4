import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FLAG_REQUIREMENTS, flagName, unmetRequirements } from './flag-requirements.js';

describe('auxctld flag requirements', () => {
  it('names flags as typed and says what is missing', () => {
    expect(flagName('bearerClockTolerance')).toBe('--bearer-clock-tolerance');
    expect(unmetRequirements((f) => f === 'bearerIssuer')).toEqual([
      '--bearer-issuer needs --bearer-key (alone it would be ignored)',
    ]);
    expect(unmetRequirements((f) => f === 'bearerIssuer' || f === 'bearerKey')).toEqual([]);
    expect(unmetRequirements((f) => f === 'anonymousPrincipal')).toEqual([
      '--anonymous-principal needs --insecure (alone it would be ignored)',
    ]);
  });

  it('property: a row is reported exactly when its flag is given and what it needs is not', () => {
    const names = [...new Set(FLAG_REQUIREMENTS.flatMap((r) => [r.flag, r.needs]))];
    fc.assert(
      fc.property(fc.subarray(names), (given) => {
        const set = new Set(given);
        const got = unmetRequirements((f) => set.has(f));
        const want = FLAG_REQUIREMENTS.filter((r) => set.has(r.flag) && !set.has(r.needs));
        expect(got).toHaveLength(want.length);
        for (const r of want) expect(got.join('\n')).toContain(`${flagName(r.flag)} needs`);
      }),
    );
  });
});

import { CqeSyndrome } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wcStatus } from './work-completion.js';

describe('wcStatus', () => {
  it('names the device syndromes as ibverbs does', () => {
    expect(wcStatus(CqeSyndrome.REMOTE_ACCESS_ERR)).toBe('REM_ACCESS_ERR');
    expect(wcStatus(CqeSyndrome.TRANSPORT_RETRY_EXC_ERR)).toBe('RETRY_EXC_ERR');
    expect(wcStatus(CqeSyndrome.LOCAL_PROT_ERR)).toBe('LOC_PROT_ERR');
    expect(wcStatus(CqeSyndrome.WR_FLUSH_ERR)).toBe('WR_FLUSH_ERR');
    expect(wcStatus(CqeSyndrome.RNR_RETRY_EXC_ERR)).toBe('RNR_RETRY_EXC_ERR');
    expect(wcStatus(undefined)).toBe('GENERAL_ERR');
  });

  it('maps every known syndrome to a distinct status and anything else to GENERAL_ERR', () => {
    const known = Object.values(CqeSyndrome);
    expect(new Set(known.map(wcStatus)).size).toBe(known.length);
    expect(known.map(wcStatus)).not.toContain('GENERAL_ERR');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), (s) => {
        expect(wcStatus(s) === 'GENERAL_ERR').toBe(!(known as number[]).includes(s));
      }),
    );
  });
});

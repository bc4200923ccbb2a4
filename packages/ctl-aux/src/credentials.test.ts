import { AuxError, UctxCap } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCredentials, privilegeCaps } from './credentials.js';

describe('credentials', () => {
  it('maps privileges to uctx capabilities', () => {
    expect(privilegeCaps({})).toBe(0);
    expect(privilegeCaps({ net_raw: true })).toBe(UctxCap.RAW_TX);
    expect(privilegeCaps({ sys_rawio: true })).toBe(UctxCap.INTERNAL_DEVICE_RESOURCES);
    expect(privilegeCaps({ sys_admin: true })).toBe(UctxCap.TOOLS_RESOURCES);
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), (a, b, c) => {
        const caps = privilegeCaps({ net_raw: a, sys_rawio: b, sys_admin: c });
        expect(caps).toBe((a ? 1 : 0) | (b ? 2 : 0) | (c ? 4 : 0));
      }),
    );
  });

  it('normalises good credentials and refuses anything else with EINVAL', () => {
    expect(checkCredentials({ principal: 'spiffe://x/y', caps: { sys_admin: true } })).toEqual({
      principal: 'spiffe://x/y',
      caps: { net_raw: false, sys_rawio: false, sys_admin: true },
    });
    fc.assert(
      fc.property(fc.anything(), (creds) => {
        try {
          const c = checkCredentials(creds);
          expect(c.principal.length).toBeGreaterThan(0);
          expect(Object.keys(c.caps).sort()).toEqual(['net_raw', 'sys_admin', 'sys_rawio']);
        } catch (e) {
          expect(e).toBeInstanceOf(AuxError);
          expect((e as AuxError).code).toBe('EINVAL');
        }
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }), (principal) => {
        const ok =
          /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(principal) && principal.length <= 256;
        let accepted = true;
        try {
          checkCredentials({ principal });
        } catch {
          accepted = false;
        }
        expect(accepted).toBe(ok);
      }),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FWCTL_SCOPE_NAMES,
  FwctlScope,
  fwctlScopeName,
  isFwctlScope,
  isFwctlScopeName,
  TAINTING_SCOPE,
} from './fwctl-scope.js';

describe('fwctl scopes', () => {
  it('are the Linux enum fwctl_rpc_scope values, names in value order', () => {
    expect(FwctlScope).toEqual({
      CONFIGURATION: 0,
      DEBUG_READ_ONLY: 1,
      DEBUG_WRITE: 2,
      DEBUG_WRITE_FULL: 3,
    });
    for (const [name, value] of Object.entries(FwctlScope)) {
      expect(FWCTL_SCOPE_NAMES[value]).toBe(name);
      expect(fwctlScopeName(value)).toBe(name);
    }
    expect(TAINTING_SCOPE).toBe(FwctlScope.DEBUG_WRITE);
    expect([fwctlScopeName(7), fwctlScopeName(-1), fwctlScopeName(1.5)]).toEqual([
      'scope 7',
      'scope -1',
      'scope 1.5',
    ]);
  });

  it('isFwctlScope accepts exactly 0..3 (property)', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(isFwctlScope(v)).toBe(v === 0 || v === 1 || v === 2 || v === 3);
      }),
    );
    for (const v of [0, 1, 2, 3, -1, 4, 1.5, Number.NaN, '1']) {
      expect(isFwctlScope(v)).toBe([0, 1, 2, 3].includes(v as number));
    }
  });

  it('isFwctlScopeName accepts exactly the four names, in that case (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything()), (v) => {
        expect(isFwctlScopeName(v)).toBe(typeof v === 'string' && Object.hasOwn(FwctlScope, v));
      }),
    );
    expect(isFwctlScopeName('DEBUG_WRITE')).toBe(true);
    expect(isFwctlScopeName('debug_write')).toBe(false);
    expect(isFwctlScopeName('toString')).toBe(false);
  });
});

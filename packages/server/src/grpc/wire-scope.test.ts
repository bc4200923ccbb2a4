import { FwctlScope } from '@auxctl/prm';
import { RpcScope } from '@auxctl/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fwctlScopeOfWire } from './wire-scope.js';

describe('wire scope -> fwctl scope', () => {
  it('maps each named wire scope to the fwctl scope of that name', () => {
    expect(fwctlScopeOfWire(RpcScope.RPC_SCOPE_CONFIGURATION)).toBe(FwctlScope.CONFIGURATION);
    expect(fwctlScopeOfWire(RpcScope.RPC_SCOPE_DEBUG_READ_ONLY)).toBe(FwctlScope.DEBUG_READ_ONLY);
    expect(fwctlScopeOfWire(RpcScope.RPC_SCOPE_DEBUG_WRITE)).toBe(FwctlScope.DEBUG_WRITE);
    expect(fwctlScopeOfWire(RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL)).toBe(FwctlScope.DEBUG_WRITE_FULL);
  });

  it('has no fwctl scope for UNSPECIFIED, UNRECOGNIZED or a number this build does not know', () => {
    expect(fwctlScopeOfWire(RpcScope.RPC_SCOPE_UNSPECIFIED)).toBeUndefined();
    expect(fwctlScopeOfWire(RpcScope.UNRECOGNIZED)).toBeUndefined();
    fc.assert(
      fc.property(
        fc.integer().filter((n) => n < 1 || n > 4),
        (n) => {
          expect(fwctlScopeOfWire(n as RpcScope)).toBeUndefined();
        },
      ),
    );
  });

  it('keeps the order: a higher wire scope is a higher fwctl scope', () => {
    const wire = [1, 2, 3, 4].map((n) => fwctlScopeOfWire(n as RpcScope));
    expect(wire).toEqual([0, 1, 2, 3]);
  });
});

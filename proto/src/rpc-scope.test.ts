import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RpcScope } from './gen/auxctl/v1/scope.js';
import { fwctlScopeOf, rpcScopeOf } from './rpc-scope.js';

describe('RpcScope <-> fwctl scope', () => {
  it('maps each named scope to the Linux fwctl value of the same name', () => {
    expect(fwctlScopeOf(RpcScope.RPC_SCOPE_CONFIGURATION)).toBe(0);
    expect(fwctlScopeOf(RpcScope.RPC_SCOPE_DEBUG_READ_ONLY)).toBe(1);
    expect(fwctlScopeOf(RpcScope.RPC_SCOPE_DEBUG_WRITE)).toBe(2);
    expect(fwctlScopeOf(RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL)).toBe(3);
  });

  it('has no fwctl value for UNSPECIFIED or unrecognized wire values', () => {
    expect(fwctlScopeOf(RpcScope.RPC_SCOPE_UNSPECIFIED)).toBeUndefined();
    expect(fwctlScopeOf(RpcScope.UNRECOGNIZED)).toBeUndefined();
    expect(fwctlScopeOf(17 as RpcScope)).toBeUndefined();
  });

  it('inverts: rpcScopeOf(fwctlScopeOf(s)) = s for every named scope, and only 0..3 map back', () => {
    for (const fw of [0, 1, 2, 3]) {
      const wire = rpcScopeOf(fw);
      expect(wire).toBeDefined();
      expect(fwctlScopeOf(wire as RpcScope)).toBe(fw);
    }
    fc.assert(
      fc.property(
        fc.integer().filter((n) => n < 0 || n > 3),
        (n) => {
          expect(rpcScopeOf(n)).toBeUndefined();
        },
      ),
    );
  });

  it('keeps fwctl order: a higher wire scope is a higher fwctl scope', () => {
    const named = [0, 1, 2, 3].map((fw) => rpcScopeOf(fw) as RpcScope);
    expect([...named].sort((a, b) => a - b)).toEqual(named);
  });
});

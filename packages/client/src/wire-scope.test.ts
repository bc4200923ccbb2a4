import { FwctlScope, type FwctlScopeValue } from '@auxctl/prm';
import { RpcScope } from '@auxctl/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wireScopeOf } from './wire-scope.js';

describe('fwctl scope -> wire scope', () => {
  it('maps each fwctl scope to the wire scope of that name', () => {
    expect(wireScopeOf(FwctlScope.CONFIGURATION)).toBe(RpcScope.RPC_SCOPE_CONFIGURATION);
    expect(wireScopeOf(FwctlScope.DEBUG_READ_ONLY)).toBe(RpcScope.RPC_SCOPE_DEBUG_READ_ONLY);
    expect(wireScopeOf(FwctlScope.DEBUG_WRITE)).toBe(RpcScope.RPC_SCOPE_DEBUG_WRITE);
    expect(wireScopeOf(FwctlScope.DEBUG_WRITE_FULL)).toBe(RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL);
  });

  it('keeps fwctl order on the wire', () => {
    const wire = [0, 1, 2, 3].map((s) => wireScopeOf(s as FwctlScopeValue));
    expect([...wire].sort((a, b) => a - b)).toEqual(wire);
  });

  it('sends anything else as UNSPECIFIED, which the server refuses (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer().filter((n) => n < 0 || n > 3),
          fc.double({ noInteger: true }),
        ),
        (n) => {
          expect(wireScopeOf(n as FwctlScopeValue)).toBe(RpcScope.RPC_SCOPE_UNSPECIFIED);
        },
      ),
    );
  });
});

import { FWCTL_SCOPE_NAMES, type FwctlScopeName } from '@auxctl/prm';
import { RpcScope } from '@auxctl/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wireScopeOf } from './wire-scope.js';

describe('fwctl scope -> wire scope', () => {
  it('maps each fwctl scope to the wire scope of that name', () => {
    expect(wireScopeOf('CONFIGURATION')).toBe(RpcScope.RPC_SCOPE_CONFIGURATION);
    expect(wireScopeOf('DEBUG_READ_ONLY')).toBe(RpcScope.RPC_SCOPE_DEBUG_READ_ONLY);
    expect(wireScopeOf('DEBUG_WRITE')).toBe(RpcScope.RPC_SCOPE_DEBUG_WRITE);
    expect(wireScopeOf('DEBUG_WRITE_FULL')).toBe(RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL);
  });

  it('keeps fwctl order on the wire', () => {
    const wire = FWCTL_SCOPE_NAMES.map((s) => wireScopeOf(s));
    expect([...wire].sort((a, b) => a - b)).toEqual(wire);
  });

  it('sends anything else — a wire enum number included — as UNSPECIFIED, which the server refuses (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer(),
          fc.string().filter((s) => !(FWCTL_SCOPE_NAMES as readonly string[]).includes(s)),
          fc.constantFrom('toString', '__proto__', 'constructor'),
        ),
        (v) => {
          expect(wireScopeOf(v as FwctlScopeName)).toBe(RpcScope.RPC_SCOPE_UNSPECIFIED);
        },
      ),
    );
  });
});

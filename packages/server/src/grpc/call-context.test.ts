import { silentLogger } from '@auxctl/core';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import type { PolicyDecision } from '../policy/index.js';
import {
  type CallContext,
  extendCall,
  newCallContext,
  type ServerCallLike,
} from './call-context.js';

const call: ServerCallLike = {
  metadata: new Metadata(),
  getPeer: () => 'ipv4:127.0.0.1:1',
  getAuthContext: () => ({}),
};
const cancel = { aborted: false, signal: new AbortController().signal };

describe('call contexts', () => {
  it('start with the call, its caller slot and nothing authenticated', () => {
    const ctx = newCallContext('auxctl.v1.CtlService/Exec', call, cancel, silentLogger);
    expect(ctx.method).toBe('auxctl.v1.CtlService/Exec');
    expect(ctx.call).toBe(call);
    expect(ctx.cancel).toBe(cancel);
    expect(ctx.log).toBe(silentLogger);
    expect(ctx.caller).toEqual({});
    expect([ctx.principal, ctx.decide, ctx.authorize, ctx.refuse]).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('extend with what is given, keep the rest and share the caller slot', () => {
    const start = newCallContext('m', call, cancel, silentLogger);
    const authed = extendCall(start, { principal: 'spiffe://auxctl/admin' });
    const decision: PolicyDecision = {
      allowed: true,
      list: 'allow',
      ruleIndex: 0,
      comment: undefined,
      maxScope: 'DEBUG_READ_ONLY',
      reason: 'allow[0] matched',
    };
    const decide = () => decision;
    const refuse = () => {};
    const authz = extendCall(authed, { decide, authorize: decide, refuse });
    expect(authz).not.toBe(authed);
    expect(authz.principal).toBe('spiffe://auxctl/admin');
    expect([authz.decide, authz.authorize, authz.refuse]).toEqual([decide, decide, refuse]);
    expect(authz.caller).toBe(start.caller);
    expect([authz.method, authz.call, authz.cancel, authz.log]).toEqual([
      'm',
      call,
      cancel,
      silentLogger,
    ]);
    // The earlier contexts are unchanged.
    expect(authed.decide).toBeUndefined();
    expect(start.principal).toBeUndefined();
  });

  it('all have every key, in one order, whatever was extended', () => {
    const start = newCallContext('m', call, cancel, silentLogger);
    const later: CallContext[] = [
      extendCall(start, { principal: 'p' }),
      extendCall(extendCall(start, { principal: 'p' }), { refuse: () => {} }),
      extendCall(start, {}),
    ];
    for (const c of later) expect(Object.keys(c)).toEqual(Object.keys(start));
  });
});

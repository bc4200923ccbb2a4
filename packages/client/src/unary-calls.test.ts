import { describe, expect, it } from 'vitest';
import { AuxctlError } from './auxctl-error.js';
import { answered } from './unary-calls.js';

describe('answered', () => {
  it('gives the thing an answer carries, falsy values included', () => {
    const port = { index: 3 };
    expect(answered('Add', 'a port function', port)).toBe(port);
    expect(answered('Count', 'a count', 0)).toBe(0);
  });

  it('an answer without it is INTERNAL, naming the call and the thing', () => {
    let caught: unknown;
    try {
      answered('StartGuest', 'a guest', undefined);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(AuxctlError);
    expect(caught).toMatchObject({ code: 'INTERNAL' });
    expect((caught as Error).message).toContain('StartGuest answered without a guest');
  });
});

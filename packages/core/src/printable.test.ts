import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable } from './printable.js';

describe('printable', () => {
  const hostile = fc.oneof(
    fc.anything({
      withNullPrototype: true,
      withBoxedValues: true,
      withMap: true,
      withSet: true,
      withTypedArray: true,
      withSparseArray: true,
      withObjectString: true,
      withBigInt: true,
    }),
    fc.constantFrom<unknown>(
      { toString: 0 },
      { toString: () => ({}) },
      Object.create(null),
      Symbol('s'),
    ),
  );

  it('never throws and stays short for anything a caller may pass', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const s = printable(v);
        expect(typeof s).toBe('string');
        expect(s.length).toBeLessThanOrEqual(80);
      }),
    );
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    expect(printable(revoked.proxy)).toBe('<Revoked Proxy>');
    const explodes = {
      [inspect.custom]() {
        throw new Error('no');
      },
    };
    expect(printable(explodes)).toBe('<object>');
  });

  it('renders primitives as String does', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.integer(),
          fc.double(),
          fc.boolean(),
          fc.constant(undefined),
          fc.constant(null),
        ),
        (v) => {
          expect(printable(v)).toBe(String(v));
        },
      ),
    );
    expect(printable('eth0')).toBe('eth0');
    expect(printable('a\nb"')).toBe('a\\nb\\"');
    expect(printable({ a: 1 })).toBe('{ a: 1 }');
    expect(printable('x'.repeat(200))).toMatch(/^x{77}\.\.\.$/);
  });
});

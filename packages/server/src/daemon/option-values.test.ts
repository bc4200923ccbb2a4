import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  integerIn,
  listOf,
  nameList,
  nonNegativeInt,
  POSITIVE_MAX,
  positiveInt,
} from './option-values.js';

describe('auxctld option values', () => {
  it('integerIn takes decimal integers in range and nothing else', () => {
    const p = integerIn(1, 64);
    expect(p('1')).toBe(1);
    expect(p(' 64 ')).toBe(64);
    for (const bad of ['0', '65', '', '1e1', '0x10', '-1', '+2', '1.5', 'NaN', 'Infinity', ' ']) {
      expect(() => p(bad), bad).toThrow(InvalidArgumentError);
    }
    expect(() => p('65')).toThrow('must be an integer 1..64');
  });

  it('property: integerIn returns exactly the integers in range and throws InvalidArgumentError otherwise', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.integer().map(String), fc.double().map(String)),
        fc.integer({ min: 0, max: 1000 }),
        fc.integer({ min: 0, max: 1000 }),
        (text, a, b) => {
          const [min, max] = a <= b ? [a, b] : [b, a];
          let got: number | undefined;
          try {
            got = integerIn(min, max)(text);
          } catch (e) {
            expect(e).toBeInstanceOf(InvalidArgumentError);
            return;
          }
          expect(Number.isInteger(got)).toBe(true);
          expect(got).toBeGreaterThanOrEqual(min);
          expect(got).toBeLessThanOrEqual(max);
          expect(String(got)).toBe(text.trim().replace(/^0+(?=\d)/, ''));
        },
      ),
    );
  });

  it('positiveInt and nonNegativeInt bound counts to 31 bits', () => {
    expect(positiveInt(String(POSITIVE_MAX))).toBe(POSITIVE_MAX);
    expect(() => positiveInt(String(POSITIVE_MAX + 1))).toThrow(InvalidArgumentError);
    expect(() => positiveInt('0')).toThrow(InvalidArgumentError);
    expect(nonNegativeInt('0')).toBe(0);
  });

  it('property: nameList splits on commas and refuses empty names and whitespace', () => {
    const name = fc.stringMatching(/^[A-Za-z0-9_.:/-]{1,12}$/);
    fc.assert(
      fc.property(fc.array(name, { minLength: 1, maxLength: 5 }), (names) => {
        expect(nameList(names.join(','))).toEqual(names);
        expect(() => nameList(`${names.join(',')},`)).toThrow(InvalidArgumentError);
        expect(() => nameList([...names, 'x y'].join(','))).toThrow(InvalidArgumentError);
      }),
    );
  });

  it('property: listOf takes distinct known names, comma-separated, and nothing else', () => {
    const names = ['sim', 'fwctl', 'auto'] as const;
    const p = listOf(names);
    expect(p('sim,fwctl')).toEqual(['sim', 'fwctl']);
    expect(p(' auto ')).toEqual(['auto']);
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...names), fc.string()), { minLength: 1 }),
        (parts) => {
          const text = parts.join(',');
          const ok =
            parts.every((x) => (names as readonly string[]).includes(x.trim())) &&
            new Set(parts.map((x) => x.trim())).size === parts.length;
          if (ok) expect(p(text)).toEqual(parts.map((x) => x.trim()));
          else expect(() => p(text)).toThrow(InvalidArgumentError);
        },
      ),
    );
  });
});

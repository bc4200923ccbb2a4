/**
 * Option values: the parsers behind auxctld's flags. Each takes the text
 * the user typed and returns the value or throws commander's
 * InvalidArgumentError saying what is accepted, so `auxctld` prints
 * "error: option '--x <n>' argument 'y' is invalid. <what>" and exits 1.
 *
 * Owns the accepted syntax and ranges of numeric and list flags. Never:
 * defaults (the server's), or reading files.
 */
import { InvalidArgumentError } from 'commander';

/** DECIMAL: what integer flags accept: decimal digits, no sign, exponent or fraction. */
const DECIMAL = /^[0-9]{1,15}$/;

/** integerIn: a parser of decimal integers within min..max (both included). */
export function integerIn(min: number, max: number): (text: string) => number {
  return (text) => {
    const t = text.trim();
    const n = DECIMAL.test(t) ? Number(t) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`must be an integer ${min}..${max}`);
    }
    return n;
  };
}

/** POSITIVE_MAX: the largest count or size any flag takes (2^31 - 1). */
export const POSITIVE_MAX = 2 ** 31 - 1;

/** positiveInt: an integer 1..2^31-1. */
export const positiveInt = integerIn(1, POSITIVE_MAX);

/** nonNegativeInt: an integer 0..2^31-1 (0 usually turns a feature off). */
export const nonNegativeInt = integerIn(0, POSITIVE_MAX);

/** nameList: a comma-separated list of non-empty names without spaces or control characters. */
export function nameList(text: string): string[] {
  const names = text.split(',').map((s) => s.trim());
  if (names.some((n) => n === '' || /[\s\p{Cc}]/u.test(n))) {
    throw new InvalidArgumentError('must be a comma-separated list of names, e.g. HS256,ES256');
  }
  return names;
}

/** oneOf: a parser that accepts exactly one of `values`. */
export function oneOf<const T extends string>(values: readonly T[]): (text: string) => T {
  return (text) => {
    const v = values.find((x) => x === text);
    if (v === undefined) throw new InvalidArgumentError(`must be one of ${values.join(', ')}`);
    return v;
  };
}

/** listOf: a parser of a comma-separated list of distinct `values` (at least one). */
export function listOf<const T extends string>(values: readonly T[]): (text: string) => T[] {
  const one = oneOf(values);
  return (text) => {
    const list = text.split(',').map((s) => one(s.trim()));
    if (new Set(list).size !== list.length) {
      throw new InvalidArgumentError('must not name one twice');
    }
    return list;
  };
}

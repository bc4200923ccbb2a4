/**
 * printable: untrusted values rendered for error messages.
 *
 * Lives in core rather than beside AuxError in @auxctl/prm because it
 * needs `node:util` (inspect), and prm stays free of Node modules other
 * than Buffer.
 *
 * Owns: the rendering rule. Never: throws, or lets a value flood a message.
 */
import { inspect } from 'node:util';

const MAX_PRINTABLE = 80;

/**
 * printable: a bounded, escaped rendering of untrusted input for an error
 * message. Strings come back with control characters escaped, objects as
 * `util.inspect` shows them. Unlike `String(v)` it never throws (a
 * null-prototype object, `{ toString: 0 }`, a throwing custom inspect) and
 * never floods a message.
 */
export function printable(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v).slice(1, -1);
  else if (v === null || (typeof v !== 'object' && typeof v !== 'function')) s = String(v);
  else {
    try {
      s = inspect(v, { depth: 1, breakLength: Number.POSITIVE_INFINITY, maxArrayLength: 8 });
    } catch {
      s = `<${typeof v}>`;
    }
  }
  return s.length > MAX_PRINTABLE ? `${s.slice(0, MAX_PRINTABLE - 3)}...` : s;
}

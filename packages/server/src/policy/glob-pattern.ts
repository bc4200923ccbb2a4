/**
 * GlobPattern: the one pattern language of the policy file.
 *
 * A pattern matches a whole string, case-sensitively. `*` matches any run of
 * zero or more characters (including `/`, `.` and `:`); every other character
 * matches only itself. There are no other metacharacters (`?`, `[`, `\` are
 * literal) and no escapes. A pattern is 1..256 characters, has no control
 * characters and no `**` (a second star adds nothing and usually means the
 * author expected a path-style globstar).
 *
 * Owns: pattern syntax and matching. Never: builds a RegExp from input (so a
 * policy cannot inject one) or backtracks exponentially — matching is a
 * prefix/suffix check plus leftmost `indexOf` per segment, O(pattern x subject).
 */

/** MAX_PATTERN_LENGTH: the longest pattern the policy accepts. */
export const MAX_PATTERN_LENGTH = 256;

// Cc = C0 controls, DEL and C1 controls: invisible in a file review, so refused.
const CONTROL = /\p{Cc}/u;

/** globProblem: why `pattern` is not a valid glob, or undefined when it is. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'is empty; use "*" to match anything';
  if (pattern.length > MAX_PATTERN_LENGTH) {
    return `is ${pattern.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`;
  }
  if (CONTROL.test(pattern)) return 'contains a control character';
  if (pattern.includes('**')) return 'contains "**"; a single "*" already matches any run';
  return undefined;
}

/** GlobPattern: a checked pattern, ready to match. */
export class GlobPattern {
  /** source: the pattern as written. */
  readonly source: string;
  private readonly segments: readonly string[];

  /** GlobPattern: throws TypeError on an invalid pattern; validate with globProblem first. */
  constructor(source: string) {
    const problem = globProblem(source);
    if (problem !== undefined) throw new TypeError(`glob ${JSON.stringify(source)} ${problem}`);
    this.source = source;
    this.segments = source.split('*');
  }

  /** matches: true when the whole of `subject` matches the pattern. */
  matches(subject: string): boolean {
    const segs = this.segments;
    if (segs.length === 1) return subject === segs[0];
    const first = segs[0] ?? '';
    const last = segs[segs.length - 1] ?? '';
    if (subject.length < first.length + last.length) return false;
    if (!subject.startsWith(first) || !subject.endsWith(last)) return false;
    // Middle segments may sit anywhere between the prefix and the suffix;
    // taking each at its leftmost position leaves the most room for the rest.
    let at = first.length;
    const end = subject.length - last.length;
    for (let i = 1; i < segs.length - 1; i++) {
      const seg = segs[i] ?? '';
      const found = subject.indexOf(seg, at);
      if (found < 0 || found + seg.length > end) return false;
      at = found + seg.length;
    }
    return true;
  }

  /** matchesAny: true when any pattern in `patterns` matches `subject`. */
  static matchesAny(patterns: readonly GlobPattern[], subject: string): boolean {
    for (const p of patterns) if (p.matches(subject)) return true;
    return false;
  }
}

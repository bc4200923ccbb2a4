/**
 * Policy parser: the strict validator of the policy file.
 *
 * Every problem is an AuxError('EINVAL') whose message names the JSON path
 * (`$.allow[2].methods[0]`) and says what to write instead; `detail.path`
 * carries the path alone. Unknown keys, empty lists, bad scopes, bad
 * patterns and method patterns that match no known method are all refused:
 * a policy that means something other than what it says is worse than none.
 *
 * Owns: turning untrusted JSON into a PolicyDocument. Never: returns a
 * document sharing objects with its input, or throws anything but EINVAL.
 */

import { printable } from '@auxctl/core';
import { AuxError, FWCTL_SCOPE_NAMES, isFwctlScopeName } from '@auxctl/prm';
import { AUXCTL_METHODS } from './auxctl-methods.js';
import { GlobPattern, globProblem } from './glob-pattern.js';
import {
  POLICY_LIMITS,
  POLICY_VERSION,
  type PolicyDocument,
  type PolicyList,
  type PolicyRule,
} from './policy-document.js';

/** PolicyParseOptions: what the parser checks method patterns against. */
export interface PolicyParseOptions {
  /** Methods a method pattern must match at least one of; null disables the check. */
  readonly knownMethods?: readonly string[] | null;
}

type Field = 'principals' | 'methods' | 'devices';

// Characters each field may use besides `*`; principals are free text
// (URI SANs, certificate CNs) and only refuse what globProblem refuses.
const FIELD_CHARS: Record<Field, RegExp | undefined> = {
  principals: undefined,
  methods: /^[A-Za-z0-9_./*]+$/,
  devices: /^[A-Za-z0-9_.:*-]+$/,
};

const TOP_KEYS = new Set(['version', 'deny', 'allow']);
const RULE_KEYS = new Set(['principals', 'methods', 'devices', 'maxScope', 'comment']);

function fail(path: string, what: string): never {
  throw new AuxError('EINVAL', `policy ${path}: ${what}`, { path });
}

function key(path: string, k: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkKeys(v: Record<string, unknown>, allowed: Set<string>, path: string): void {
  for (const k of Object.keys(v)) {
    if (!allowed.has(k))
      fail(key(path, k), `unknown key; allowed keys are ${[...allowed].join(', ')}`);
  }
}

function patterns(
  v: unknown,
  field: Field,
  path: string,
  known: readonly string[] | null,
): string[] {
  if (!Array.isArray(v)) fail(path, `must be a list of patterns, e.g. ["*"]`);
  if (v.length === 0)
    fail(path, 'is empty; a rule must name at least one pattern (use "*" for any)');
  if (v.length > POLICY_LIMITS.patterns)
    fail(path, `has more than ${POLICY_LIMITS.patterns} patterns`);
  return v.map((p: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof p !== 'string') fail(at, 'must be a string pattern');
    const problem = globProblem(p);
    if (problem !== undefined) fail(at, `pattern ${JSON.stringify(p)} ${problem}`);
    if (field === 'principals' && p.trim() !== p) fail(at, 'has leading or trailing whitespace');
    const chars = FIELD_CHARS[field];
    if (chars && !chars.test(p))
      fail(at, `pattern ${JSON.stringify(p)} has characters a ${field.slice(0, -1)} never has`);
    if (field === 'methods' && known) {
      if (p.startsWith('/'))
        fail(at, `write ${JSON.stringify(p.slice(1))} without the leading "/"`);
      const glob = new GlobPattern(p);
      if (!known.some((m) => glob.matches(m))) {
        fail(at, `pattern ${JSON.stringify(p)} matches no method; methods are ${known.join(', ')}`);
      }
    }
    return p;
  });
}

function rule(
  v: unknown,
  list: PolicyList,
  path: string,
  known: readonly string[] | null,
): PolicyRule {
  if (!isObject(v)) fail(path, 'must be an object with principals, methods and devices');
  checkKeys(v, RULE_KEYS, path);
  for (const f of ['principals', 'methods', 'devices'] as const) {
    if (!(f in v)) fail(key(path, f), 'is required');
  }
  const out: {
    principals: string[];
    methods: string[];
    devices: string[];
    maxScope?: PolicyRule['maxScope'];
    comment?: string;
  } = {
    principals: patterns(v.principals, 'principals', key(path, 'principals'), known),
    methods: patterns(v.methods, 'methods', key(path, 'methods'), known),
    devices: patterns(v.devices, 'devices', key(path, 'devices'), known),
  };
  if ('maxScope' in v) {
    if (list === 'deny') fail(key(path, 'maxScope'), 'applies to allow rules only; remove it');
    if (!isFwctlScopeName(v.maxScope)) {
      fail(key(path, 'maxScope'), `must be one of ${FWCTL_SCOPE_NAMES.join(', ')}`);
    }
    out.maxScope = v.maxScope;
  }
  if ('comment' in v) {
    if (typeof v.comment !== 'string') fail(key(path, 'comment'), 'must be a string');
    if (v.comment.length > POLICY_LIMITS.comment) {
      fail(key(path, 'comment'), `is longer than ${POLICY_LIMITS.comment} characters`);
    }
    out.comment = v.comment;
  }
  return out;
}

function rules(v: unknown, list: PolicyList, known: readonly string[] | null): PolicyRule[] {
  const path = `$.${list}`;
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(path, 'must be a list of rules');
  if (v.length > POLICY_LIMITS.rules) fail(path, `has more than ${POLICY_LIMITS.rules} rules`);
  return v.map((r: unknown, i) => rule(r, list, `${path}[${i}]`, known));
}

/** validatePolicy: checks a parsed JSON value and returns a fresh PolicyDocument; EINVAL naming the path. */
export function validatePolicy(value: unknown, options: PolicyParseOptions = {}): PolicyDocument {
  const known = options.knownMethods === undefined ? AUXCTL_METHODS : options.knownMethods;
  if (!isObject(value)) fail('$', 'must be an object like {"version": 1, "deny": [], "allow": []}');
  checkKeys(value, TOP_KEYS, '$');
  if (value.version !== POLICY_VERSION) fail('$.version', `must be ${POLICY_VERSION}`);
  return {
    version: POLICY_VERSION,
    deny: rules(value.deny, 'deny', known),
    allow: rules(value.allow, 'allow', known),
  };
}

/** parsePolicy: JSON text -> validated PolicyDocument; EINVAL for bad JSON or a bad policy. */
export function parsePolicy(text: string, options: PolicyParseOptions = {}): PolicyDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : printable(err);
    throw new AuxError('EINVAL', `policy $: not valid JSON (${why})`, { path: '$' });
  }
  return validatePolicy(value, options);
}

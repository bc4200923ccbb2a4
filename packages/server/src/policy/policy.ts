/**
 * Policy: a validated policy document, compiled for evaluation.
 *
 * Evaluation order (DESIGN §5): every deny rule first — any match denies;
 * then allow rules in file order — the first match whose `maxScope` is at
 * least the requested scope allows; nothing matching denies. A rule matches
 * when a principal pattern, a method pattern and a device pattern all match.
 * A request without a device (ListDevices, WatchDevices) is matched only by
 * rules whose devices include "*", so a rule scoped to some devices never
 * speaks for the whole host. A request without a scope is matched by any
 * allow rule regardless of its maxScope.
 *
 * Owns: the decision and its reason. Never: I/O, logging, or throwing for a
 * well-formed request (a malformed one — unknown scope — is EINVAL).
 */
import { mapEntry } from '@auxctl/core';
import type { FwctlScopeName } from '@auxctl/prm';
import { GlobPattern } from './glob-pattern.js';
import type { PolicyDocument, PolicyList, PolicyRule } from './policy-document.js';
import { type PolicyParseOptions, parsePolicy, validatePolicy } from './policy-parser.js';
import { HIGHEST_SCOPE, scopeRank } from './policy-scope.js';

/** PolicyRequest: one call to authorize. */
export interface PolicyRequest {
  /** Authenticated principal (URI SAN, CN, or token subject). */
  readonly principal: string;
  /** `auxctl.v1.CtlService/Exec`; a leading `/` (gRPC path form) is ignored. */
  readonly method: string;
  /** PCI address of the target device; absent for host-wide methods. */
  readonly device?: string;
  /** Scope the call needs; absent for methods without one. */
  readonly scope?: FwctlScopeName;
}

/** PolicyDecision: the verdict and what the audit log records about it. */
export interface PolicyDecision {
  readonly allowed: boolean;
  /**
   * List of the deciding rule: the matching deny rule, the granting allow
   * rule, or (denied for scope) the first allow rule that matched but grants
   * too little; undefined when no rule matched (default deny).
   */
  readonly list: PolicyList | undefined;
  /** Index of the deciding rule in `list`. */
  readonly ruleIndex: number | undefined;
  /** The deciding rule's comment, if it has one. */
  readonly comment: string | undefined;
  /** When allowed: the highest scope the deciding rule grants. */
  readonly maxScope: FwctlScopeName | undefined;
  /** One line for the audit log, e.g. `deny[0] matched`. */
  readonly reason: string;
}

interface CompiledRule {
  readonly principals: readonly GlobPattern[];
  readonly methods: readonly GlobPattern[];
  readonly devices: readonly GlobPattern[];
  readonly maxScope: FwctlScopeName;
  readonly comment: string | undefined;
}

function compile(rule: PolicyRule): CompiledRule {
  const globs = (ps: readonly string[]) => ps.map((p) => new GlobPattern(p));
  return {
    principals: globs(rule.principals),
    methods: globs(rule.methods),
    devices: globs(rule.devices),
    maxScope: rule.maxScope ?? HIGHEST_SCOPE,
    comment: rule.comment,
  };
}

function matches(rule: CompiledRule, principal: string, method: string, device?: string): boolean {
  if (!GlobPattern.matchesAny(rule.principals, principal)) return false;
  if (!GlobPattern.matchesAny(rule.methods, method)) return false;
  if (device === undefined) return rule.devices.some((d) => d.source === '*');
  return GlobPattern.matchesAny(rule.devices, device);
}

/** DECISIONS_KEPT: how many distinct requests a policy remembers the decision of. */
const DECISIONS_KEPT = 4096;

/** NONE: the key of an absent device or scope (no string equals it). */
const NONE = Symbol('none');

type ByScope = Map<string | symbol, PolicyDecision>;
type ByDevice = Map<string | symbol, ByScope>;

/**
 * DecisionCache: decisions by principal, method, device and scope, in maps
 * nested in that order, at most DECISIONS_KEPT (then forgotten all at
 * once). Each part is looked up as the string the call already holds,
 * whose hash V8 keeps with it, where one key joined from the four was
 * built, flattened and hashed again on every call.
 */
class DecisionCache {
  private readonly byPrincipal = new Map<string, Map<string, ByDevice>>();
  private size = 0;

  get(req: PolicyRequest): PolicyDecision | undefined {
    return this.byPrincipal
      .get(req.principal)
      ?.get(req.method)
      ?.get(req.device ?? NONE)
      ?.get(req.scope ?? NONE);
  }

  set(req: PolicyRequest, d: PolicyDecision): void {
    if (this.size >= DECISIONS_KEPT) {
      this.byPrincipal.clear();
      this.size = 0;
    }
    const byMethod = mapEntry(this.byPrincipal, req.principal, () => new Map<string, ByDevice>());
    const byDevice = mapEntry(byMethod, req.method, (): ByDevice => new Map());
    mapEntry(byDevice, req.device ?? NONE, (): ByScope => new Map()).set(req.scope ?? NONE, d);
    this.size++;
  }
}

/** Policy: evaluate requests against one immutable policy document. */
export class Policy {
  readonly document: PolicyDocument;
  private readonly deny: readonly CompiledRule[];
  private readonly allow: readonly CompiledRule[];
  private readonly decisions = new DecisionCache();

  /** Policy: compile an already validated document (see parsePolicy / validatePolicy). */
  constructor(document: PolicyDocument) {
    this.document = document;
    this.deny = document.deny.map(compile);
    this.allow = document.allow.map(compile);
  }

  /** parse: JSON text -> Policy; AuxError('EINVAL') naming the JSON path on any problem. */
  static parse(text: string, options?: PolicyParseOptions): Policy {
    return new Policy(parsePolicy(text, options));
  }

  /** from: a parsed JSON value -> Policy; AuxError('EINVAL') naming the JSON path. */
  static from(value: unknown, options?: PolicyParseOptions): Policy {
    return new Policy(validatePolicy(value, options));
  }

  /**
   * evaluate: the decision for `req`; EINVAL only when `req.scope` is not a
   * scope name. A policy never changes, so decisions are kept (up to
   * DECISIONS_KEPT, then forgotten all at once): every call asks again.
   */
  evaluate(req: PolicyRequest): PolicyDecision {
    const known = this.decisions.get(req);
    if (known !== undefined) return known;
    const d = this.decide(req);
    this.decisions.set(req, d);
    return d;
  }

  private decide(req: PolicyRequest): PolicyDecision {
    const method = req.method.startsWith('/') ? req.method.slice(1) : req.method;
    const wanted = req.scope === undefined ? -1 : scopeRank(req.scope);
    const decide = (
      allowed: boolean,
      list: PolicyList | undefined,
      ruleIndex: number | undefined,
      reason: string,
    ): PolicyDecision => {
      const rule =
        list === undefined || ruleIndex === undefined ? undefined : this[list][ruleIndex];
      return {
        allowed,
        list,
        ruleIndex,
        comment: rule?.comment,
        maxScope: allowed ? rule?.maxScope : undefined,
        reason,
      };
    };
    for (const [i, rule] of this.deny.entries()) {
      if (matches(rule, req.principal, method, req.device)) {
        return decide(false, 'deny', i, `deny[${i}] matched`);
      }
    }
    let tooLow: number | undefined;
    for (const [i, rule] of this.allow.entries()) {
      if (!matches(rule, req.principal, method, req.device)) continue;
      if (scopeRank(rule.maxScope) >= wanted) {
        return decide(true, 'allow', i, `allow[${i}] matched, grants up to ${rule.maxScope}`);
      }
      tooLow ??= i;
    }
    if (tooLow !== undefined) {
      const capped = this.allow[tooLow]?.maxScope;
      return decide(
        false,
        'allow',
        tooLow,
        `allow[${tooLow}] matched but grants at most ${capped}; ${req.scope} was requested`,
      );
    }
    return decide(false, undefined, undefined, 'no allow rule matched');
  }
}

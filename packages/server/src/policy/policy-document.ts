/**
 * PolicyDocument: the authorization policy as plain data, exactly as the
 * JSON file says it (after validation).
 *
 * Owns: the shape of the file and its limits. Never: evaluation (see
 * policy.ts) or file I/O (see policy-store.ts).
 */
import type { FwctlScopeName } from '@auxctl/prm';

/** POLICY_VERSION: the only file format version this server reads. */
export const POLICY_VERSION = 1;

/** POLICY_LIMITS: bounds that keep a policy small enough to review and fast to evaluate. */
export const POLICY_LIMITS = {
  /** Rules per list (`deny`, `allow`). */
  rules: 4096,
  /** Patterns per rule field (`principals`, `methods`, `devices`). */
  patterns: 1024,
  /** Characters in a rule's `comment`. */
  comment: 1024,
  /** Bytes in the policy file. */
  fileBytes: 1024 * 1024,
} as const;

/**
 * PolicyRule: who (principals) may or may not call what (methods) on which
 * devices. `maxScope` appears on allow rules only; absent means any scope.
 */
export interface PolicyRule {
  readonly principals: readonly string[];
  readonly methods: readonly string[];
  readonly devices: readonly string[];
  readonly maxScope?: FwctlScopeName;
  readonly comment?: string;
}

/** PolicyDocument: version 1 of the policy file; absent lists read as empty. */
export interface PolicyDocument {
  readonly version: typeof POLICY_VERSION;
  readonly deny: readonly PolicyRule[];
  readonly allow: readonly PolicyRule[];
}

/** PolicyList: which list a rule sits in. */
export type PolicyList = 'deny' | 'allow';

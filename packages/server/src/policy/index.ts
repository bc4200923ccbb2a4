/**
 * Policy: the authorization policy file, its parser, evaluation and the
 * live, reloading store.
 */
export { AUXCTL_METHODS, RESUME_ANY_DUMP } from './auxctl-methods.js';
export { GlobPattern, globProblem, MAX_PATTERN_LENGTH } from './glob-pattern.js';
export { Policy, type PolicyDecision, type PolicyRequest } from './policy.js';
export {
  POLICY_LIMITS,
  POLICY_VERSION,
  type PolicyDocument,
  type PolicyList,
  type PolicyRule,
} from './policy-document.js';
export { type PolicyParseOptions, parsePolicy, validatePolicy } from './policy-parser.js';
export { HIGHEST_SCOPE, scopeRank } from './policy-scope.js';
export {
  type PolicyReloadResult,
  PolicyStore,
  type PolicyStoreOptions,
} from './policy-store.js';

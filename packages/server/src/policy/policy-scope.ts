/**
 * Policy scopes: how the policy file grants fwctl scopes. A rule's
 * `maxScope` is a scope's name (`FwctlScope` from @auxctl/prm: the names,
 * values and order are Linux fwctl's, the same everywhere in auxctl); a
 * rule without one grants the highest scope.
 *
 * Owns: that default and the EINVAL for a name that is not a scope.
 * Never: the scope names or their order (prm), or what an opcode needs.
 */
import {
  AuxError,
  FWCTL_SCOPE_NAMES,
  FwctlScope,
  type FwctlScopeName,
  isFwctlScopeName,
} from '@auxctl/prm';

/** HIGHEST_SCOPE: what an allow rule without `maxScope` grants. */
export const HIGHEST_SCOPE: FwctlScopeName = 'DEBUG_WRITE_FULL';

/** scopeRank: the fwctl value of `name` (0..3); EINVAL for anything else. */
export function scopeRank(name: FwctlScopeName): number {
  if (!isFwctlScopeName(name)) {
    throw new AuxError(
      'EINVAL',
      `scope ${JSON.stringify(name)} is unknown; use one of ${FWCTL_SCOPE_NAMES.join(', ')}`,
    );
  }
  return FwctlScope[name];
}

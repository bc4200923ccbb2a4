/**
 * Policy scopes: the fwctl RPC scopes as the policy file names them.
 *
 * The names and their order are Linux fwctl's `enum fwctl_rpc_scope`
 * (CONFIGURATION 0 < DEBUG_READ_ONLY 1 < DEBUG_WRITE 2 < DEBUG_WRITE_FULL 3),
 * the same values as ctl-aux's RpcScope. The wire enum (proto RpcScope) is
 * shifted by one; converting it is the server's job, not the policy's.
 *
 * Owns: scope names and ranks. Never: decides what an opcode needs.
 */
import { AuxError } from '@auxctl/prm';

/** POLICY_SCOPES: scope names, lowest first; the index is the fwctl value. */
export const POLICY_SCOPES = [
  'CONFIGURATION',
  'DEBUG_READ_ONLY',
  'DEBUG_WRITE',
  'DEBUG_WRITE_FULL',
] as const;

/** PolicyScopeName: one of {@link POLICY_SCOPES}. */
export type PolicyScopeName = (typeof POLICY_SCOPES)[number];

/** HIGHEST_SCOPE: what an allow rule without `maxScope` grants. */
export const HIGHEST_SCOPE: PolicyScopeName = 'DEBUG_WRITE_FULL';

/** isPolicyScopeName: true for exactly the four scope names. */
export function isPolicyScopeName(v: unknown): v is PolicyScopeName {
  return typeof v === 'string' && (POLICY_SCOPES as readonly string[]).includes(v);
}

/** scopeRank: the fwctl value of `name` (0..3); EINVAL for anything else. */
export function scopeRank(name: PolicyScopeName): number {
  const rank = (POLICY_SCOPES as readonly string[]).indexOf(name);
  if (rank < 0) {
    throw new AuxError(
      'EINVAL',
      `scope ${JSON.stringify(name)} is unknown; use one of ${POLICY_SCOPES.join(', ')}`,
    );
  }
  return rank;
}

/**
 * WireScope: the server's one crossing between the wire scope (proto
 * `auxctl.v1.RpcScope`) and the fwctl scope everything behind the gRPC
 * layer uses (`FwctlScope` from @auxctl/prm: ctl-aux, the policy, audit).
 *
 * The wire enum keeps 0 for "not given" (buf STANDARD lint, and so a
 * forgotten field is refused rather than read as CONFIGURATION), which
 * shifts every fwctl scope up by one; the table below names each pair
 * instead of doing that arithmetic. The client has its own crossing for
 * the opposite direction.
 *
 * Owns: the wire -> fwctl mapping. Never: decides what a scope allows.
 */
import { FwctlScope, type FwctlScopeValue } from '@auxctl/prm';
import { RpcScope } from '@auxctl/proto';

const fromWire: ReadonlyMap<RpcScope, FwctlScopeValue> = new Map([
  [RpcScope.RPC_SCOPE_CONFIGURATION, FwctlScope.CONFIGURATION],
  [RpcScope.RPC_SCOPE_DEBUG_READ_ONLY, FwctlScope.DEBUG_READ_ONLY],
  [RpcScope.RPC_SCOPE_DEBUG_WRITE, FwctlScope.DEBUG_WRITE],
  [RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL, FwctlScope.DEBUG_WRITE_FULL],
]);

/**
 * fwctlScopeOfWire: the fwctl scope a request asked for; undefined for
 * RPC_SCOPE_UNSPECIFIED and values this build does not know (the caller
 * answers those with INVALID_ARGUMENT).
 */
export function fwctlScopeOfWire(scope: RpcScope): FwctlScopeValue | undefined {
  return fromWire.get(scope);
}

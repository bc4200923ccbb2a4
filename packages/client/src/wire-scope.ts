/**
 * WireScope: the client's one crossing from the fwctl scope its API takes
 * (`FwctlScope` from @auxctl/prm, the scope type of all of auxctl) to the
 * wire scope (proto `auxctl.v1.RpcScope`, which keeps 0 for "not given"
 * and so numbers every fwctl scope one higher). The server crosses back in
 * its gRPC layer.
 *
 * Owns: the fwctl -> wire mapping. Never: decides which scope a command needs.
 */
import { FwctlScope, type FwctlScopeValue } from '@auxctl/prm';
import { RpcScope } from '@auxctl/proto';

const toWire: Readonly<Record<FwctlScopeValue, RpcScope>> = {
  [FwctlScope.CONFIGURATION]: RpcScope.RPC_SCOPE_CONFIGURATION,
  [FwctlScope.DEBUG_READ_ONLY]: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY,
  [FwctlScope.DEBUG_WRITE]: RpcScope.RPC_SCOPE_DEBUG_WRITE,
  [FwctlScope.DEBUG_WRITE_FULL]: RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL,
};

/**
 * wireScopeOf: the wire scope of a fwctl scope. A value outside 0..3 (a
 * caller past the type system) goes out as RPC_SCOPE_UNSPECIFIED, which the
 * server refuses with INVALID_ARGUMENT.
 */
export function wireScopeOf(scope: FwctlScopeValue): RpcScope {
  return toWire[scope] ?? RpcScope.RPC_SCOPE_UNSPECIFIED;
}

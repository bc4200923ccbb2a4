/**
 * WireScope: the client's one crossing from the fwctl scope its API takes
 * (a `FwctlScopeName` from @auxctl/prm, the scope type of all of auxctl:
 * a name, so a wire enum number cannot be passed by mistake) to the
 * wire scope (proto `auxctl.v1.RpcScope`, which keeps 0 for "not given"
 * and so numbers every fwctl scope one higher). The server crosses back in
 * its gRPC layer.
 *
 * Owns: the fwctl -> wire mapping. Never: decides which scope a command needs.
 */
import type { FwctlScopeName } from '@auxctl/prm';
import { RpcScope } from '@auxctl/proto/ctl';

const toWire: Readonly<Record<FwctlScopeName, RpcScope>> = {
  CONFIGURATION: RpcScope.RPC_SCOPE_CONFIGURATION,
  DEBUG_READ_ONLY: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY,
  DEBUG_WRITE: RpcScope.RPC_SCOPE_DEBUG_WRITE,
  DEBUG_WRITE_FULL: RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL,
};

/**
 * wireScopeOf: the wire scope of a fwctl scope name. Anything else (a
 * caller past the type system) goes out as RPC_SCOPE_UNSPECIFIED, which the
 * server refuses with INVALID_ARGUMENT.
 */
export function wireScopeOf(scope: FwctlScopeName): RpcScope {
  return Object.hasOwn(toWire, scope) ? toWire[scope] : RpcScope.RPC_SCOPE_UNSPECIFIED;
}

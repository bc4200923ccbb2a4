/**
 * RpcScope <-> Linux fwctl scope values.
 *
 * The wire enum `auxctl.v1.RpcScope` keeps 0 for "not given" (buf STANDARD
 * lint, and so a forgotten field is refused rather than read as
 * CONFIGURATION), which shifts every fwctl scope up by one:
 * fwctl = wire - 1. This module is the only place that arithmetic lives.
 *
 * Owns: the mapping. Never: decides what a scope allows (ctl-aux does).
 */
import { RpcScope } from './gen/auxctl/v1/scope.js';

/** FwctlScope: the Linux `enum fwctl_rpc_scope` values. */
export type FwctlScope = 0 | 1 | 2 | 3;

const toFwctl = new Map<RpcScope, FwctlScope>([
  [RpcScope.RPC_SCOPE_CONFIGURATION, 0],
  [RpcScope.RPC_SCOPE_DEBUG_READ_ONLY, 1],
  [RpcScope.RPC_SCOPE_DEBUG_WRITE, 2],
  [RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL, 3],
]);

const fromFwctl = new Map<number, RpcScope>([...toFwctl].map(([wire, fw]) => [fw, wire]));

/**
 * fwctlScopeOf: the fwctl value of a wire scope; undefined for
 * RPC_SCOPE_UNSPECIFIED and values this build does not know (a server
 * answers those with INVALID_ARGUMENT).
 */
export function fwctlScopeOf(scope: RpcScope): FwctlScope | undefined {
  return toFwctl.get(scope);
}

/** rpcScopeOf: the wire scope of a fwctl value; undefined for anything but 0..3. */
export function rpcScopeOf(fwctl: number): RpcScope | undefined {
  return fromFwctl.get(fwctl);
}

/**
 * Fwctl scopes: how much a caller may do to a device, as Linux fwctl
 * defines them (`enum fwctl_rpc_scope`). This is auxctl's one scope type:
 * ctl-aux checks RPCs against it, the server's policy grants it by name,
 * and the client asks for it; the wire enum (proto `RpcScope`, shifted by
 * one so that 0 means "not given") is mapped to and from it once on each
 * side of the wire, in the server's gRPC layer and in the client.
 *
 * Scopes are ordered: an RPC is allowed when the scope its opcode needs is
 * at most the scope the caller asked for.
 * - CONFIGURATION (0): supported, documented configuration and queries;
 * - DEBUG_READ_ONLY (1): read-only debug information;
 * - DEBUG_WRITE (2): debug writes; using it taints the device;
 * - DEBUG_WRITE_FULL (3): anything the firmware accepts; needs sys_rawio
 *   and taints the device.
 *
 * Owns: the values, their names and order, and where tainting starts.
 * Never: which scope an opcode needs (ctl-aux's scope table) or who may
 * use which (the server's policy).
 */

/** FwctlScope: the fwctl scope values by name. */
export const FwctlScope = {
  CONFIGURATION: 0,
  DEBUG_READ_ONLY: 1,
  DEBUG_WRITE: 2,
  DEBUG_WRITE_FULL: 3,
} as const;

/** FwctlScopeValue: one of the {@link FwctlScope} values. */
export type FwctlScopeValue = (typeof FwctlScope)[keyof typeof FwctlScope];

/** FwctlScopeName: one of the {@link FwctlScope} names. */
export type FwctlScopeName = keyof typeof FwctlScope;

/** FWCTL_SCOPE_NAMES: the scope names, lowest first; a name's index is its value. */
export const FWCTL_SCOPE_NAMES: readonly FwctlScopeName[] = [
  'CONFIGURATION',
  'DEBUG_READ_ONLY',
  'DEBUG_WRITE',
  'DEBUG_WRITE_FULL',
];

/** TAINTING_SCOPE: the lowest scope whose RPCs taint the device. */
export const TAINTING_SCOPE: FwctlScopeValue = FwctlScope.DEBUG_WRITE;

/** isFwctlScope: true for one of the four scope values (and nothing else). */
export function isFwctlScope(v: unknown): v is FwctlScopeValue {
  return typeof v === 'number' && FWCTL_SCOPE_NAMES[v] !== undefined;
}

/** isFwctlScopeName: true for exactly the four scope names. */
export function isFwctlScopeName(v: unknown): v is FwctlScopeName {
  return typeof v === 'string' && (FWCTL_SCOPE_NAMES as readonly string[]).includes(v);
}

/** fwctlScopeName: `DEBUG_READ_ONLY` for 1; `scope N` for a number the uAPI does not define. */
export function fwctlScopeName(v: FwctlScopeValue): FwctlScopeName;
export function fwctlScopeName(v: number): string;
export function fwctlScopeName(v: number): string {
  return FWCTL_SCOPE_NAMES[v] ?? `scope ${v}`;
}

/**
 * RPC scopes: how much a caller may do to the device, as Linux fwctl
 * defines them (`enum fwctl_rpc_scope`).
 *
 * Scopes are ordered: an RPC is allowed when the scope its opcode needs
 * (see scope-table.ts) is at most the scope the caller asked for.
 * - CONFIGURATION (0): supported, documented configuration and queries;
 * - DEBUG_READ_ONLY (1): read-only debug information;
 * - DEBUG_WRITE (2): debug writes; using it taints the device;
 * - DEBUG_WRITE_FULL (3): anything the firmware accepts; needs sys_rawio
 *   and taints the device.
 *
 * Owns: the scope values and their names. Never: the opcode rules.
 */

import { printable } from '@auxctl/core';

/** RpcScope: the fwctl scope values. */
export const RpcScope = {
  CONFIGURATION: 0,
  DEBUG_READ_ONLY: 1,
  DEBUG_WRITE: 2,
  DEBUG_WRITE_FULL: 3,
} as const;

/** RpcScopeValue: one of the {@link RpcScope} values. */
export type RpcScopeValue = (typeof RpcScope)[keyof typeof RpcScope];

/** RpcScopeName: one of the {@link RpcScope} names. */
export type RpcScopeName = keyof typeof RpcScope;

const names = new Map<number, RpcScopeName>(
  Object.entries(RpcScope).map(([k, v]) => [v, k as RpcScopeName]),
);

/** isRpcScope: true for one of the four scope values (and nothing else). */
export function isRpcScope(v: unknown): v is RpcScopeValue {
  return typeof v === 'number' && names.has(v);
}

/** scopeName: `DEBUG_READ_ONLY` for 1, `UNKNOWN_<v>` for anything else. */
export function scopeName(v: unknown): string {
  return (typeof v === 'number' && names.get(v)) || `UNKNOWN_${printable(v)}`;
}

/** TAINTING_SCOPE: the lowest scope whose RPCs taint the device. */
export const TAINTING_SCOPE: RpcScopeValue = RpcScope.DEBUG_WRITE;

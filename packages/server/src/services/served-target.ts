/**
 * Finding what a call names among the served devices, under the policy:
 * the services that manage things devices offer (vdpa devices, PCI
 * functions, migratable VFs) answer "not found" only to a caller who may
 * act on some device at the method's scope, and a denial to anyone else,
 * so existence is told only to callers who manage something.
 *
 * Owns: that rule. Never: what is searched (the caller's lookup).
 */
import type { FwctlScopeName } from '@auxctl/prm';
import { AuxError } from '@auxctl/prm';
import { authorizedCall, authorizeTarget, type CallContext } from '../grpc/call-context.js';

/** mayActOn: whether the policy lets the caller act on `device` at `scope` (no audit line). */
export function mayActOn(ctx: CallContext, device: string, scope: FwctlScopeName): boolean {
  return authorizedCall(ctx).decide({ device, scope }).allowed;
}

/**
 * authorizedFind: `found` once the caller may act on its device at `scope`.
 * When nothing was found: the policy's denial for a caller who may act on
 * none of `known()` at `scope`, else ENOENT with `missing`.
 */
export function authorizedFind<T extends { readonly device: { readonly name: string } }>(
  ctx: CallContext,
  scope: FwctlScopeName,
  found: T | undefined,
  known: () => readonly string[],
  missing: string,
): T {
  if (found === undefined) {
    if (!known().some((d) => mayActOn(ctx, d, scope))) authorizeTarget(ctx, {});
    throw new AuxError('ENOENT', missing);
  }
  authorizeTarget(ctx, { device: found.device.name, scope });
  return found;
}

/**
 * CtlAccess: how a CtlService call turns a device and a wire scope into an
 * authorized ctl context.
 *
 * Owns the wire scope check (UNSPECIFIED or unknown -> EINVAL), the policy
 * check at that scope, and the privileges a context gets: sys_admin
 * (TOOLS_RESOURCES, which dumps and diagnostics need) for every authorized
 * caller, and sys_rawio only at DEBUG_WRITE_FULL, the one scope ctl-aux
 * gates on it. The policy, not the credential, is what limits a caller.
 * The policy is asked before the device is looked up, so a caller it
 * refuses learns nothing of which devices exist. It must never open a
 * context before the policy allowed it.
 */

import type { CtlChannel } from '@auxctl/ctl-aux';
import { AuxError, FwctlScope, type FwctlScopeValue, fwctlScopeName } from '@auxctl/prm';
import type { RpcScope } from '@auxctl/proto';
import type { DeviceSources } from '../devices/device-sources.js';
import { authorizedCall, type CallContext } from '../grpc/call-context.js';
import { fwctlScopeOfWire } from '../grpc/wire-scope.js';
import { type FwCommandObserver, meteredChannel } from '../metrics/metered-channel.js';
import type { ServedDevice, SourceContext } from '../sources/device-source.js';

/** AuthorizedContext: an open ctl context and the fwctl scope it was authorized for. */
export interface AuthorizedContext {
  readonly ctx: SourceContext;
  /** The device (a session watches it for loss). */
  readonly device: ServedDevice;
  readonly scope: FwctlScopeValue;
  /** The context as a channel whose RPCs are reported to the metrics (when there are any). */
  readonly channel: CtlChannel;
}

/** CtlAuthorization: what the policy allowed a call: device, scope, principal and privileges. */
export interface CtlAuthorization {
  /** The device, as the name resolved once the call was authorized. */
  readonly device: ServedDevice;
  readonly scope: FwctlScopeValue;
  readonly principal: string;
  readonly caps: { readonly sys_admin: true; readonly sys_rawio: boolean };
}

/** authorizeCtl: check the scope, ask the policy, then find the device; throws EINVAL, EPERM, ENOENT. */
export function authorizeCtl(
  devices: DeviceSources,
  call: CallContext,
  device: string,
  wireScope: RpcScope,
): CtlAuthorization {
  const fwctl = fwctlScopeOfWire(wireScope);
  if (fwctl === undefined) {
    throw new AuxError(
      'EINVAL',
      'scope is missing or unknown; pass one of CONFIGURATION, DEBUG_READ_ONLY, DEBUG_WRITE, DEBUG_WRITE_FULL',
    );
  }
  const authorized = authorizedCall(call);
  authorized.authorize({ device, scope: fwctlScopeName(fwctl) });
  return {
    device: devices.device(device),
    scope: fwctl,
    principal: authorized.principal,
    caps: { sys_admin: true, sys_rawio: fwctl === FwctlScope.DEBUG_WRITE_FULL },
  };
}

/** openAuthorized: authorizeCtl, then open; throws EINVAL, EPERM, ENOENT, ENODEV. */
export async function openAuthorized(
  devices: DeviceSources,
  call: CallContext,
  name: string,
  wireScope: RpcScope,
  fw?: FwCommandObserver,
): Promise<AuthorizedContext> {
  const { device, scope, principal, caps } = authorizeCtl(devices, call, name, wireScope);
  const ctx = await device.open({ principal, caps });
  return { ctx, device, scope, channel: meteredChannel(ctx, name, fw) };
}

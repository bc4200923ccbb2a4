/**
 * VdpaEvent: what the vdpa bus announces, for watchers (a CLI `watch`, a
 * gRPC stream): devices added and removed (with the management device that
 * made them), drivers bound and unbound, status writes, and a device
 * raising NEEDS_RESET.
 *
 * Owns: the event shapes. Never: delivers them (the bus's EventChannel does).
 */
import { VirtioStatus } from '@auxctl/prm';

/** VdpaEvent: one announcement. */
export type VdpaEvent =
  | { readonly type: 'added' | 'removed'; readonly device: string; readonly mgmtdev?: string }
  | { readonly type: 'bind' | 'unbind'; readonly device: string; readonly driver: string }
  | { readonly type: 'status'; readonly device: string; readonly status: number }
  | { readonly type: 'needs-reset'; readonly device: string };

/**
 * statusEvents: the events for a status change from `before` to `after`:
 * always `status`, and `needs-reset` when NEEDS_RESET newly appears.
 */
export function statusEvents(device: string, before: number, after: number): VdpaEvent[] {
  const events: VdpaEvent[] = [{ type: 'status', device, status: after }];
  const nr = VirtioStatus.NEEDS_RESET;
  if ((after & nr) !== 0 && (before & nr) === 0) events.push({ type: 'needs-reset', device });
  return events;
}

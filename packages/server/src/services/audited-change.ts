/**
 * auditedChange: run one change a caller asked for and write one audit
 * line with its outcome (`result: 'ok'` or the errno it failed with), the
 * way the services that change device state (port functions, simulated
 * faults) record what was done to a device.
 *
 * Owns the outcome line. Never: deciding whether the change is allowed
 * (the policy did that before), or swallowing the failure (it is rethrown).
 */
import type { Logger } from '@auxctl/core';
import { grpcFailureOf } from '../grpc/grpc-status.js';

/** ChangeLines: the audit messages of a change that went through and of one that failed. */
export interface ChangeLines {
  readonly ok: string;
  readonly failed: string;
  /** Level of the success line (default info; failures are always warn). */
  readonly okLevel?: 'info' | 'warn';
}

/** auditedChange: `run()`, then one audit line `{ ...entry, result }`; rethrows a failure. */
export async function auditedChange<T>(
  audit: Logger,
  entry: Readonly<Record<string, unknown>>,
  lines: ChangeLines,
  run: () => T | Promise<T>,
): Promise<T> {
  try {
    const out = await run();
    audit[lines.okLevel ?? 'info']({ ...entry, result: 'ok' }, lines.ok);
    return out;
  } catch (err) {
    audit.warn({ ...entry, result: grpcFailureOf(err).errno ?? 'error' }, lines.failed);
    throw err;
  }
}

/** DeviceChange: run one change of `device` and audit it (see deviceChanges). */
export type DeviceChange = <T>(
  ctx: { readonly principal?: string },
  device: string,
  action: string,
  detail: Readonly<Record<string, unknown>>,
  run: () => T | Promise<T>,
) => Promise<T>;

/**
 * deviceChanges: the `change` of a service that changes devices: each call
 * audits `{ event, principal, device, action, ...detail, result }` with `lines`.
 */
export function deviceChanges(audit: Logger, event: string, lines: ChangeLines): DeviceChange {
  return (ctx, device, action, detail, run) =>
    auditedChange(
      audit,
      { event, principal: ctx.principal, device, action, ...detail },
      lines,
      run,
    );
}

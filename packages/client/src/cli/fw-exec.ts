/**
 * execChecked: one firmware command through Exec whose answer the CLI goes
 * on to decode, so a firmware status other than OK is an error here (exit
 * code REMOTE) naming the command, the status and syndrome, and `hint`
 * saying what to check. Commands whose status is the answer (`rpc`) use
 * Exec directly.
 */
import type { FwctlScopeName } from '@auxctl/prm';
import type { AuxctlClient } from '../auxctl-client.js';
import { CliError, ExitCode } from './exit-codes.js';
import { hex32, outboxStatus } from './prm-text.js';

/** FwCommandSpec: what one checked command sends and how its failure is told. */
export interface FwCommandSpec {
  readonly scope: FwctlScopeName;
  readonly inbox: Buffer;
  readonly outLen: number;
  /** The command as the error names it, e.g. `QUERY_HCA_CAP (cap_type 0xd)`. */
  readonly what: string;
  readonly hint: string;
}

/** execChecked: the outbox of `spec` on `device`; CliError REMOTE for a non-OK status. */
export async function execChecked(
  client: AuxctlClient,
  device: string,
  spec: FwCommandSpec,
): Promise<Buffer> {
  const outbox = await client.exec(device, spec.scope, spec.inbox, spec.outLen);
  const st = outboxStatus(outbox);
  if (st.status !== 0) {
    throw new CliError(
      ExitCode.REMOTE,
      'FW_STATUS',
      `${spec.what} failed: status ${st.statusName}, syndrome ${hex32(st.syndrome)}; ${spec.hint}`,
    );
  }
  return outbox;
}

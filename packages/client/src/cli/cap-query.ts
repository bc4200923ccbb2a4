/**
 * queryCapability: QUERY_HCA_CAP through Exec at CONFIGURATION (the scope
 * fwctl puts it at), returning the capability bytes. A non-OK firmware
 * status is an error here (the caller cannot decode anything), exit code
 * REMOTE, with `hint` saying what to check.
 */
import { RpcScope } from '@auxctl/proto';
import type { AuxctlClient } from '../auxctl-client.js';
import { CliError, ExitCode } from './exit-codes.js';
import { QUERY_HCA_CAP_OUT_BYTES, queryHcaCapInbox } from './hca-cap-fields.js';
import { CMD_HDR_BYTES, hex32, outboxStatus } from './prm-fields.js';

/** queryCapability: see the module header. */
export async function queryCapability(
  client: AuxctlClient,
  device: string,
  capType: number,
  mode: 'cur' | 'max',
  hint: string,
): Promise<Buffer> {
  const outbox = await client.exec(
    device,
    RpcScope.RPC_SCOPE_CONFIGURATION,
    queryHcaCapInbox(capType, mode),
    QUERY_HCA_CAP_OUT_BYTES,
  );
  const st = outboxStatus(outbox);
  if (st.status !== 0) {
    throw new CliError(
      ExitCode.REMOTE,
      'FW_STATUS',
      `QUERY_HCA_CAP (cap_type 0x${capType.toString(16)}) failed: status ${st.statusName}, syndrome ${hex32(st.syndrome)}; ${hint}`,
    );
  }
  return outbox.subarray(CMD_HDR_BYTES);
}

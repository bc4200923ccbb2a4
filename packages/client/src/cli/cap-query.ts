/**
 * queryCapability: QUERY_HCA_CAP through Exec at CONFIGURATION (the scope
 * fwctl puts it at), returning the capability bytes. A non-OK firmware
 * status is an error here (the caller cannot decode anything), exit code
 * REMOTE, with `hint` saying what to check.
 */
import { QueryHcaCapOut } from '@auxctl/prm';
import type { AuxctlClient } from '../auxctl-client.js';
import { execChecked } from './fw-exec.js';
import { QUERY_HCA_CAP_OUT_BYTES, queryHcaCapInbox } from './hca-cap-fields.js';

/** queryCapability: see the module header. */
export async function queryCapability(
  client: AuxctlClient,
  device: string,
  capType: number,
  mode: 'cur' | 'max',
  hint: string,
): Promise<Buffer> {
  const outbox = await execChecked(client, device, {
    scope: 'CONFIGURATION',
    inbox: queryHcaCapInbox(capType, mode),
    outLen: QUERY_HCA_CAP_OUT_BYTES,
    what: `QUERY_HCA_CAP (cap_type 0x${capType.toString(16)})`,
    hint,
  });
  return QueryHcaCapOut.view(outbox, 'capability');
}

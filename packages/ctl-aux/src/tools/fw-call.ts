/**
 * fwCall: how the helpers send one command through a context.
 *
 * Each helper builds its inbox from core's layouts and sends it with the
 * lowest scope the scope table allows for it (so a read never asks for a
 * write scope, and only SET_DIAGNOSTIC_PARAMS taints). Unlike a raw RPC, a
 * helper wants data, not an outbox: a failed firmware status becomes an
 * AuxError with the status's errno, and the status, syndrome and outbox
 * in `detail`.
 *
 * Owns: that translation. Never: retries.
 */

import type { CmdStatusDetail } from '@auxctl/core';
import {
  AuxError,
  CmdHdrIn,
  CmdHdrOut,
  CmdStatus,
  type FwctlScopeValue,
  opcodeName,
  statusName,
  statusToErrno,
} from '@auxctl/prm';
import type { CtlChannel } from '../ctl-context.js';

import { requiredScope } from '../scope-table.js';

/**
 * fwCall: send `inbox` at the scope it needs (or `scope`) and return the
 * outbox of a successful command. Throws the status's errno for a firmware
 * failure (detail: CmdStatusDetail) and whatever rpc() throws.
 */
export async function fwCall(
  ch: CtlChannel,
  inbox: Buffer,
  outLen: number,
  scope?: FwctlScopeValue,
): Promise<Buffer> {
  const opcode = CmdHdrIn.get(inbox, 'opcode');
  const opMod = CmdHdrIn.get(inbox, 'op_mod');
  const needed = scope ?? requiredScope(opcode, opMod);
  if (needed === undefined) {
    throw new AuxError('EPERM', `${opcodeName(opcode)} cannot be sent through a ctl context`);
  }
  const out = await ch.rpc({ scope: needed, inbox, outLen });
  const status = CmdHdrOut.get(out, 'status');
  if (status === CmdStatus.OK) return out;
  const syndrome = CmdHdrOut.get(out, 'syndrome');
  const detail: CmdStatusDetail = { outbox: out, status, syndrome, opcode, opMod };
  throw new AuxError(
    statusToErrno(status),
    `${opcodeName(opcode)} op_mod 0x${opMod.toString(16)} failed: status ${statusName(status)} (0x${status.toString(16)}), syndrome 0x${syndrome.toString(16).padStart(8, '0')}`,
    detail,
  );
}

/**
 * encodeArgs: run `build` (which fills layouts from caller values); a value
 * that does not fit its field (the layout's RangeError) becomes EINVAL.
 */
export function encodeArgs<T>(build: () => T): T {
  try {
    return build();
  } catch (err) {
    if (err instanceof RangeError) throw new AuxError('EINVAL', err.message);
    throw err;
  }
}

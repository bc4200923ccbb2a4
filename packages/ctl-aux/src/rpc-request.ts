/**
 * checkRpcRequest: the rules an RPC must pass before it reaches firmware,
 * in the order Linux fwctl and the mlx5 fwctl driver apply them.
 *
 * | check                                              | errno      |
 * |----------------------------------------------------|------------|
 * | request not `{ scope, inbox, outLen }`, inbox not bytes, outLen not an integer | EINVAL |
 * | inbox or outLen above 16 + 512 * 512 (MAX_CMD_BYTES, the largest command)      | EMSGSIZE |
 * | inbox or outLen below 16 bytes (a command header)  | EINVAL     |
 * | scope not one of 0..3                              | EOPNOTSUPP |
 * | DEBUG_WRITE_FULL without sys_rawio                 | EPERM      |
 * | reserved bits of the inbox head set (command-heads.ts) | EINVAL |
 * | opcode rejected or unknown (no scope allows it)    | EPERM      |
 * | the opcode's scope above the requested scope       | EPERM      |
 *
 * Too large is EMSGSIZE, as fwctl answers lengths above its limit (there
 * 2 MiB; here the command queue's maximum, which no command can exceed);
 * too small is EINVAL, as the design asks (upstream mlx5 says EMSGSIZE).
 * Unlike upstream, which answers EBADMSG for an opcode it will not send,
 * every opcode refusal is EPERM with the reason in the message.
 *
 * Owns: the checks. Never: sends, stamps or logs anything.
 */

import { printable } from '@auxctl/core';
import {
  AuxError,
  CMD_HDR_BYTES,
  CmdHdrIn,
  FwctlScope,
  type FwctlScopeValue,
  fwctlScopeName,
  isFwctlScope,
  MAX_CMD_BYTES,
  opcodeName,
} from '@auxctl/prm';
import { reservedHeadField } from './command-heads.js';

import { LOCAL_UMEM_CALLS, rejection, requiredScope } from './scope-table.js';

/** RpcRequest: one firmware RPC as a caller hands it to `CtlContext.rpc`. */
export interface RpcRequest {
  /** The scope the caller asks for (FwctlScope). */
  readonly scope: FwctlScopeValue;
  /** The command inbox, header included; the caller's bytes are never modified. */
  readonly inbox: Uint8Array;
  /** Bytes of outbox wanted, header included. */
  readonly outLen: number;
}

/** CheckedRpc: a request that passed every check. */
export interface CheckedRpc {
  readonly scope: FwctlScopeValue;
  readonly inbox: Uint8Array;
  readonly outLen: number;
  readonly opcode: number;
  readonly opMod: number;
  /** The scope the opcode needs (at most `scope`). */
  readonly needed: FwctlScopeValue;
}

/** RpcRefusal: what is known of a refused request, for the audit log. */
export interface RpcRefusal {
  readonly opcode?: number;
  readonly opMod?: number;
  readonly scope?: unknown;
  readonly inLen?: number;
  readonly outLen?: unknown;
}

const OPCODE = CmdHdrIn.byteOffset('opcode');
const OP_MOD = CmdHdrIn.byteOffset('op_mod');

/** RPC_CHECK_ERRNOS: every code checkRpcRequest throws. */
export const RPC_CHECK_ERRNOS = ['EINVAL', 'EMSGSIZE', 'EOPNOTSUPP', 'EPERM'] as const;

/**
 * checkRpcRequest: `req` checked against the table above for a caller
 * with (`sysRawio`) or without raw I/O privilege. A refused raw
 * CREATE_UMEM / DESTROY_UMEM names `umemCalls`, what this caller uses
 * instead (default LOCAL_UMEM_CALLS). Throws AuxError with `detail` an
 * RpcRefusal; returns the request's decoded head otherwise.
 */
export function checkRpcRequest(
  req: unknown,
  sysRawio: boolean,
  umemCalls: string = LOCAL_UMEM_CALLS,
): CheckedRpc {
  if (typeof req !== 'object' || req === null) {
    throw refuse('EINVAL', 'an RPC is { scope, inbox, outLen }', {});
  }
  const { scope, inbox, outLen } = req as Partial<Record<keyof RpcRequest, unknown>>;
  if (!(inbox instanceof Uint8Array)) {
    throw refuse('EINVAL', 'inbox must be a Buffer or Uint8Array', { scope, outLen });
  }
  // Refusal details are built only when refusing: this is the RPC hot path.
  const seen = (): RpcRefusal => ({ scope, inLen: inbox.length, outLen });
  if (typeof outLen !== 'number' || !Number.isSafeInteger(outLen)) {
    throw refuse('EINVAL', 'outLen must be an integer number of bytes', seen());
  }
  if (inbox.length > MAX_CMD_BYTES || outLen > MAX_CMD_BYTES) {
    throw refuse(
      'EMSGSIZE',
      `inbox ${inbox.length} / outLen ${outLen} bytes: a command carries at most ${MAX_CMD_BYTES} bytes each way`,
      seen(),
    );
  }
  if (inbox.length < CMD_HDR_BYTES || outLen < CMD_HDR_BYTES) {
    throw refuse(
      'EINVAL',
      `inbox ${inbox.length} / outLen ${outLen} bytes: both need at least the ${CMD_HDR_BYTES}-byte header`,
      seen(),
    );
  }
  const opcode = (inbox[OPCODE]! << 8) | inbox[OPCODE + 1]!;
  const opMod = (inbox[OP_MOD]! << 8) | inbox[OP_MOD + 1]!;
  const head = (): RpcRefusal => ({ scope, inLen: inbox.length, outLen, opcode, opMod });
  if (!isFwctlScope(scope)) {
    throw refuse(
      'EOPNOTSUPP',
      `scope ${printable(scope)} is not a fwctl scope; use 0 (CONFIGURATION) .. 3 (DEBUG_WRITE_FULL)`,
      head(),
    );
  }
  if (scope === FwctlScope.DEBUG_WRITE_FULL && !sysRawio) {
    throw refuse('EPERM', 'DEBUG_WRITE_FULL needs the sys_rawio privilege', head());
  }
  const reserved = reservedHeadField(inbox, opcode);
  if (reserved !== undefined) {
    throw refuse('EINVAL', `reserved field ${reserved} of the inbox header must be zero`, head());
  }
  const needed = requiredScope(opcode, opMod);
  if (needed === undefined) {
    const r = rejection(opcode);
    const why = r?.umem
      ? `register user memory with ${umemCalls} instead (${r.reason})`
      : (r?.reason ?? 'it is not in the ctl scope table');
    throw refuse(
      'EPERM',
      `${opcodeName(opcode)} (0x${opcode.toString(16)}) is not allowed at any scope: ${why}`,
      head(),
    );
  }
  if (needed > scope) {
    throw refuse(
      'EPERM',
      `${opcodeName(opcode)} op_mod 0x${opMod.toString(16)} needs scope ${fwctlScopeName(needed)}; the RPC asked for ${fwctlScopeName(scope)}`,
      head(),
    );
  }
  return { scope, inbox, outLen, opcode, opMod, needed };
}

function refuse(
  code: (typeof RPC_CHECK_ERRNOS)[number],
  message: string,
  detail: RpcRefusal,
): AuxError<RpcRefusal> {
  return new AuxError(code, message, detail);
}

/**
 * GrpcStatus: the one place an error becomes a gRPC status (DESIGN §6).
 *
 * Owns the errno -> status table and the rule that only AuxErrors carry
 * their message to the client. It must never put a stack, a cause or the
 * message of an unexpected error on the wire: those go to the log and the
 * client reads "internal error".
 */
import { type ErrnoName, isAuxError } from '@auxctl/prm';
import { status } from '@grpc/grpc-js';

/** ERRNO_STATUS: gRPC status per errno name; names not listed map to UNKNOWN. */
export const ERRNO_STATUS: Readonly<Partial<Record<ErrnoName, status>>> = {
  EINVAL: status.INVALID_ARGUMENT,
  EMSGSIZE: status.INVALID_ARGUMENT,
  E2BIG: status.INVALID_ARGUMENT,
  EPERM: status.PERMISSION_DENIED,
  // Linux fwctl: the opcode is not allowed at the scope asked for.
  EBADMSG: status.PERMISSION_DENIED,
  EKEYREJECTED: status.UNAUTHENTICATED,
  ENODEV: status.UNAVAILABLE,
  // A device file already closed: the context is gone, open a new one.
  EBADF: status.UNAVAILABLE,
  ENOENT: status.NOT_FOUND,
  // sriov_numvfs above sriov_totalvfs, and other values outside what the device offers.
  ERANGE: status.OUT_OF_RANGE,
  EEXIST: status.ALREADY_EXISTS,
  EBUSY: status.RESOURCE_EXHAUSTED,
  ENOSPC: status.RESOURCE_EXHAUSTED,
  ENOMEM: status.RESOURCE_EXHAUSTED,
  ETIMEDOUT: status.DEADLINE_EXCEEDED,
  EOPNOTSUPP: status.UNIMPLEMENTED,
  // Something the host lacks (a tool, a kernel interface): a precondition the operator can fix.
  ENOPKG: status.FAILED_PRECONDITION,
  ENOTTY: status.FAILED_PRECONDITION,
  ECANCELED: status.CANCELLED,
  EIO: status.INTERNAL,
};

/** GrpcFailure: what a failed call sends (`details`) and logs. */
export interface GrpcFailure {
  readonly code: status;
  readonly details: string;
  /** The errno name when the error was an AuxError. */
  readonly errno: ErrnoName | undefined;
  /** True when the error was not an AuxError: the caller logs it with its stack. */
  readonly unexpected: boolean;
}

/**
 * grpcFailureOf: the status of `err`. An AuxError keeps its message (it is
 * written for the caller) prefixed with its errno name; anything else is
 * INTERNAL "internal error".
 */
export function grpcFailureOf(err: unknown): GrpcFailure {
  if (isAuxError(err)) {
    return {
      code: ERRNO_STATUS[err.code] ?? status.UNKNOWN,
      details: `${err.code}: ${err.message}`,
      errno: err.code,
      unexpected: false,
    };
  }
  return { code: status.INTERNAL, details: 'internal error', errno: undefined, unexpected: true };
}

/**
 * AuxError: the one error class of the driver side (core and the aux
 * packages) and of the simulated device.
 *
 * Every failure that a caller can act on carries an errno name (`code`) as
 * Linux would return it, and a message that says what to do. Firmware status
 * is not an error here: a raw command that reached firmware and failed is
 * data in its outbox (see `CommandQueue.cmdDo` in @auxctl/core).
 *
 * Owns: the errno names and the error class. Never: renders untrusted
 * values into messages (core's `printable` does, with node:util).
 */

/** Errno names used across auxctl, with their Linux numbers. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  E2BIG: 7,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOTTY: 25,
  ENOSPC: 28,
  ERANGE: 34,
  ENOMSG: 42,
  EBADR: 53,
  ENOPKG: 65,
  EBADMSG: 74,
  EOVERFLOW: 75,
  EMSGSIZE: 90,
  EOPNOTSUPP: 95,
  ENOTCONN: 107,
  ETIMEDOUT: 110,
  ECANCELED: 125,
  EREMOTEIO: 121,
  EKEYREJECTED: 129,
  EHWPOISON: 133,
} as const;

/** ErrnoName: one of the errno names in {@link Errno}. */
export type ErrnoName = keyof typeof Errno;

/** AuxError: an error with an errno `code` and optional structured detail. */
export class AuxError<D extends object = Record<string, unknown>> extends Error {
  override readonly name = 'AuxError';
  readonly code: ErrnoName;
  readonly detail: D | undefined;

  constructor(code: ErrnoName, message: string, detail?: D, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.detail = detail;
  }

  /** errno: the Linux errno number of `code`. */
  get errno(): number {
    return Errno[this.code];
  }
}

/** isAuxError: true when `e` is an AuxError, optionally with the given code. */
export function isAuxError(e: unknown, code?: ErrnoName): e is AuxError {
  return e instanceof AuxError && (code === undefined || e.code === code);
}

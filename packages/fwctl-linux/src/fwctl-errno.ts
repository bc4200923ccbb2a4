/**
 * fwctl errnos: what each errno means when fwctl returns it, and the one
 * way this package turns a kernel errno into an AuxError.
 *
 * The meanings follow the errno list of the fwctl uAPI header and the
 * checks of drivers/fwctl/main.c (refs §1.1, §1.3), in this package's own
 * words. A failed system call becomes `fwctlError(kernelErrno, call)`: an
 * AuxError whose message names the call and explains the errno, and whose
 * detail keeps the kernel's errno exactly (`kernelErrno`).
 *
 * AuxError codes are @auxctl/core's errno names, which include every
 * errno fwctl documents. A kernel errno core does not name (EACCES, ENXIO,
 * ...) gets the nearest core name as `code` (NEAREST_ERRNO, else EIO), so
 * callers that map codes (gRPC statuses) keep working; the exact name
 * stays in `detail.kernelErrno` and leads the message.
 *
 * Reading sysfs or procfs fails with a Node fs error instead;
 * `hostFileError` is the one way those become AuxErrors.
 *
 * Owns: the meanings and the mappings. Never: decides whether a call fails.
 */
import { AuxError, Errno, type ErrnoName, isAuxError } from '@auxctl/prm';

/** FWCTL_DOCUMENTED_ERRNOS: the errnos the fwctl uAPI and core document. */
export const FWCTL_DOCUMENTED_ERRNOS = [
  'ENOTTY',
  'E2BIG',
  'EOPNOTSUPP',
  'EINVAL',
  'ENOMEM',
  'ENODEV',
  'EMSGSIZE',
  'EBADMSG',
  'EPERM',
  'EFAULT',
] as const;

const MEANINGS: Readonly<Record<string, string>> = {
  ENOTTY:
    'not an fwctl device: the file does not implement this ioctl number (or the kernel predates it)',
  E2BIG:
    'the struct is larger than this kernel knows and its extra bytes are not zero: user space is newer than the kernel',
  EOPNOTSUPP:
    'a known field has a value the kernel or driver does not support (info flags not zero, or an unknown RPC scope)',
  EINVAL:
    "a field is wrong, e.g. the struct's size field is below the smallest size the kernel accepts",
  ENOMEM: 'the kernel could not allocate memory for the request',
  ENODEV:
    'the device was unplugged or its driver unbound: the file is orphaned; close it and open the device again',
  EMSGSIZE:
    "the RPC's in or out length is above fwctl's 2 MiB limit, or below the driver's minimum (mlx5: a 16-byte command header)",
  EBADMSG:
    'the driver refused the RPC: its command is not allowed at the requested scope, or not at all',
  EPERM: 'scope DEBUG_WRITE_FULL needs CAP_SYS_RAWIO, which the calling process does not have',
  EFAULT:
    'a pointer in the request (in, out or out_device_data) does not point into the caller memory it claims',
  // Not fwctl's own, but what opening or using a device node can return.
  ENOENT: 'no such device node: the device is gone or was never there',
  EACCES: 'permission denied: fwctl device nodes are normally accessible to root only',
  EBADF: 'the file is closed',
};

/** fwctlErrnoMeaning: one sentence on what `errno` (a name such as 'E2BIG') means from fwctl. */
export function fwctlErrnoMeaning(errno: string): string {
  return Object.hasOwn(MEANINGS, errno)
    ? MEANINGS[errno]!
    : `${errno}: fwctl documents no particular meaning for this errno`;
}

/** NEAREST_ERRNO: the core errno name that stands for a kernel errno core does not name. */
export const NEAREST_ERRNO: Readonly<Record<string, ErrnoName>> = {
  EACCES: 'EPERM',
  ENXIO: 'ENODEV',
  ENOSYS: 'EOPNOTSUPP',
  ENOTSUP: 'EOPNOTSUPP',
  EINTR: 'EAGAIN',
  EWOULDBLOCK: 'EAGAIN',
};

/** auxErrnoOf: the AuxError code for a kernel errno name: itself, its nearest name, or EIO. */
export function auxErrnoOf(kernelErrno: string): ErrnoName {
  if (Object.hasOwn(Errno, kernelErrno)) return kernelErrno as ErrnoName;
  return Object.hasOwn(NEAREST_ERRNO, kernelErrno) ? NEAREST_ERRNO[kernelErrno]! : 'EIO';
}

/** FwctlErrorDetail: the detail of an AuxError made by fwctlError. */
export interface FwctlErrorDetail {
  /** The errno name exactly as the kernel (or the double) returned it. */
  readonly kernelErrno: string;
  /** The failed call: `open`, `close`, `FWCTL_INFO`, `FWCTL_RPC`, `ioctl 0x8912`. */
  readonly call: string;
}

/**
 * fwctlError: the AuxError for `call` failing with `kernelErrno`;
 * `where` (a path or fd) and `why` (an extra clause) go into the message.
 */
export function fwctlError(
  kernelErrno: string,
  call: string,
  where?: string,
  why?: string,
): AuxError<FwctlErrorDetail> {
  const on = where === undefined ? '' : ` on ${where}`;
  const extra = why === undefined ? '' : ` (${why})`;
  return new AuxError(
    auxErrnoOf(kernelErrno),
    `${call}${on} failed with ${kernelErrno}: ${fwctlErrnoMeaning(kernelErrno)}${extra}`,
    { kernelErrno, call },
  );
}

/** kernelErrnoOf: the kernel errno name behind `e`: its detail's, else its code; undefined if not an AuxError. */
export function kernelErrnoOf(e: unknown): string | undefined {
  if (!isAuxError(e)) return undefined;
  const k = (e.detail as Partial<FwctlErrorDetail> | undefined)?.kernelErrno;
  return typeof k === 'string' ? k : e.code;
}

/** errnoCode: the errno name of a Node fs error (`e.code`), if it has one. */
export function errnoCode(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * hostFileError: the AuxError for a failed read of `path` (sysfs, procfs):
 * ENOENT stays ENOENT, EACCES / EPERM is EPERM, anything else EIO; `hint`
 * says what to check.
 */
export function hostFileError(e: unknown, path: string, hint: string): AuxError {
  const code = errnoCode(e);
  const errno =
    code === 'ENOENT' ? 'ENOENT' : code === 'EACCES' || code === 'EPERM' ? 'EPERM' : 'EIO';
  return new AuxError<Record<string, unknown>>(
    errno,
    `cannot read ${path} (${code ?? String(e)}): ${hint}`,
    undefined,
    {
      cause: e,
    },
  );
}

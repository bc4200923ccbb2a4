/**
 * FwctlSyscalls: the one seam between this package and the kernel.
 *
 * Everything that touches a file descriptor goes through these five calls;
 * a test double (`@auxctl/fwctl-linux/testing` KernelDouble) replaces all
 * of them at once, so FwctlFile runs unchanged against the real kernel and
 * the double. `addressOf` belongs to the seam because fwctl structs carry
 * user pointers as u64: the real kernel dereferences real addresses, the
 * double hands out fake ones and maps them back to the Buffers.
 *
 * linuxSyscalls() is the real implementation: libc's open / ioctl / close
 * through koffi, loaded on first use (importing this package loads no
 * native code). Async calls run on koffi's worker threads (the libuv
 * thread pool), so a firmware command that takes seconds does not stall
 * the event loop.
 *
 * ABI NOTE: libc declares `int open(const char *, int, ...)` and
 * `int ioctl(int, unsigned long, ...)`; koffi cannot run a variadic
 * function on a worker thread, so both are bound with fixed prototypes
 * (`open(path, flags)`, `ioctl(fd, request, void *arg)`). That is formally
 * undefined in C, and sound where integer and pointer variadic arguments
 * travel in the same registers as fixed ones (Linux on x86_64, aarch64 and
 * the other SysV-style ABIs koffi supports); it is not on Apple arm64,
 * which this Linux-only package never runs on. glibc's and musl's ioctl
 * are thin syscall wrappers that read exactly one pointer-sized argument.
 *
 * Owns: the libc bindings and errno -> AuxError. Never: knows a struct
 * layout or keeps a descriptor of its own.
 */
import { Buffer } from 'node:buffer';
import { createRequire } from 'node:module';
import { printable } from '@auxctl/core';
import { AuxError, Errno } from '@auxctl/prm';
import type { KoffiFunc } from 'koffi';
import { ioctlName } from './fwctl-abi.js';
import { fwctlError } from './fwctl-errno.js';

/** FwctlSyscalls: open, ioctl and close on device nodes; every failure is an AuxError. */
export interface FwctlSyscalls {
  /** open: open(path, O_RDWR | O_CLOEXEC); rejects with the errno (ENOENT, EACCES, ENODEV, ...). */
  open(path: string): Promise<number>;
  /** ioctl: ioctl(fd, request, arg) off the event loop; rejects with the errno, naming the request. */
  ioctl(fd: number, request: number, arg: Buffer): Promise<void>;
  /** ioctlSync: the same, on the calling thread. */
  ioctlSync(fd: number, request: number, arg: Buffer): void;
  /** close: close(fd); the kernel releases the file (fwctl: the driver's close_uctx). */
  close(fd: number): Promise<void>;
  /** addressOf: the user address of `buf`'s first byte, valid while `buf` is referenced. */
  addressOf(buf: Buffer): bigint;
}

/** O_RDWR | O_CLOEXEC as Linux defines them on every architecture koffi ships for. */
const OPEN_FLAGS = 0o2 | 0o2000000;

type Koffi = typeof import('koffi');

type OpenFn = KoffiFunc<(path: string, flags: number) => number>;
type IoctlFn = KoffiFunc<(fd: number, request: number, arg: Buffer) => number>;
type CloseFn = KoffiFunc<(fd: number) => number>;

interface Libc {
  readonly koffi: Koffi;
  readonly open: OpenFn;
  readonly ioctl: IoctlFn;
  readonly close: CloseFn;
  readonly errnoNames: ReadonlyMap<number, string>;
}

let libc: Libc | undefined;

/** linuxSyscalls: the real seam (koffi + libc); EOPNOTSUPP off Linux, ENOPKG when koffi cannot load. */
export function linuxSyscalls(): FwctlSyscalls {
  if (process.platform !== 'linux') {
    throw new AuxError('EOPNOTSUPP', `fwctl is a Linux interface; this is ${process.platform}`);
  }
  libc ??= loadLibc();
  const c = libc;
  return {
    open: (path) =>
      callAsync(c, 'open', path, (cb) => {
        if (typeof path !== 'string') throw badArgument('open', 'path', path);
        c.open.async(path, OPEN_FLAGS, cb);
      }),
    ioctl: async (fd, request, arg) => {
      await callAsync(c, ioctlName(request), `fd ${fd}`, (cb) => {
        checkIoctlArgs(fd, request, arg);
        c.ioctl.async(fd, request, arg, cb);
      });
    },
    ioctlSync: (fd, request, arg) => {
      checkIoctlArgs(fd, request, arg);
      if (c.ioctl(fd, request, arg) < 0) {
        throw errnoError(c, c.koffi.errno(), ioctlName(request), `fd ${fd}`);
      }
    },
    close: async (fd) => {
      await callAsync(c, 'close', `fd ${fd}`, (cb) => {
        if (!Number.isInteger(fd)) throw badArgument('close', 'fd', fd);
        c.close.async(fd, cb);
      });
    },
    addressOf: (buf) => c.koffi.address(buf),
  };
}

function loadLibc(): Libc {
  let koffi: Koffi;
  try {
    koffi = createRequire(import.meta.url)('koffi') as Koffi;
  } catch (e) {
    throw new AuxError(
      'ENOPKG',
      'koffi could not be loaded: is its platform package (@koromix/koffi-linux-<cpu>) installed? ' +
        'Installs must keep optional dependencies',
      undefined,
      { cause: e },
    );
  }
  // The process's own symbols: whichever libc node links (glibc or musl).
  const lib = koffi.load(null);
  const errnoNames = new Map<number, string>();
  for (const [name, n] of Object.entries(koffi.os.errno)) {
    // Aliases (EOPNOTSUPP / ENOTSUP): keep the name @auxctl/core knows.
    if (!errnoNames.has(n) || Object.hasOwn(Errno, name)) errnoNames.set(n, name);
  }
  return {
    koffi,
    open: lib.func('int open(const char *path, int flags)') as OpenFn,
    ioctl: lib.func('int ioctl(int fd, unsigned long request, void *arg)') as IoctlFn,
    close: lib.func('int close(int fd)') as CloseFn,
    errnoNames,
  };
}

type Done = (err: unknown, rc: number) => void;

/**
 * callAsync: `start(cb)` queues a libc call on a worker thread. errno is
 * read inside koffi's callback: koffi restores the worker's errno only for
 * the callback's duration.
 */
function callAsync(
  c: Libc,
  call: string,
  where: string,
  start: (cb: Done) => void,
): Promise<number> {
  return new Promise((resolve, reject) => {
    try {
      start((err, rc) => {
        if (err) reject(new AuxError('EINVAL', `${call} on ${where}: ${String(err)}`));
        else if (rc < 0) reject(errnoError(c, c.koffi.errno(), call, where));
        else resolve(rc);
      });
    } catch (e) {
      if (e instanceof AuxError) reject(e);
      // koffi refuses a call it cannot queue (more than max_async_calls pending).
      else
        reject(
          new AuxError('EAGAIN', `${call} on ${where} could not be queued`, undefined, {
            cause: e,
          }),
        );
    }
  });
}

function checkIoctlArgs(fd: number, request: number, arg: Buffer): void {
  if (!Number.isInteger(fd)) throw badArgument('ioctl', 'fd', fd);
  if (!Number.isInteger(request) || request < 0 || request > 0xffff_ffff) {
    throw badArgument('ioctl', 'request', request);
  }
  if (!Buffer.isBuffer(arg)) throw badArgument('ioctl', 'arg', arg);
}

function badArgument(call: string, name: string, v: unknown): AuxError {
  return new AuxError('EINVAL', `${call}: ${name} ${printable(v)} is not valid`);
}

function errnoError(c: Libc, errno: number, call: string, where: string): Error {
  return fwctlError(c.errnoNames.get(errno) ?? `errno ${errno}`, call, where);
}

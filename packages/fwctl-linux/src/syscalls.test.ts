import { createRequire } from 'node:module';
import { type AuxError, isAuxError } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { FWCTL_INFO } from './fwctl-abi.js';
import { kernelErrnoOf } from './fwctl-errno.js';
import { FwctlFile } from './fwctl-file.js';
import { type FwctlSyscalls, linuxSyscalls } from './syscalls.js';

// These tests make real system calls on this Linux machine.
const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
const sys = linuxSyscalls();
const socket = koffi.load(null).func('int socket(int domain, int type, int protocol)');
const AF_INET = 2;
const SOCK_DGRAM = 2;
/** SIOCGIFCONF: like fwctl_rpc, its struct embeds a user pointer the kernel writes through. */
const SIOCGIFCONF = 0x8912;
/** struct ifconf { int ifc_len; union { char *ifc_buf; struct ifreq *ifc_req; }; } */
const ifconf = koffi.struct('ifconf_probe', { ifc_len: 'int', ifc_buf: 'uint64_t' });
/** struct ifreq is IFNAMSIZ (16) bytes of name and a 24-byte union. */
const IFREQ_BYTES = 40;

let open: number[] = [];
afterEach(async () => {
  for (const fd of open) await sys.close(fd);
  open = [];
});

function inetSocket(): number {
  const fd = socket(AF_INET, SOCK_DGRAM, 0) as number;
  expect(fd).toBeGreaterThanOrEqual(0);
  open.push(fd);
  return fd;
}

/** ifconfRequest: a SIOCGIFCONF argument and a reader of what the kernel wrote. */
function ifconfRequest() {
  const names = Buffer.alloc(IFREQ_BYTES * 64);
  const arg = Buffer.alloc(koffi.sizeof(ifconf));
  koffi.encode(arg, ifconf, { ifc_len: names.length, ifc_buf: sys.addressOf(names) });
  const written = () => {
    const len = (koffi.decode(arg, ifconf) as { ifc_len: number }).ifc_len;
    const out: string[] = [];
    for (let off = 0; off + IFREQ_BYTES <= len; off += IFREQ_BYTES) {
      out.push(names.toString('latin1', off, names.indexOf(0, off)));
    }
    return { len, names: out };
  };
  return { arg, written };
}

describe('linuxSyscalls (koffi + libc, real kernel)', () => {
  it('struct ifconf is 16 bytes with its pointer at 8, as on LP64 Linux', () => {
    expect(koffi.sizeof(ifconf)).toBe(16);
    expect(koffi.offsetof(ifconf, 'ifc_buf')).toBe(8);
  });

  it('ioctlSync: the kernel follows the embedded pointer and writes lo into the buffer', () => {
    const fd = inetSocket();
    const req = ifconfRequest();
    sys.ioctlSync(fd, SIOCGIFCONF, req.arg);
    const { len, names } = req.written();
    expect(len % IFREQ_BYTES).toBe(0);
    expect(names).toContain('lo');
  });

  it('ioctl (worker thread): the same through the async binding', async () => {
    const fd = inetSocket();
    const req = ifconfRequest();
    await sys.ioctl(fd, SIOCGIFCONF, req.arg);
    const { len, names } = req.written();
    expect(len % IFREQ_BYTES).toBe(0);
    expect(names).toContain('lo');
  });

  it('addressOf includes the byteOffset of a subarray', () => {
    const b = Buffer.alloc(64);
    expect(sys.addressOf(b.subarray(8)) - sys.addressOf(b)).toBe(8n);
  });

  it('FWCTL_INFO on /dev/null: ENOTTY, named and explained, and the fd is closed again', async () => {
    const counted = countingSyscalls(sys);
    const err = await FwctlFile.open('/dev/null', counted).catch((e: unknown) => e as AuxError);
    expect(isAuxError(err, 'ENOTTY')).toBe(true);
    expect((err as AuxError).message).toMatch(
      /^\/dev\/null: FWCTL_INFO on fd \d+ failed with ENOTTY/,
    );
    expect((err as AuxError).message).toContain('not an fwctl device');
    expect(counted.opened).toBe(1);
    expect(counted.closed).toBe(1);
  });

  it('errnos from libc become AuxErrors: ENOENT on open, EBADF (sync and async) on a bad fd', async () => {
    const noent = await sys.open('/nonexistent/fwctl/fwctl0').catch((e: unknown) => e);
    expect(isAuxError(noent, 'ENOENT')).toBe(true);
    expect((noent as Error).message).toContain(
      'open on /nonexistent/fwctl/fwctl0 failed with ENOENT',
    );
    const arg = Buffer.alloc(24);
    expect(() => sys.ioctlSync(-1, FWCTL_INFO, arg)).toThrow(
      /FWCTL_INFO on fd -1 failed with EBADF/,
    );
    const badf = await sys.ioctl(-1, FWCTL_INFO, arg).catch((e: unknown) => e);
    expect(kernelErrnoOf(badf)).toBe('EBADF');
    expect(isAuxError(badf, 'EBADF')).toBe(true);
    const closeErr = await sys.close(-1).catch((e: unknown) => e);
    expect(kernelErrnoOf(closeErr)).toBe('EBADF');
  });

  it('arguments that are not an fd, a request or a Buffer are EINVAL before any call', async () => {
    expect(() => sys.ioctlSync(1.5, FWCTL_INFO, Buffer.alloc(24))).toThrow(/fd 1.5 is not valid/);
    const r = await sys.ioctl(0, -1, Buffer.alloc(24)).catch((e: unknown) => e);
    expect(isAuxError(r, 'EINVAL')).toBe(true);
    const a = await sys.ioctl(0, FWCTL_INFO, 'x' as never).catch((e: unknown) => e);
    expect(isAuxError(a, 'EINVAL')).toBe(true);
  });
});

/** countingSyscalls: `inner` with counts of opens and closes that succeeded. */
function countingSyscalls(
  inner: FwctlSyscalls,
): FwctlSyscalls & { opened: number; closed: number } {
  const counted = {
    opened: 0,
    closed: 0,
    open: async (path: string) => {
      const fd = await inner.open(path);
      counted.opened++;
      return fd;
    },
    ioctl: (fd: number, request: number, arg: Buffer) => inner.ioctl(fd, request, arg),
    ioctlSync: (fd: number, request: number, arg: Buffer) => inner.ioctlSync(fd, request, arg),
    close: async (fd: number) => {
      await inner.close(fd);
      counted.closed++;
    },
    addressOf: (buf: Buffer) => inner.addressOf(buf),
  };
  return counted;
}

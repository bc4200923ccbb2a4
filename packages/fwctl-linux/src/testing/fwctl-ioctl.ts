/**
 * fwctl ioctl model: what drivers/fwctl/main.c does with one ioctl on an
 * open file, check by check, in the kernel's order (refs §1.3).
 *
 * | # | check                                                        | errno      |
 * |---|--------------------------------------------------------------|------------|
 * | 1 | request not FWCTL_INFO / FWCTL_RPC                           | ENOTTY     |
 * | 2 | size field (first u32) not readable                          | EFAULT     |
 * | 3 | size < 24 (INFO) / 32 (RPC)                                  | EINVAL     |
 * | 4 | size past the end of the argument                            | EFAULT     |
 * | 5 | size larger than the struct and the extra bytes not zero     | E2BIG      |
 * | 6 | driver unregistered                                          | ENODEV     |
 * |   | FWCTL_INFO                                                   |            |
 * | 7 | flags != 0                                                   | EOPNOTSUPP |
 * | 8 | device_data_len != 0: driver info (its error), copy min, zero-fill; out_device_data unmapped | EFAULT |
 * |   | FWCTL_RPC                                                    |            |
 * | 9 | in_len or out_len > 2 MiB                                    | EMSGSIZE   |
 * | 10| DEBUG_WRITE_FULL without CAP_SYS_RAWIO                       | EPERM      |
 * | 11| DEBUG_WRITE(_FULL): taint, once system-wide, before the driver sees the command |  |
 * | 12| scope not 0..3                                               | EOPNOTSUPP |
 * | 13| `in` unmapped for in_len bytes                               | EFAULT     |
 * | 14| the driver's fw_rpc (its errno)                              | driver's   |
 * | 15| `out` unmapped for min(out_len, driver's length) bytes       | EFAULT     |
 * Success writes the struct back: INFO out_device_type and device_data_len
 * (0 when the caller passed 0: the driver is not asked), RPC out_len = the
 * driver's length.
 *
 * Owns: the checks and copies of one ioctl. Never: keeps state between
 * ioctls (files, registration and taint are KernelDouble's).
 */

import { Buffer } from 'node:buffer';
import { FwctlScope } from '@auxctl/prm';
import {
  FWCTL_INFO,
  FWCTL_INFO_LAYOUT,
  FWCTL_MAX_RPC_LEN,
  FWCTL_RPC,
  FWCTL_RPC_LAYOUT,
  FWCTL_SIZE_HEADER,
  type FwctlRpcFields,
  ioctlName,
} from '../fwctl-abi.js';
import { fwctlError } from '../fwctl-errno.js';
import type { UserMemory } from './user-memory.js';

/** DoubleUctx: a driver's per-file context (`struct fwctl_uctx` plus its ops). */
export interface DoubleUctx {
  /** info: the device data FWCTL_INFO returns (mlx5: `struct fwctl_info_mlx5`); may throw an AuxError. */
  info(): Buffer;
  /**
   * fwRpc: the driver's fw_rpc: the outbox (its length is the driver's
   * out_len), or a rejection with an AuxError, as fw_rpc returns ERR_PTR.
   * A synchronous Buffer is accepted too (ioctlSync needs one).
   */
  fwRpc(scope: number, inbox: Buffer, outLen: number): Promise<Buffer> | Buffer;
  /** close: the driver's close_uctx (mlx5: DESTROY_UCTX); errors are ignored, as the kernel's is void. */
  close(): Promise<void>;
}

/** DoubleDriver: the per-device driver ops registered with the double. */
export interface DoubleDriver {
  readonly deviceType: number;
  /** openUctx: the driver's open_uctx (mlx5: CREATE_UCTX); a rejection fails open(2). */
  openUctx(): Promise<DoubleUctx>;
}

/** IoctlTarget: what one ioctl needs of the file it runs on. */
export interface IoctlTarget {
  readonly where: string;
  readonly uctx: DoubleUctx;
  readonly deviceType: number;
  registered(): boolean;
  /** capSysRawio: whether the calling process has CAP_SYS_RAWIO. */
  capSysRawio(): boolean;
  /** taint: the kernel's DEBUG_WRITE taint step. */
  taint(): void;
  readonly memory: UserMemory;
}

/** DriverStep: the rest of an RPC: call the driver, then copy out (`finish`). */
export interface DriverStep {
  call(): Promise<Buffer> | Buffer;
  finish(outbox: Buffer): void;
}

/**
 * startIoctl: rows 1-13; undefined when the ioctl completed (INFO), else
 * the driver step of an RPC. Throws the AuxError of the first failing row.
 */
export function startIoctl(t: IoctlTarget, request: number, arg: Buffer): DriverStep | undefined {
  const call = ioctlName(request);
  const fail = (errno: string, why?: string) => fwctlError(errno, call, t.where, why);
  const layout =
    request === FWCTL_INFO
      ? FWCTL_INFO_LAYOUT
      : request === FWCTL_RPC
        ? FWCTL_RPC_LAYOUT
        : undefined;
  if (layout === undefined) throw fail('ENOTTY');
  if (arg.length < 4) throw fail('EFAULT', 'size not readable');
  const userSize = FWCTL_SIZE_HEADER.decode(arg).size;
  if (userSize < layout.size) throw fail('EINVAL', `size ${userSize} < ${layout.size}`);
  if (userSize > arg.length) throw fail('EFAULT', `size ${userSize} past the argument`);
  if (arg.subarray(layout.size, userSize).some((b) => b !== 0)) throw fail('E2BIG');
  if (!t.registered()) throw fail('ENODEV');

  if (request === FWCTL_INFO) {
    const cmd = FWCTL_INFO_LAYOUT.decode(arg);
    if (cmd.flags !== 0) throw fail('EOPNOTSUPP', `flags 0x${cmd.flags.toString(16)}`);
    let driverLen = 0;
    if (cmd.deviceDataLen !== 0) {
      const data = t.uctx.info();
      const dst = t.memory.resolve(cmd.outDeviceData, cmd.deviceDataLen);
      if (dst === undefined) throw fail('EFAULT', 'out_device_data');
      dst.fill(0, data.copy(dst, 0, 0, Math.min(data.length, dst.length)));
      driverLen = data.length;
    }
    FWCTL_INFO_LAYOUT.set(arg, 'outDeviceType', t.deviceType);
    FWCTL_INFO_LAYOUT.set(arg, 'deviceDataLen', driverLen);
    return undefined;
  }
  const cmd = FWCTL_RPC_LAYOUT.decode(arg);
  checkRpc(t, cmd, fail);
  const user = t.memory.resolve(cmd.in, cmd.inLen);
  if (user === undefined) throw fail('EFAULT', 'in');
  const inbox = Buffer.from(user); // the kernel's copy: the driver never sees user memory
  return {
    call: () => t.uctx.fwRpc(cmd.scope, inbox, cmd.outLen),
    finish: (outbox) => {
      const n = Math.min(cmd.outLen, outbox.length);
      const dst = t.memory.resolve(cmd.out, n);
      if (dst === undefined) throw fail('EFAULT', 'out');
      outbox.copy(dst, 0, 0, n);
      FWCTL_RPC_LAYOUT.set(arg, 'outLen', outbox.length);
    },
  };
}

/** checkRpc: rows 9-12 of FWCTL_RPC. */
function checkRpc(
  t: IoctlTarget,
  cmd: FwctlRpcFields,
  fail: (errno: string, why?: string) => Error,
): void {
  if (cmd.inLen > FWCTL_MAX_RPC_LEN || cmd.outLen > FWCTL_MAX_RPC_LEN) {
    throw fail('EMSGSIZE', `in_len ${cmd.inLen}, out_len ${cmd.outLen}`);
  }
  switch (cmd.scope) {
    case FwctlScope.CONFIGURATION:
    case FwctlScope.DEBUG_READ_ONLY:
      return;
    case FwctlScope.DEBUG_WRITE_FULL:
      if (!t.capSysRawio()) throw fail('EPERM');
      t.taint();
      return;
    case FwctlScope.DEBUG_WRITE:
      t.taint();
      return;
    default:
      throw fail('EOPNOTSUPP', `scope ${cmd.scope}`);
  }
}

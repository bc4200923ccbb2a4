/**
 * Helpers for the KernelDouble tests: a double with one FakeDriver device
 * open once, structs whose pointers the double can follow, and the errno
 * a call ended with.
 */

import { Buffer } from 'node:buffer';
import { FwctlScope } from '@auxctl/prm';
import { encodeFwctlInfo, encodeFwctlRpc, type FwctlRpcFields } from '../fwctl-abi.js';
import { kernelErrnoOf } from '../fwctl-errno.js';
import { KernelDouble } from '../testing/kernel-double.js';
import { FakeDriver } from './fake-driver.js';

export const NODE = '/dev/fwctl/fwctl0';

/** rig: a double, a FakeDriver registered at NODE, and one descriptor open on it. */
export async function rig(capSysRawio = false) {
  const kernel = new KernelDouble({ capSysRawio });
  const driver = new FakeDriver();
  kernel.register(NODE, driver);
  const fd = await kernel.open(NODE);
  return { kernel, driver, fd };
}

/** rpcArg: a struct fwctl_rpc whose in/out point at real (double-mapped) buffers. */
export function rpcArg(
  kernel: KernelDouble,
  over: Partial<FwctlRpcFields> = {},
  inLen = 16,
  outLen = 16,
) {
  const inbox = Buffer.alloc(inLen, 0xab);
  const out = Buffer.alloc(outLen, 0xee);
  const fields: FwctlRpcFields = {
    size: 32,
    scope: FwctlScope.DEBUG_READ_ONLY,
    inLen,
    outLen,
    in: kernel.addressOf(inbox),
    out: kernel.addressOf(out),
    ...over,
  };
  return { arg: encodeFwctlRpc(fields), inbox, out };
}

/** infoArg: a struct fwctl_info whose device data buffer (0xff-filled) the double can reach. */
export function infoArg(kernel: KernelDouble, dataLen: number, flags = 0) {
  const data = Buffer.alloc(dataLen, 0xff);
  const arg = encodeFwctlInfo({
    size: 24,
    flags,
    outDeviceType: 0,
    deviceDataLen: dataLen,
    outDeviceData: kernel.addressOf(data),
  });
  return { arg, data };
}

/** errnoOf: the kernel errno a call failed with, or 'OK'. */
export async function errnoOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'OK';
  } catch (e) {
    return kernelErrnoOf(e) ?? String(e);
  }
}

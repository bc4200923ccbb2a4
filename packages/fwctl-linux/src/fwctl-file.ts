/**
 * FwctlFile: one open `/dev/fwctl/fwctlN`, bound to exactly one firmware
 * uid (the driver creates a user context on open and destroys it on the
 * last close).
 *
 * USAGE
 *   const f = await FwctlFile.open('/dev/fwctl/fwctl0', linuxSyscalls());
 *   f.info.uid, f.info.uctxCaps            // from FWCTL_INFO at open
 *   const out = await f.rpc({ scope: FwctlScope.DEBUG_READ_ONLY, inbox, outLen: 16 });
 *   await f.close();
 *
 * RESULTS
 * `rpc` resolves with the outbox whenever the ioctl returns 0: the RPC was
 * delivered, and a firmware failure is data in the outbox (mlx5: status and
 * syndrome in its header). Any errno means delivery failed and rejects
 * with the AuxError of fwctl-errno.ts, its message prefixed with the
 * device node. The outbox is `min(outLen, driver's out_len)` bytes long.
 *
 * LIFESPAN
 *   1. FwctlFile.open()   open(2) + FWCTL_INFO; on an INFO failure the fd is closed
 *   2. rpc() ...          any number, concurrently, each off the event loop
 *   3. close()            idempotent; waits for RPCs in flight, then close(2), so
 *                         a queued RPC never meets a reused descriptor number.
 *                         After close, rpc rejects EBADF (the errno a closed
 *                         descriptor gives), without a system call.
 * After the device is unplugged the file stays open and every RPC rejects
 * ENODEV from the kernel; the caller still closes it.
 *
 * Owns: the descriptor and the RPCs in flight on it. Never: interprets a
 * command, checks a scope (the kernel and driver do), or reopens.
 */
import { Buffer } from 'node:buffer';
import { printable } from '@auxctl/core';
import { AuxError, isAuxError } from '@auxctl/prm';
import {
  decodeFwctlInfo,
  decodeFwctlInfoMlx5,
  encodeFwctlInfo,
  FWCTL_INFO,
  FWCTL_INFO_LAYOUT,
  FWCTL_INFO_MLX5_LAYOUT,
  FWCTL_MAX_RPC_LEN,
  FWCTL_RPC,
  FWCTL_RPC_LAYOUT,
  FwctlDeviceType,
} from './fwctl-abi.js';
import { fwctlError } from './fwctl-errno.js';
import type { FwctlSyscalls } from './syscalls.js';

/** FwctlFileInfo: what FWCTL_INFO said at open; uid and uctxCaps are 0 unless the device is mlx5. */
export interface FwctlFileInfo {
  readonly deviceType: number;
  readonly uid: number;
  readonly uctxCaps: number;
  /** The driver's device data (mlx5: `struct fwctl_info_mlx5`). */
  readonly deviceData: Buffer;
}

/** FwctlRpcRequest: one RPC; `inbox` is the device-specific request, `outLen` the outbox size. */
export interface FwctlRpcRequest {
  readonly scope: number;
  readonly inbox: Buffer;
  readonly outLen: number;
}

/** The largest device data asked for when a driver reports more than mlx5's 8 bytes. */
const MAX_DEVICE_DATA = 4096;

/** FwctlFile: see the module header. */
export class FwctlFile {
  readonly #sys: FwctlSyscalls;
  readonly #fd: number;
  /** The RPCs in flight, each with the buffer whose addresses the kernel holds. */
  readonly #inFlight = new Map<Promise<void>, Buffer>();
  #closing: Promise<void> | undefined;

  private constructor(
    readonly devnode: string,
    readonly info: FwctlFileInfo,
    sys: FwctlSyscalls,
    fd: number,
  ) {
    this.#sys = sys;
    this.#fd = fd;
  }

  /** open: open `devnode` and read its FWCTL_INFO; the caller must close() the result. */
  static async open(devnode: string, sys: FwctlSyscalls): Promise<FwctlFile> {
    const fd = await sys.open(devnode);
    try {
      return new FwctlFile(devnode, await queryInfo(sys, fd, devnode), sys, fd);
    } catch (e) {
      await sys.close(fd).catch(() => undefined);
      throw e;
    }
  }

  /** closed: true once close() was called. */
  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** rpc: FWCTL_RPC; resolves with the outbox when delivered (see RESULTS). */
  async rpc(req: FwctlRpcRequest): Promise<Buffer> {
    if (this.#closing) throw fwctlError('EBADF', 'FWCTL_RPC', this.devnode, 'FwctlFile closed');
    const { scope, inbox, outLen } = req;
    if (!Buffer.isBuffer(inbox)) {
      throw new AuxError('EINVAL', `FWCTL_RPC: inbox must be a Buffer, got ${printable(inbox)}`);
    }
    // The kernel refuses these too; checked here only so no such buffer is allocated.
    if (
      inbox.length > FWCTL_MAX_RPC_LEN ||
      (Number.isInteger(outLen) && outLen > FWCTL_MAX_RPC_LEN)
    ) {
      throw fwctlError(
        'EMSGSIZE',
        'FWCTL_RPC',
        this.devnode,
        `in_len ${inbox.length}, out_len ${outLen}`,
      );
    }
    // One allocation for the struct, a copy of the inbox and the outbox, each
    // 8-byte aligned. allocUnsafe (zeroed here) takes small ones from Node's
    // pool, whose memory is already off the V8 heap: Buffer.alloc of under 64
    // bytes is on the heap, and taking its address would move it first.
    const inAt = FWCTL_RPC_LAYOUT.size;
    const outAt = inAt + align8(inbox.length);
    const room = Buffer.allocUnsafe(
      outAt + (Number.isInteger(outLen) && outLen > 0 ? outLen : 0),
    ).fill(0);
    const arg = room.subarray(0, inAt);
    const user = room.subarray(inAt, inAt + inbox.length);
    const out = room.subarray(outAt);
    inbox.copy(user);
    FWCTL_RPC_LAYOUT.encode(
      {
        size: FWCTL_RPC_LAYOUT.size,
        scope,
        inLen: inbox.length,
        outLen,
        in: this.#sys.addressOf(user),
        out: this.#sys.addressOf(out),
      },
      arg,
    );
    const call = this.#sys.ioctl(this.#fd, FWCTL_RPC, arg);
    // The kernel holds these buffers' addresses until the ioctl returns: kept
    // reachable here even when the caller no longer references its request.
    this.#inFlight.set(call, room);
    try {
      await call.catch((e: unknown) => Promise.reject(onDevnode(e, this.devnode)));
    } finally {
      this.#inFlight.delete(call);
    }
    return out.subarray(0, Math.min(outLen, FWCTL_RPC_LAYOUT.get(arg, 'outLen') as number));
  }

  /** close: release the file (once); later calls return the same promise. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inFlight.keys()]);
      await this.#sys.close(this.#fd);
    })();
    return this.#closing;
  }
}

/** align8: `n` rounded up to a multiple of 8. */
function align8(n: number): number {
  return (n + 7) & ~7;
}

/** queryInfo: FWCTL_INFO with room for mlx5's device data, once more if the driver has more. */
async function queryInfo(sys: FwctlSyscalls, fd: number, devnode: string): Promise<FwctlFileInfo> {
  let data = Buffer.alloc(FWCTL_INFO_MLX5_LAYOUT.size);
  let reply = await infoCall(sys, fd, devnode, data);
  if (reply.deviceDataLen > data.length && reply.deviceDataLen <= MAX_DEVICE_DATA) {
    data = Buffer.alloc(reply.deviceDataLen);
    reply = await infoCall(sys, fd, devnode, data);
  }
  const deviceData = data.subarray(0, Math.min(reply.deviceDataLen, data.length));
  const mlx5 =
    reply.outDeviceType === FwctlDeviceType.MLX5 && deviceData.length >= FWCTL_INFO_MLX5_LAYOUT.size
      ? decodeFwctlInfoMlx5(deviceData)
      : { uid: 0, uctxCaps: 0 };
  return { deviceType: reply.outDeviceType, ...mlx5, deviceData };
}

async function infoCall(sys: FwctlSyscalls, fd: number, devnode: string, data: Buffer) {
  const arg = encodeFwctlInfo({
    size: FWCTL_INFO_LAYOUT.size,
    flags: 0,
    outDeviceType: 0,
    deviceDataLen: data.length,
    outDeviceData: sys.addressOf(data),
  });
  await sys.ioctl(fd, FWCTL_INFO, arg).catch((e: unknown) => Promise.reject(onDevnode(e, devnode)));
  return decodeFwctlInfo(arg);
}

/** onDevnode: the same error with the device node leading its message. */
function onDevnode(e: unknown, devnode: string): unknown {
  if (!isAuxError(e)) return e;
  return new AuxError(e.code, `${devnode}: ${e.message}`, e.detail, { cause: e });
}

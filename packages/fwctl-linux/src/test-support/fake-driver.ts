/**
 * FakeDriver: a DoubleDriver for this package's tests. Each open gets the
 * next uid; info() is an mlx5 `struct fwctl_info_mlx5` (or `infoBytes`);
 * fwRpc answers through `reply` (default: an outbox of outLen bytes whose
 * first 16 bytes repeat the inbox's), and every call is recorded.
 */
import { Buffer } from 'node:buffer';
import { encodeFwctlInfoMlx5, FwctlDeviceType } from '../fwctl-abi.js';
import type { DoubleDriver, DoubleUctx } from '../testing/fwctl-ioctl.js';

/** FakeRpc: one fwRpc call as the driver saw it. */
export interface FakeRpc {
  readonly uid: number;
  readonly scope: number;
  readonly inbox: Buffer;
  readonly outLen: number;
}

/** FakeDriver: see the module header. */
export class FakeDriver implements DoubleDriver {
  deviceType: number = FwctlDeviceType.MLX5;
  uctxCaps = 0x4;
  /** infoBytes: device data to return instead of fwctl_info_mlx5. */
  infoBytes: Buffer | undefined;
  /** failOpen: open_uctx fails with this. */
  failOpen: Error | undefined;
  reply: (rpc: FakeRpc) => Promise<Buffer> | Buffer = ({ inbox, outLen }) => {
    const out = Buffer.alloc(outLen);
    inbox.copy(out, 0, 0, Math.min(16, outLen));
    return out;
  };
  readonly rpcs: FakeRpc[] = [];
  readonly closedUids: number[] = [];
  infoCalls = 0;
  #nextUid = 1;

  async openUctx(): Promise<DoubleUctx> {
    if (this.failOpen) throw this.failOpen;
    const uid = this.#nextUid++;
    return {
      info: () => {
        this.infoCalls++;
        return this.infoBytes ?? encodeFwctlInfoMlx5({ uid, uctxCaps: this.uctxCaps });
      },
      fwRpc: (scope, inbox, outLen) => {
        const rpc = { uid, scope, inbox, outLen };
        this.rpcs.push(rpc);
        return this.reply(rpc);
      },
      close: async () => {
        this.closedUids.push(uid);
      },
    };
  }
}

/** deferred: a promise and the functions that settle it. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

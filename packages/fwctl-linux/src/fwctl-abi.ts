/**
 * fwctl ABI: the ioctl numbers, enums and structs of Linux
 * `include/uapi/fwctl/fwctl.h` and `include/uapi/fwctl/mlx5.h`, as data.
 *
 * Every struct is declared once (a HostStruct: field -> offset, type) with
 * the sizes and offsets of the uAPI: `struct fwctl_info` 24 bytes,
 * `struct fwctl_rpc` 32 bytes, `struct fwctl_info_mlx5` 8 bytes; native
 * byte order; user pointers are u64 (`__aligned_u64`) on every
 * architecture. The ioctls are `_IO(0x9A, nr)`: the struct size travels
 * in the struct's first u32, not in the request number, and a kernel that
 * knows less than user space refuses non-zero bytes beyond its own size
 * (E2BIG).
 *
 * Owns: the numbers and layouts. Never: issues a system call.
 */
import type { Buffer } from 'node:buffer';
import { type FieldValues, HostStruct } from './host-struct.js';

/** FWCTL_TYPE: the ioctl type byte of fwctl. */
export const FWCTL_TYPE = 0x9a;
/** FWCTL_INFO: `_IO(FWCTL_TYPE, FWCTL_CMD_INFO = 0)`. */
export const FWCTL_INFO = 0x9a00;
/** FWCTL_RPC: `_IO(FWCTL_TYPE, FWCTL_CMD_RPC = 1)`. */
export const FWCTL_RPC = 0x9a01;

/** FwctlDeviceType: `enum fwctl_device_type` as merged in mainline (BNXT since v7.1). */
export const FwctlDeviceType = { ERROR: 0, MLX5: 1, CXL: 2, BNXT: 3, PDS: 4 } as const;

/** FWCTL_MAX_RPC_LEN: the kernel's limit on in_len and out_len (SZ_2M); above it, EMSGSIZE. */
export const FWCTL_MAX_RPC_LEN = 2 * 1024 * 1024;

/** FWCTL_SIZE_HEADER: the first u32 of every fwctl ioctl struct, its size. */
export const FWCTL_SIZE_HEADER = new HostStruct('fwctl struct size', 4, {
  size: { offset: 0, type: 'u32' },
} as const);

/** FWCTL_INFO_LAYOUT: `struct fwctl_info`; min size = sizeof = 24. */
export const FWCTL_INFO_LAYOUT = new HostStruct('struct fwctl_info', 24, {
  size: { offset: 0, type: 'u32' },
  flags: { offset: 4, type: 'u32' },
  outDeviceType: { offset: 8, type: 'u32' },
  deviceDataLen: { offset: 12, type: 'u32' },
  outDeviceData: { offset: 16, type: 'u64' },
} as const);

/** FWCTL_RPC_LAYOUT: `struct fwctl_rpc`; min size = sizeof = 32. */
export const FWCTL_RPC_LAYOUT = new HostStruct('struct fwctl_rpc', 32, {
  size: { offset: 0, type: 'u32' },
  scope: { offset: 4, type: 'u32' },
  inLen: { offset: 8, type: 'u32' },
  outLen: { offset: 12, type: 'u32' },
  in: { offset: 16, type: 'u64' },
  out: { offset: 24, type: 'u64' },
} as const);

/** FWCTL_INFO_MLX5_LAYOUT: `struct fwctl_info_mlx5`, the mlx5 driver's device data. */
export const FWCTL_INFO_MLX5_LAYOUT = new HostStruct('struct fwctl_info_mlx5', 8, {
  uid: { offset: 0, type: 'u32' },
  uctxCaps: { offset: 4, type: 'u32' },
} as const);

/** FwctlInfoFields: the fields of `struct fwctl_info`. */
export type FwctlInfoFields = FieldValues<typeof FWCTL_INFO_LAYOUT.fields>;
/** FwctlRpcFields: the fields of `struct fwctl_rpc`. */
export type FwctlRpcFields = FieldValues<typeof FWCTL_RPC_LAYOUT.fields>;
/** FwctlInfoMlx5Fields: the fields of `struct fwctl_info_mlx5`. */
export type FwctlInfoMlx5Fields = FieldValues<typeof FWCTL_INFO_MLX5_LAYOUT.fields>;

/** encodeFwctlInfo: the 24 bytes of a `struct fwctl_info`. */
export function encodeFwctlInfo(v: FwctlInfoFields): Buffer {
  return FWCTL_INFO_LAYOUT.encode(v);
}

/** decodeFwctlInfo: the fields of the `struct fwctl_info` at the start of `buf`. */
export function decodeFwctlInfo(buf: Buffer): FwctlInfoFields {
  return FWCTL_INFO_LAYOUT.decode(buf);
}

/** encodeFwctlRpc: the 32 bytes of a `struct fwctl_rpc`. */
export function encodeFwctlRpc(v: FwctlRpcFields): Buffer {
  return FWCTL_RPC_LAYOUT.encode(v);
}

/** decodeFwctlRpc: the fields of the `struct fwctl_rpc` at the start of `buf`. */
export function decodeFwctlRpc(buf: Buffer): FwctlRpcFields {
  return FWCTL_RPC_LAYOUT.decode(buf);
}

/** encodeFwctlInfoMlx5: the 8 bytes of a `struct fwctl_info_mlx5`. */
export function encodeFwctlInfoMlx5(v: FwctlInfoMlx5Fields): Buffer {
  return FWCTL_INFO_MLX5_LAYOUT.encode(v);
}

/** decodeFwctlInfoMlx5: the fields of the `struct fwctl_info_mlx5` at the start of `buf`. */
export function decodeFwctlInfoMlx5(buf: Buffer): FwctlInfoMlx5Fields {
  return FWCTL_INFO_MLX5_LAYOUT.decode(buf);
}

/** ioctlName: how error messages name an ioctl request: `FWCTL_INFO`, or `ioctl 0x8912`. */
export function ioctlName(request: number): string {
  if (request === FWCTL_INFO) return 'FWCTL_INFO';
  if (request === FWCTL_RPC) return 'FWCTL_RPC';
  return `ioctl 0x${request.toString(16)}`;
}

/** fwctlDeviceTypeName: the name of a device type, or `device type N` for a newer one. */
export function fwctlDeviceTypeName(type: number): string {
  return nameIn(FwctlDeviceType, type) ?? `device type ${type}`;
}

function nameIn(table: Readonly<Record<string, number>>, value: number): string | undefined {
  return Object.keys(table).find((k) => table[k] === value);
}

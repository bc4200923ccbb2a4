/**
 * @auxctl/fwctl-linux: the user-space side of Linux fwctl
 * (`/dev/fwctl/fwctlN`, kernel 6.15 and later): the ioctl ABI, one seam
 * for the system calls (koffi + libc for real), files bound to a firmware
 * uid, sysfs discovery and a watcher, and the kernel's fwctl taint.
 * Test doubles live at `@auxctl/fwctl-linux/testing`.
 */
export {
  decodeFwctlInfo,
  decodeFwctlInfoMlx5,
  decodeFwctlRpc,
  encodeFwctlInfo,
  encodeFwctlInfoMlx5,
  encodeFwctlRpc,
  FWCTL_INFO,
  FWCTL_INFO_LAYOUT,
  FWCTL_INFO_MLX5_LAYOUT,
  FWCTL_MAX_RPC_LEN,
  FWCTL_RPC,
  FWCTL_RPC_LAYOUT,
  FWCTL_SIZE_HEADER,
  FWCTL_TYPE,
  FwctlDeviceType,
  type FwctlInfoFields,
  type FwctlInfoMlx5Fields,
  type FwctlRpcFields,
  fwctlDeviceTypeName,
  ioctlName,
} from './fwctl-abi.js';
export {
  auxErrnoOf,
  FWCTL_DOCUMENTED_ERRNOS,
  type FwctlErrorDetail,
  fwctlErrnoMeaning,
  fwctlError,
  kernelErrnoOf,
  NEAREST_ERRNO,
} from './fwctl-errno.js';
export { FwctlFile, type FwctlFileInfo, type FwctlRpcRequest } from './fwctl-file.js';
export { FwctlWatcher, type FwctlWatcherOptions } from './fwctl-watcher.js';
export { type FieldType, type FieldValues, HostStruct, type StructField } from './host-struct.js';
export {
  type KernelTaint,
  parseTaintMask,
  readKernelTaint,
  TAINT_FWCTL_BIT,
  TAINT_FWCTL_LETTER,
  taintOf,
} from './kernel-taint.js';
export { type FwctlSyscalls, linuxSyscalls } from './syscalls.js';
export {
  discoverFwctl,
  FWCTL_MAX_DEVICES,
  type FwctlAuxDevice,
  type FwctlDeviceEntry,
  type FwctlDiscoveryOptions,
  parseFwctlName,
} from './sysfs-discovery.js';

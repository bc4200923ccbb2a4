/**
 * @auxctl/fwctl-linux/testing: doubles for code built on this package.
 * KernelDouble stands in for the kernel behind the FwctlSyscalls seam
 * (plug a DoubleDriver into it per device node); buildSysfsTree writes a
 * fake /sys for discovery and the watcher.
 */
export {
  type DoubleDriver,
  type DoubleUctx,
  type DriverStep,
  type IoctlTarget,
  startIoctl,
} from './fwctl-ioctl.js';
export { KernelDouble, type KernelDoubleOptions } from './kernel-double.js';
export { buildSysfsTree, removeFromSysfsTree, type SysfsTreeDevice } from './sysfs-tree.js';
export { USER_BASE, UserMemory } from './user-memory.js';

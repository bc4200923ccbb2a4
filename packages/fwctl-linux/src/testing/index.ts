/**
 * @auxctl/fwctl-linux/testing: doubles for code built on this package.
 * KernelDouble stands in for the kernel behind the FwctlSyscalls seam
 * (plug a DoubleDriver into it per device node).
 */
export {
  type DoubleDriver,
  type DoubleUctx,
  type DriverStep,
  type IoctlTarget,
  startIoctl,
} from './fwctl-ioctl.js';
export { KernelDouble, type KernelDoubleOptions } from './kernel-double.js';
export { USER_BASE, UserMemory } from './user-memory.js';

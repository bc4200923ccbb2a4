/**
 * The PCI bus: PCI functions, PCI drivers with id tables and
 * driver_override, and SR-IOV (sriov_numvfs, VFs, drivers autoprobe). See
 * `pci-bus.ts` for the lifecycle.
 *
 * Owns: the public surface of the PCI bus. Never: exports bus-private state.
 */
export { PciBus, type PciEvent } from './pci-bus.js';
export {
  checkPciDriver,
  matchPciDevice,
  PCI_ANY_ID,
  PCI_ID_ANY,
  type PciDeviceId,
  type PciDriver,
  type PciMatchable,
} from './pci-driver.js';
export {
  PciFunction,
  type PciFunctionInit,
  type SriovCapability,
  type SriovState,
} from './pci-function.js';
export { type PciFunctionInfo, pciFunctionInfo } from './pci-info.js';
export {
  decideNumVfs,
  NUMVFS_RULES,
  type NumVfsOutcome,
  type NumVfsRule,
  type NumVfsWrite,
  parseNumVfs,
} from './sriov-numvfs.js';

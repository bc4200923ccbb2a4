/**
 * @auxctl/core: the driver side of an mlx5-class function: the firmware
 * command queue, the auxiliary bus, the PCI bus with SR-IOV, the core
 * device that publishes aux devices, health, and the command toolbox. The hardware interface it
 * drives (layouts, opcodes, statuses, the DeviceBackend seam) is
 * @auxctl/prm; import those names from there.
 */
export {
  AUX_DRIVER_EXPORT,
  AUX_ID_MAX,
  AUX_NAME_PART_MAX,
  type AuxDeviceInfo,
  type AuxDeviceInit,
  type AuxDeviceName,
  type AuxDeviceState,
  type AuxDriverInfo,
  type AuxDriverResolver,
  AuxiliaryBus,
  type AuxiliaryBusOptions,
  AuxiliaryDevice,
  type AuxiliaryDeviceId,
  type AuxiliaryDriver,
  asAuxError,
  type BindableDevice,
  type BindingHost,
  type BindingSlot,
  type BoundDriver,
  DeviceLock,
  DeviceRegistry,
  type DeviceRegistryMessages,
  DriverBinding,
  type DriverRecord,
  formatDeviceName,
  formatMatchName,
  MODALIAS_PREFIX,
  type ModuleImporter,
  matchId,
  matchNameOf,
  modaliasOf,
  moduleResolver,
  parseDeviceName,
  parseMatchName,
  parseModalias,
  type RegistryEvent,
  supportsSuspend,
  type Uevent,
  type UeventAction,
} from './bus/index.js';
export type { CmdStatusDetail, CmdTransportDetail } from './cmdq/command-errors.js';
export {
  type CmdOptions,
  CommandQueue,
  type CommandQueueOptions,
  type CommandQueueStats,
  DEFAULT_CMD_TIMEOUT_MS,
} from './cmdq/command-queue.js';
export type { CmdOpStats } from './cmdq/command-stats.js';
export {
  CompletionQueue,
  type CompletionQueueOptions,
  pollCqes,
} from './datapath/completion-queue.js';
export type { DataPathHandle } from './datapath/data-path-handle.js';
export {
  ReceiveQueue,
  type ReceiveQueueOptions,
  SendQueue,
  type SendQueueOptions,
} from './datapath/eth-queues.js';
export { QueueBuffer } from './datapath/queue-buffer.js';
export { QueuePair, type QueuePairOptions } from './datapath/queue-pair.js';
export { WorkQueue, type WorkQueueKind } from './datapath/work-queue.js';
export {
  type ParsedSendWqe,
  type RecvWqeStride,
  readRecvWqe,
  readSendWqe,
  recvWqeStride,
  type SendWqe,
  type Sge,
  sendWqeBlocks,
  sendWqeDs,
  writeRecvWqe,
  writeSendWqe,
} from './datapath/wqe-format.js';
export {
  AUX_MODNAME,
  type AuxDeviceSpec,
  type AuxFunctionInfo,
  type FunctionKind,
  MLX5_AUX_DEVICES,
  PORT_TYPE,
  vnetSupported,
} from './device/aux-table.js';
export { CoreDevice, type CoreDeviceOptions } from './device/core-device.js';
export type { CoreEvent, CoreState } from './device/core-events.js';
export { CoreHandle } from './device/core-handle.js';
export {
  CORE_HEALTH_DEFAULTS,
  type CoreHealth,
  type CoreHealthOptions,
  describeSyndrome,
} from './device/core-health.js';
export {
  CORE_PCI_DRIVER_NAME,
  type CorePciDriverOptions,
  createCorePciDriver,
  MLX5_PCI_IDS,
  PCI_VENDOR_ID_MELLANOX,
  pciFunctionOf,
  pfCoreOf,
} from './device/core-pci-driver.js';
export {
  CoreSriov,
  type CoreSriovOptions,
  type SriovResetHooks,
  type VfPortFunctionInfo,
} from './device/core-sriov.js';
export {
  type DeviceParamName,
  DeviceParams,
  type DeviceParamValues,
} from './device/device-params.js';
export {
  type CqCompletionHandler,
  EventQueues,
  type EventQueuesOptions,
  type ObjectChangeHandler,
} from './device/event-queues.js';
export {
  type BootProfile,
  type BootResult,
  bootFirmware,
  HostPages,
  shutdownFirmware,
} from './device/firmware-boot.js';
export {
  type AdapterInfo,
  accessRegister,
  buildInbox,
  type CommandExecutor,
  disableHca,
  enableHca,
  type GeneralCaps,
  givePages,
  initHca,
  nop,
  queryAdapter,
  queryHcaCap,
  queryIssi,
  queryPages,
  reclaimPages,
  setHcaCap,
  setIssi,
  teardownHca,
} from './device/firmware-commands.js';
export { coreDeviceIds, IdAllocator, sfDeviceIds } from './device/id-allocator.js';
export {
  allocPd,
  createPaMkey,
  createUmem,
  createUmemInbox,
  createUmemMkey,
  deallocPd,
  destroyMkey,
  destroyUctx,
  destroyUmem,
  type KeyRights,
} from './device/memory-commands.js';
export { ObjectStack } from './device/object-stack.js';
export {
  type LinkState,
  modifyNicVportContext,
  modifyVportState,
  queryNicVportContext,
  queryVportCounters,
  queryVportState,
  readPaos,
  readPmtu,
  readPortCounters,
  type VportCounters,
  writePaos,
  writePmtu,
} from './device/port-commands.js';
export {
  type CheckedAttrs,
  checkAddArgs,
  checkAttrs,
  formatHwAddr,
  type PortFunctionAddArgs,
  type PortFunctionAttrs,
  parseHwAddr,
} from './device/port-function-args.js';
export {
  isSfPort,
  type PortFunctionInfo,
  type PortFunctionState,
  PortFunctions,
  type SfPortFunctionInfo,
} from './device/port-functions.js';
export {
  createQp,
  destroyQp,
  modifyQp,
  type QpInfo,
  type QpModifyParams,
  type QpParams,
  queryQp,
} from './device/qp-commands.js';
export {
  type CqParams,
  createCq,
  createEq,
  createRq,
  createSq,
  createTir,
  createTis,
  destroyCq,
  destroyEq,
  destroyRq,
  destroySq,
  destroyTir,
  destroyTis,
  modifyRq,
  modifySq,
  queryCq,
  queryRq,
  querySq,
  type RingPlacement,
  type RqParams,
  type SqParams,
  type WqInfo,
  withPas,
} from './device/queue-commands.js';
export { SerialQueue } from './device/serial-queue.js';
export { SfDevice, type SfDeviceInit } from './device/sf-device.js';
export {
  createSfDriver,
  SF_DRIVER_NAME,
  SF_MATCH_NAME,
  type SfDriverOptions,
} from './device/sf-driver.js';
export { type UserContext, UserContexts } from './device/user-contexts.js';
export {
  createVirtq,
  createVirtqCounters,
  destroyVirtq,
  destroyVirtqCounters,
  kickVirtq,
  modifyVirtq,
  queryVirtioEmulationCaps,
  queryVirtq,
  queryVirtqCounters,
  type VirtioEmulationCaps,
  type VirtqChange,
  type VirtqCounters,
  type VirtqInfo,
  type VirtqParams,
  type VirtqUmem,
  virtqUmemSizes,
} from './device/virtq-commands.js';
export { EventChannel, type Listener } from './event-channel.js';
export {
  HEALTH_POLLER_DEFAULTS,
  HealthPoller,
  type HealthPollerOptions,
  type HealthSample,
  readHealthSample,
} from './health/health-poller.js';
export { HealthReporter, type ReportOutcome, type StoredDump } from './health/health-reporter.js';
export { type Logger, RateLimitedLog, silentLogger } from './log.js';
export { type LineLevel, LineWriter } from './log-line.js';
export { mapEntry } from './map-entry.js';
export {
  checkPciDriver,
  decideNumVfs,
  matchPciDevice,
  NUMVFS_RULES,
  type NumVfsOutcome,
  type NumVfsRule,
  type NumVfsWrite,
  PCI_ANY_ID,
  PCI_ID_ANY,
  PciBus,
  type PciDeviceId,
  type PciDriver,
  type PciEvent,
  PciFunction,
  type PciFunctionInfo,
  type PciFunctionInit,
  type PciMatchable,
  parseNumVfs,
  pciFunctionInfo,
  type SriovCapability,
  type SriovState,
} from './pci/index.js';
export { printable } from './printable.js';

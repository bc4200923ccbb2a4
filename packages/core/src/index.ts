/**
 * @auxctl/core: the device backend and its simulator, the firmware command
 * queue, the auxiliary bus and the core device that publishes aux devices.
 */
export * from './backend.js';
export * from './bus/index.js';
export type { CmdStatusDetail, CmdTransportDetail } from './cmdq/command-errors.js';
export {
  type CmdOptions,
  CommandQueue,
  type CommandQueueOptions,
  type CommandQueueStats,
  DEFAULT_CMD_TIMEOUT_MS,
} from './cmdq/command-queue.js';
export type { CmdOpStats } from './cmdq/command-stats.js';
export { dmaBlockMemory, MailboxChain } from './cmdq/mailbox-chain.js';
export { BLOCKS_PER_CHUNK, MailboxPool } from './cmdq/mailbox-pool.js';
export {
  CompletionQueue,
  type CompletionQueueOptions,
} from './datapath/completion-queue.js';
export { type Cqe, cqeOwner, cqeReady, parseCqe } from './datapath/cqe.js';
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
export * from './datapath/wqe-format.js';
export {
  AUX_MODNAME,
  type AuxDeviceSpec,
  MLX5_AUX_DEVICES,
  PORT_TYPE,
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
  type CqCompletionHandler,
  EventQueues,
  type EventQueuesOptions,
} from './device/event-queues.js';
export {
  type BootProfile,
  type BootResult,
  bootFirmware,
  HostPages,
  shutdownFirmware,
} from './device/firmware-boot.js';
export * from './device/firmware-commands.js';
export { coreDeviceIds, IdAllocator, sfDeviceIds } from './device/id-allocator.js';
export * from './device/memory-commands.js';
export * from './device/port-commands.js';
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
  type PortFunctionInfo,
  type PortFunctionState,
  PortFunctions,
} from './device/port-functions.js';
export * from './device/qp-commands.js';
export * from './device/queue-commands.js';
export { SfDevice, type SfDeviceInit } from './device/sf-device.js';
export {
  createSfDriver,
  SF_DRIVER_NAME,
  SF_MATCH_NAME,
  type SfDriverOptions,
} from './device/sf-driver.js';
export { type UserContext, UserContexts } from './device/user-contexts.js';
export { DmaSpace, PAGE_SIZE } from './dma.js';
export * from './errors.js';
export { EventChannel, type Listener } from './event-channel.js';
export {
  HEALTH_POLLER_DEFAULTS,
  HealthPoller,
  type HealthPollerOptions,
  type HealthSample,
  readHealthSample,
} from './health/health-poller.js';
export { HealthReporter, type ReportOutcome, type StoredDump } from './health/health-reporter.js';
export * from './ifc/access-reg.js';
export * from './ifc/adapter.js';
export * from './ifc/cq.js';
export * from './ifc/diag.js';
export * from './ifc/eq.js';
export * from './ifc/esw-functions.js';
export * from './ifc/hca-cap.js';
export * from './ifc/header.js';
export * from './ifc/health.js';
export * from './ifc/init.js';
export * from './ifc/issi.js';
export * from './ifc/mkey.js';
export * from './ifc/opcodes.js';
export * from './ifc/pd.js';
export * from './ifc/qp.js';
export * from './ifc/registers/core-dump.js';
export * from './ifc/registers/mtrc.js';
export * from './ifc/registers/port-regs.js';
export * from './ifc/registers/ppcnt.js';
export * from './ifc/registers/resource-dump.js';
export * from './ifc/registers/resource-dump-stream.js';
export * from './ifc/status.js';
export * from './ifc/tir-tis.js';
export * from './ifc/uctx.js';
export * from './ifc/umem.js';
export * from './ifc/vport.js';
export * from './ifc/wq.js';
export * from './ifc/wqe.js';
export * from './layout/layout.js';
export { type Logger, RateLimitedLog, silentLogger } from './log.js';
export {
  createSimDevice,
  type SimFunction,
  type SimFunctionOptions,
  simIdentity,
} from './sim/create-sim-device.js';
export { SimPort } from './sim/datapath/sim-port.js';
export { EmbeddedSwitch } from './sim/embedded-switch.js';
export { FaultInjector } from './sim/fault-injector.js';
export { Firmware } from './sim/firmware.js';
export type { FirmwareEngine } from './sim/firmware-engine.js';
export {
  DEFAULT_CRDUMP_SIZE,
  DEFAULT_IDENTITY,
  DEFAULT_MAX_SFS,
  type FirmwareOptions,
  MAX_CRDUMP_SIZE,
} from './sim/firmware-options.js';
export { FwError } from './sim/fw-error.js';
export {
  LATENCY_PROFILES,
  type LatencyModel,
  SimDevice,
  type SimDeviceOptions,
} from './sim/sim-device.js';
export { SimWire, type SimWireOptions, type SimWireStats, type WireEnd } from './sim/sim-wire.js';
export { type SfFunction, type SfTransport, SubFunctions } from './sim/sub-functions.js';
export { Syndrome } from './sim/syndromes.js';

/**
 * @auxctl/core: the driver side of an mlx5-class function: the firmware
 * command queue, the auxiliary bus, the core device that publishes aux
 * devices, health, and the command toolbox. The hardware interface it
 * drives (layouts, opcodes, statuses, the DeviceBackend seam) is
 * @auxctl/prm; import those names from there.
 */
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
export {
  CompletionQueue,
  type CompletionQueueOptions,
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
export { printable } from './printable.js';

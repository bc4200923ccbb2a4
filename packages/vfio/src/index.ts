/**
 * @auxctl/vfio: vfio-pci-core as a library for variant drivers — the
 * migration v2 uAPI (device states, flags, the state machine vfio core
 * steps a device through), the device feature ioctl with its rules, a
 * vfio device on a PCI function (`VfioPciCoreDevice`) that a driver
 * builds with its own migration and DMA-logging ops, the plain `vfio-pci`
 * driver, and the record stream mlx5's variant driver writes its state in.
 */

export { VfioDevices } from './device/vfio-devices.js';
export type {
  LogOps,
  MigDataFile,
  MigrationOps,
  PrecopyInfo,
  VfioDeviceOps,
} from './device/vfio-ops.js';
export {
  type FeatureResult,
  type FunctionView,
  VfioDeviceFd,
  VfioPciCoreDevice,
  type VfioPciCoreDeviceInit,
} from './device/vfio-pci-core-device.js';
export {
  checkFeature,
  checkFeatureHeader,
  FeatureFlag,
  featureIndex,
  VfioFeature,
} from './feature/device-feature.js';
export {
  LOG_MAX_RANGES,
  LOG_MIN_PAGE_SIZE,
  parseLoggingReport,
  parseLoggingStart,
} from './feature/dma-logging-args.js';
export {
  dataSizeData,
  type IovaRange,
  loggingControlData,
  loggingReportData,
  migrationData,
  migStateData,
  readMigState,
  readU64,
  STRUCT_BYTES,
} from './feature/feature-structs.js';
export { IovaBitmap } from './feature/iova-bitmap.js';
export { type ReadMigDataOptions, readMigData } from './migration/mig-data-read.js';
export { type MigArc, migPath, nextMigState, requiredArcs } from './migration/mig-fsm.js';
export {
  ALL_MIG_FLAGS,
  isMigState,
  MIG_STATES,
  MigFlag,
  MigState,
  type MigStateValue,
  migStateName,
  stateSupported,
} from './migration/mig-states.js';
export {
  encodeMigRecord,
  MIG_RECORD_HEADER_BYTES,
  type MigRecord,
  MigRecordFlag,
  MigStreamParser,
  type MigStreamParserOptions,
  MigTag,
  stopCopySizeRecord,
} from './migration/mig-stream.js';
export { createVfioPciDriver, VFIO_PCI_DRIVER_NAME } from './vfio-pci-driver.js';

/**
 * @auxctl/vfio: vfio-pci-core as a library for variant drivers. So far:
 * the migration v2 uAPI — device states, migration flags, and the state
 * machine vfio core steps a device through — and the record stream mlx5's
 * variant driver writes its saved state in.
 */
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

/**
 * @auxctl/vfio: vfio-pci-core as a library for variant drivers. So far:
 * the migration v2 uAPI — device states, migration flags, and the state
 * machine vfio core steps a device through.
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

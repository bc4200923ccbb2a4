/**
 * @auxctl/vfio-mlx5: mlx5_vfio_pci, the mlx5 vfio variant driver: a PCI
 * driver matched only through driver_override, built on vfio-pci-core
 * (`@auxctl/vfio`), that moves a VF's state with the PF's
 * SUSPEND/RESUME/QUERY/SAVE/LOAD_VHCA commands for the VF's vhca_id.
 */
export {
  type ArcPlan,
  arcPlan,
  type FwStep,
  MLX5_MIG_FLAGS,
  type StreamEffect,
} from './arc-plan.js';
export { Mlx5ResumeFile } from './mlx5-resume-file.js';
export { Mlx5SaveFile, type SavePhase } from './mlx5-save-file.js';
export { Mlx5VfDirtyLog } from './mlx5-vf-dirty-log.js';
export { Mlx5VfMigration, type Mlx5VfMigrationOptions } from './mlx5-vf-migration.js';
export {
  createMlx5VfioPciDriver,
  MLX5_VF_DEVICE_ID,
  MLX5_VFIO_PCI_DRIVER_NAME,
  type Mlx5VfioBinding,
  type Mlx5VfioPciDriverOptions,
} from './mlx5-vfio-pci-driver.js';
export { type MigBuffer, PfMigMemory } from './pf-mig-memory.js';
export { VfTarget } from './vf-target.js';
export {
  loadVhcaState,
  type MigrationStateSize,
  queryVhcaMigrationState,
  resumeVhca,
  saveVhcaState,
  suspendVhca,
  type VhcaImageTarget,
} from './vhca-commands.js';

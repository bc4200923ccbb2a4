/** Test helpers of mlx5_vfio_pci for other packages' tests (a VMM's): the migration rig. */
export { type MigRig, migRig } from './mig-rig.js';

/**
 * @auxctl/vfio-mlx5: mlx5_vfio_pci, the mlx5 vfio variant driver. So far:
 * what it does on each migration arc, as the PF's firmware commands for
 * the VF's vhca_id (`arcPlan`).
 */
export {
  type ArcPlan,
  arcPlan,
  type FwStep,
  MLX5_MIG_FLAGS,
  type StreamEffect,
} from './arc-plan.js';

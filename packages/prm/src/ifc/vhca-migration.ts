/**
 * VHCA migration commands (PRM; mlx5_ifc.h): what a PF's driver (the vfio
 * variant driver, mlx5_vfio_pci) sends to move the live state of one of
 * its VFs, named by `vhca_id`:
 *
 *   SUSPEND_VHCA (0x115)               stop the VF (op_mod: INITIATOR 0 stops
 *                                      it initiating DMA; RESPONDER 1 stops it all)
 *   RESUME_VHCA (0x116)                undo (op_mod: RESPONDER 0, INITIATOR 1 —
 *                                      the numbering is the reverse of SUSPEND's)
 *   QUERY_VHCA_MIGRATION_STATE (0x117) how much a SAVE needs (`required_umem_size`,
 *                                      `remaining_total_size` in chunk mode)
 *   SAVE_VHCA_STATE (0x118)            write the state image into `size` bytes at
 *                                      `va` through `mkey` (`incremental` for
 *                                      pre-copy, `set_track` to start tracking)
 *   LOAD_VHCA_STATE (0x119)            read an image back into a VF
 *
 * Owns: the layouts and op_mods. Never: behaviour.
 */
import { defineLayout } from '../layout/layout.js';

/** SuspendVhcaOpMod: SUSPEND_VHCA op_mod. */
export const SuspendVhcaOpMod = { INITIATOR: 0, RESPONDER: 1 } as const;

/** ResumeVhcaOpMod: RESUME_VHCA op_mod (reversed against SUSPEND's, as in mlx5_ifc.h). */
export const ResumeVhcaOpMod = { RESPONDER: 0, INITIATOR: 1 } as const;

/** VhcaIn: `suspend_vhca_in` / `resume_vhca_in`. */
export const VhcaIn = defineLayout('suspend_vhca_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 16,
  vhca_id: 16,
  reserved_at_60: 32,
});

/** VhcaOut: `suspend_vhca_out` / `resume_vhca_out` / `load_vhca_state_out`. */
export const VhcaOut = defineLayout('suspend_vhca_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
});

/** QueryVhcaMigrationStateIn: `query_vhca_migration_state_in`. */
export const QueryVhcaMigrationStateIn = defineLayout('query_vhca_migration_state_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  incremental: 1,
  chunk: 1,
  reserved_at_42: 14,
  vhca_id: 16,
  reserved_at_60: 32,
});

/** QueryVhcaMigrationStateOut: `query_vhca_migration_state_out`. */
export const QueryVhcaMigrationStateOut = defineLayout('query_vhca_migration_state_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  required_umem_size: 32,
  reserved_at_a0: 32,
  remaining_total_size: 64,
  reserved_at_100: 0x100,
});

/** SaveVhcaStateIn: `save_vhca_state_in`. */
export const SaveVhcaStateIn = defineLayout('save_vhca_state_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  incremental: 1,
  set_track: 1,
  reserved_at_42: 14,
  vhca_id: 16,
  reserved_at_60: 32,
  va: 64,
  mkey: 32,
  size: 32,
});

/** SaveVhcaStateOut: `save_vhca_state_out`. */
export const SaveVhcaStateOut = defineLayout('save_vhca_state_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  actual_image_size: 32,
  next_required_umem_size: 32,
});

/** LoadVhcaStateIn: `load_vhca_state_in`. */
export const LoadVhcaStateIn = defineLayout('load_vhca_state_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 16,
  vhca_id: 16,
  reserved_at_60: 32,
  va: 64,
  mkey: 32,
  size: 32,
});

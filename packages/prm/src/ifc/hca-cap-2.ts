/**
 * The second general capability block and the advanced-virtualization
 * capability (QUERY_HCA_CAP cap_type GENERAL_2 0x20 and
 * ADV_VIRTUALIZATION 0x26): what live migration of a VF reads.
 *
 *   cmd_hca_cap_2.migratable                this function's state may be
 *                                           saved and loaded (a VF whose
 *                                           port function is migratable)
 *   cmd_hca_cap_2.migration_multi_load      a full image, then incremental
 *                                           ones, load in order
 *   cmd_hca_cap_2.migration_tracking_state  SAVE `set_track` / `incremental`
 *   cmd_hca_cap_2.migration_in_chunks       QUERY `chunk` / `remaining_total_size`
 *   adv_virtualization_cap.pg_track_*       the dirty-page tracker's limits
 *
 * Offsets follow `mlx5_ifc.h` (`mlx5_ifc_cmd_hca_cap_2_bits`,
 * `mlx5_ifc_adv_virtualization_cap_bits`); fields not modelled are folded
 * into reserved gaps.
 *
 * Owns: the layouts. Never: values (the simulator's hca-caps.ts).
 */
import { defineLayout } from '../layout/layout.js';

/** CmdHcaCap2: `cmd_hca_cap_2` (cap_type GENERAL_2), 256 bytes. */
export const CmdHcaCap2 = defineLayout('cmd_hca_cap_2', {
  reserved_at_0: 0x80,
  migratable: 1,
  reserved_at_81: 31,
  reserved_at_a0: 32,
  reserved_at_c0: 8,
  migration_multi_load: 1,
  migration_tracking_state: 1,
  reserved_at_ca: 6,
  migration_in_chunks: 1,
  reserved_at_d1: 15,
  reserved_at_e0: 0x720,
});

/** AdvVirtualizationCap: `adv_virtualization_cap` (cap_type ADV_VIRTUALIZATION), 256 bytes. */
export const AdvVirtualizationCap = defineLayout('adv_virtualization_cap', {
  reserved_at_0: 3,
  pg_track_log_max_num: 5,
  pg_track_max_num_range: 8,
  pg_track_log_min_addr_space: 8,
  pg_track_log_max_addr_space: 8,
  reserved_at_20: 3,
  pg_track_log_min_msg_size: 5,
  reserved_at_28: 3,
  pg_track_log_max_msg_size: 5,
  reserved_at_30: 3,
  pg_track_log_min_page_size: 5,
  reserved_at_38: 3,
  pg_track_log_max_page_size: 5,
  reserved_at_40: 0x7c0,
});

/**
 * MTRC: the firmware tracer's registers (Linux diag/fw_tracer.c).
 *
 * - MTRC_CAP (0x9040): tracer capabilities and ownership. Reading tells
 *   whether the caller owns the tracer (`trace_owner`); writing
 *   `trace_owner` = 1 asks for ownership, 0 gives it up (one owner per
 *   device, as the kernel's ownership acquire/release does).
 * - MTRC_CONF (0x9041): where traces go (`trace_mode`, buffer size, mkey).
 * - MTRC_STDB (0x9042): reads `read_size` bytes of string database
 *   `string_db_index` from `start_offset`; the data follows the 8-byte head.
 * - MTRC_CTRL (0x9043): start/stop tracing and arm the event;
 *   `modify_field_select` says which fields a write changes.
 *
 * Layouts are mlx5_ifc.h's; `mtrc_ctrl.reserved_at_20[0x2b]` is split in
 * two (32 + 11 bits) because a reserved gap must be whole bytes or stay
 * inside a dword.
 */
import { defineLayout } from '../../layout/layout.js';

/** MtrcStringDbParam: mlx5_ifc `mtrc_string_db_param`. */
export const MtrcStringDbParam = defineLayout('mtrc_string_db_param', {
  string_db_base_address: 32,
  reserved_at_20: 8,
  string_db_size: 24,
});

/** MTRC_MAX_STRING_DBS: entries of `mtrc_cap.string_db_param`. */
export const MTRC_MAX_STRING_DBS = 8;

/** MtrcCap: mlx5_ifc `mtrc_cap` (128 bytes); `string_db_param` holds 8 MtrcStringDbParam. */
export const MtrcCap = defineLayout('mtrc_cap', {
  trace_owner: 1,
  trace_to_memory: 1,
  reserved_at_2: 4,
  trc_ver: 2,
  reserved_at_8: 0x14,
  num_string_db: 4,
  first_string_trace: 8,
  num_string_trace: 8,
  reserved_at_30: 0x28,
  log_max_trace_buffer_size: 8,
  reserved_at_60: 32,
  string_db_param: { bytes: MTRC_MAX_STRING_DBS * 8 },
  reserved_at_280: 0x180,
});

/** MtrcConf: mlx5_ifc `mtrc_conf` (128 bytes). */
export const MtrcConf = defineLayout('mtrc_conf', {
  reserved_at_0: 0x1c,
  trace_mode: 4,
  reserved_at_20: 0x18,
  log_trace_buffer_size: 8,
  trace_mkey: 32,
  reserved_at_60: 0x3a0,
});

/** MtrcStdb: the 8-byte head of mlx5_ifc `mtrc_stdb`; `string_db_data` follows. */
export const MtrcStdb = defineLayout('mtrc_stdb', {
  string_db_index: 4,
  reserved_at_4: 4,
  read_size: 24,
  start_offset: 32,
});

/** MtrcCtrl: mlx5_ifc `mtrc_ctrl` (64 bytes). */
export const MtrcCtrl = defineLayout('mtrc_ctrl', {
  trace_status: 2,
  reserved_at_2: 2,
  arm_event: 1,
  reserved_at_5: 0xb,
  modify_field_select: 16,
  reserved_at_20: 32,
  reserved_at_40: 0xb,
  current_timestamp52_32: 0x15,
  current_timestamp31_0: 32,
  reserved_at_80: 0x180,
});

/** MtrcTraceMode: `mtrc_conf.trace_mode` values. */
export const MtrcTraceMode = {
  TRACE_TO_MEMORY: 0x1,
} as const;

/** MtrcTraceStatus: `mtrc_ctrl.trace_status` values. */
export const MtrcTraceStatus = {
  DISABLED: 0x0,
  ENABLED: 0x1,
} as const;

/** MtrcCtrlSelect: `mtrc_ctrl.modify_field_select` bits. */
export const MtrcCtrlSelect = {
  /** Apply `trace_status` and `arm_event` (the kernel writes both under this bit). */
  TRACE_STATUS: 0x1,
} as const;

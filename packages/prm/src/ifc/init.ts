/**
 * HCA lifecycle commands (PRM "Initialization"): ENABLE_HCA (0x104),
 * DISABLE_HCA (0x105), INIT_HCA (0x102), TEARDOWN_HCA (0x103), QUERY_PAGES
 * (0x107) and MANAGE_PAGES (0x108), with `mlx5_ifc.h` names and offsets.
 *
 * Owns: layouts and their enums only.
 */
import { defineLayout } from '../layout/layout.js';

/** EnableHcaIn / DisableHcaIn: `enable_hca_in` (the two share one shape). */
export const EnableHcaIn = defineLayout('enable_hca_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  embedded_cpu_function: 1,
  reserved_at_41: 15,
  function_id: 16,
  reserved_at_60: 32,
});
export const DisableHcaIn = EnableHcaIn;

/** EnableHcaOut / DisableHcaOut: 12 bytes in `mlx5_ifc.h` (a shorter outbox than most). */
export const EnableHcaOut = defineLayout('enable_hca_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 32,
});
export const DisableHcaOut = EnableHcaOut;

/** InitHcaIn: `init_hca_in` (32 bytes with the software owner id). */
export const InitHcaIn = defineLayout('init_hca_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 32,
  reserved_at_60: 2,
  sw_vhca_id: 14,
  reserved_at_70: 16,
  sw_owner_id: { array: 32, count: 4 },
});

/** CmdOut: the 16-byte outbox of commands that return nothing but a status. */
export const CmdOut = defineLayout('cmd_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
});

/** TeardownProfile: `profile` of TEARDOWN_HCA. */
export const TeardownProfile = {
  GRACEFUL_CLOSE: 0x0,
  FORCE_CLOSE: 0x1,
  PREPARE_FAST_TEARDOWN: 0x2,
} as const;

/** TeardownHcaIn: `teardown_hca_in`. */
export const TeardownHcaIn = defineLayout('teardown_hca_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 16,
  profile: 16,
  reserved_at_60: 32,
});

/**
 * TeardownHcaOut: `teardown_hca_out`. The header's 63-bit reserved run is
 * split at the dword boundary (the layout helper keeps integers inside a
 * dword); `state` stays at bit 0x7f.
 */
export const TeardownHcaOut = defineLayout('teardown_hca_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 32,
  reserved_at_60: 31,
  state: 1,
});

/** PagesOpMod: op_mod of QUERY_PAGES. */
export const PagesOpMod = { BOOT: 0x1, INIT: 0x2, REGULAR: 0x3 } as const;

/** QueryPagesIn: `query_pages_in`. */
export const QueryPagesIn = defineLayout('query_pages_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  embedded_cpu_function: 1,
  reserved_at_41: 15,
  function_id: 16,
  reserved_at_60: 32,
});

/** QueryPagesOut: `query_pages_out`; `num_pages` is signed (negative = firmware returns pages). */
export const QueryPagesOut = defineLayout('query_pages_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  embedded_cpu_function: 1,
  reserved_at_41: 15,
  function_id: 16,
  num_pages: 32,
});

/** ManagePagesOpMod: op_mod of MANAGE_PAGES. */
export const ManagePagesOpMod = {
  ALLOCATION_FAIL: 0x0,
  ALLOCATION_SUCCESS: 0x1,
  HCA_RETURN_PAGES: 0x2,
} as const;

/** ManagePagesIn: `manage_pages_in`; `input_num_entries` 64-bit page addresses follow. */
export const ManagePagesIn = defineLayout('manage_pages_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  embedded_cpu_function: 1,
  reserved_at_41: 15,
  function_id: 16,
  input_num_entries: 32,
});

/** ManagePagesOut: `manage_pages_out`; `output_num_entries` page addresses follow. */
export const ManagePagesOut = defineLayout('manage_pages_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  output_num_entries: 32,
  reserved_at_60: 32,
});

/** PAGE_ADDRESS_BYTES: one `pas[]` entry of MANAGE_PAGES. */
export const PAGE_ADDRESS_BYTES = 8;

/**
 * Memory keys: CREATE_MKEY (0x200), QUERY_MKEY (0x201), DESTROY_MKEY (0x202)
 * and the memory key context `mkc`, with `mlx5_ifc.h` names and offsets.
 *
 * A umem-backed key (how DEVX users describe memory) sets `mkey_umem_valid`
 * and names the umem and a byte offset into it (`mkey_umem_id`,
 * `mkey_umem_offset`, the PRM fields of `create_mkey_in` at 0x320/0x340);
 * `mkc.start_addr` is then the key's virtual address and `mkc.len` its length.
 * The key a command or WQE uses is `mkey_index << 8 | mkey_7_0`.
 *
 * Owns: layouts and key arithmetic only.
 */
import { defineLayout } from '../layout/layout.js';

/** MkcAccessMode: `access_mode` of an mkc (`access_mode_4_2 << 2 | access_mode_1_0`). */
export const MkcAccessMode = {
  PA: 0x0,
  MTT: 0x1,
  KLMS: 0x2,
  KSM: 0x3,
} as const;

/** Mkc: `mkc_bits`, the memory key context (64 bytes). */
export const Mkc = defineLayout('mkc', {
  reserved_at_0: 1,
  free: 1,
  reserved_at_2: 1,
  access_mode_4_2: 3,
  reserved_at_6: 7,
  relaxed_ordering_write: 1,
  reserved_at_e: 1,
  small_fence_on_rdma_read_response: 1,
  umr_en: 1,
  a: 1,
  rw: 1,
  rr: 1,
  lw: 1,
  lr: 1,
  access_mode_1_0: 2,
  reserved_at_18: 2,
  ma_translation_mode: 2,
  reserved_at_1c: 4,
  qpn: 24,
  mkey_7_0: 8,
  reserved_at_40: 32,
  length64: 1,
  bsf_en: 1,
  sync_umr: 1,
  reserved_at_63: 2,
  expected_sigerr_count: 1,
  reserved_at_66: 1,
  en_rinval: 1,
  pd: 24,
  start_addr: 64,
  len: 64,
  bsf_octword_size: 32,
  reserved_at_120: 0x60,
  crossing_target_vhca_id: 16,
  reserved_at_190: 16,
  translations_octword_size: 32,
  reserved_at_1c0: 25,
  relaxed_ordering_read: 1,
  log_page_size: 6,
  reserved_at_1e0: 32,
});

/** CreateMkeyIn: `create_mkey_in` (fixed part, 272 bytes; `klm_pas_mtt[]` follows). */
export const CreateMkeyIn = defineLayout('create_mkey_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 32,
  pg_access: 1,
  mkey_umem_valid: 1,
  data_direct: 1,
  reserved_at_63: 29,
  memory_key_mkey_entry: { bytes: Mkc.bytes },
  reserved_at_280: 0x80,
  translations_octword_actual_size: 32,
  mkey_umem_id: 32,
  mkey_umem_offset: 64,
  reserved_at_380: 0x500,
});

/** CreateMkeyOut: `create_mkey_out`. */
export const CreateMkeyOut = defineLayout('create_mkey_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 8,
  mkey_index: 24,
  reserved_at_60: 32,
});

/** DestroyMkeyIn: `destroy_mkey_in`. */
export const DestroyMkeyIn = defineLayout('destroy_mkey_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  mkey_index: 24,
  reserved_at_60: 32,
});

/** QueryMkeyIn: `query_mkey_in`. */
export const QueryMkeyIn = defineLayout('query_mkey_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  mkey_index: 24,
  pg_access: 1,
  reserved_at_61: 31,
});

/** QueryMkeyOut: `query_mkey_out`. */
export const QueryMkeyOut = defineLayout('query_mkey_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  memory_key_mkey_entry: { bytes: Mkc.bytes },
  reserved_at_280: 0x600,
  bsf0_klm0_pas_mtt0_1: { bytes: 16 },
  bsf1_klm1_pas_mtt2_3: { bytes: 16 },
});

/** mkeyFromIndex: the key value of index `index` with variant byte `key` (mlx5_idx_to_mkey | key). */
export function mkeyFromIndex(index: number, key = 0): number {
  return ((index << 8) | (key & 0xff)) >>> 0;
}

/** mkeyIndex: the table index of key value `mkey`. */
export function mkeyIndex(mkey: number): number {
  return mkey >>> 8;
}

/**
 * Completion queues: CREATE_CQ (0x400), DESTROY_CQ (0x401), QUERY_CQ
 * (0x402) and the CQ context `cqc`, with mlx5_ifc.h names and offsets.
 *
 * A CQ is a ring of 64-byte CQEs in host memory named by `pas` (after the
 * fixed 272-byte inbox) and a doorbell record at `dbr_addr` (dword 0: the
 * consumer index software has reached; dword 1: the arm word). `c_eqn`
 * names the EQ that receives the CQ's completion events.
 *
 * Owns: layouts only.
 */
import { defineLayout } from '../layout/layout.js';

/** Cqc: `cqc_bits` (64 bytes); the EQ field is `c_eqn_or_apu_element` in newer kernels. */
export const Cqc = defineLayout('cqc', {
  status: 4,
  reserved_at_4: 2,
  dbr_umem_valid: 1,
  apu_cq: 1,
  cqe_sz: 3,
  cc: 1,
  reserved_at_c: 1,
  scqe_break_moderation_en: 1,
  oi: 1,
  cq_period_mode: 2,
  cqe_comp_en: 1,
  mini_cqe_res_format: 2,
  st: 4,
  reserved_at_18: 6,
  cqe_compression_layout: 2,
  reserved_at_20: 32,
  reserved_at_40: 20,
  page_offset: 6,
  reserved_at_5a: 6,
  reserved_at_60: 3,
  log_cq_size: 5,
  uar_page: 24,
  reserved_at_80: 4,
  cq_period: 12,
  cq_max_count: 16,
  c_eqn: 32,
  reserved_at_c0: 3,
  log_page_size: 5,
  reserved_at_c8: 24,
  reserved_at_e0: 32,
  reserved_at_100: 8,
  last_notified_index: 24,
  reserved_at_120: 8,
  last_solicit_index: 24,
  reserved_at_140: 8,
  consumer_counter: 24,
  reserved_at_160: 8,
  producer_counter: 24,
  reserved_at_180: 64,
  dbr_addr: 64,
});

/** CqeSize: `cqe_sz` values; the simulated device writes 64-byte CQEs only. */
export const CqeSize = { BYTES_64: 0, BYTES_128: 1 } as const;

/** CreateCqIn: `create_cq_in` (fixed part, 272 bytes; `pas[]` follows). */
export const CreateCqIn = defineLayout('create_cq_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
  cq_context: { struct: Cqc },
  cq_umem_offset: 64,
  cq_umem_id: 32,
  cq_umem_valid: 1,
  reserved_at_2e1: 0x1f,
  reserved_at_300: 0x580,
});

/** CreateCqOut: `create_cq_out`. */
export const CreateCqOut = defineLayout('create_cq_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 8,
  cqn: 24,
  reserved_at_60: 32,
});

/** DestroyCqIn: `destroy_cq_in`; QUERY_CQ's inbox has the same shape. */
export const DestroyCqIn = defineLayout('destroy_cq_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  cqn: 24,
  reserved_at_60: 32,
});

/** QueryCqIn: `query_cq_in`. */
export const QueryCqIn = DestroyCqIn;

/** QueryCqOut: `query_cq_out` (fixed part). */
export const QueryCqOut = defineLayout('query_cq_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  cq_context: { struct: Cqc },
  reserved_at_280: 0x600,
});

/** PAS_OFFSET: byte offset of the page list after a 272-byte create inbox (EQ, CQ, QP, SQ, RQ). */
export const PAS_OFFSET = 272;

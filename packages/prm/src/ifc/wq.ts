/**
 * Work queues of the Ethernet data path: the `wq` descriptor and the SQ /
 * RQ contexts (`sqc`, `rqc`) with CREATE/MODIFY/DESTROY/QUERY_SQ
 * (0x904..0x907) and _RQ (0x908..0x90b), mlx5_ifc.h names and offsets.
 *
 * A `wq` names a ring in host memory (`pas[]`, the flexible tail of the
 * descriptor, i.e. right after the fixed 272-byte create inbox), its stride
 * (`log_wq_stride`, bytes) and size (`log_wq_sz`, entries), the PD its data
 * segments' keys must belong to, and a doorbell record (`dbr_addr`): an SQ
 * keeps its producer counter in dword 1 of the record, an RQ in dword 0.
 *
 * States: RST 0 -> RDY 1 -> ERR 3 (MODIFY names the current state in
 * `sq_state` / `rq_state` and the next one in the context's `state`).
 *
 * Owns: layouts only.
 */
import { defineLayout } from '../layout/layout.js';

/** QueueState: SQ / RQ states (MLX5_SQC_STATE_*, MLX5_RQC_STATE_*). */
export const QueueState = { RST: 0x0, RDY: 0x1, ERR: 0x3 } as const;

/** WqType: `wq_type`; the device models cyclic queues. */
export const WqType = { LINKED_LIST: 0x0, CYCLIC: 0x1 } as const;

/** Wq: `wq_bits` (192 bytes; `pas[]` follows). */
export const Wq = defineLayout('wq', {
  wq_type: 4,
  wq_signature: 1,
  end_padding_mode: 2,
  cd_slave: 1,
  reserved_at_8: 24,
  hds_skip_first_sge: 1,
  log2_hds_buf_size: 3,
  reserved_at_24: 7,
  page_offset: 5,
  lwm: 16,
  reserved_at_40: 8,
  pd: 24,
  reserved_at_60: 8,
  uar_page: 24,
  dbr_addr: 64,
  hw_counter: 32,
  sw_counter: 32,
  reserved_at_100: 12,
  log_wq_stride: 4,
  reserved_at_110: 3,
  log_wq_pg_sz: 5,
  reserved_at_118: 3,
  log_wq_sz: 5,
  dbr_umem_valid: 1,
  wq_umem_valid: 1,
  reserved_at_122: 1,
  log_hairpin_num_packets: 5,
  reserved_at_128: 3,
  log_hairpin_data_sz: 5,
  reserved_at_130: 4,
  log_wqe_num_of_strides: 4,
  two_byte_shift_en: 1,
  reserved_at_139: 4,
  log_wqe_stride_size: 3,
  dbr_umem_id: 32,
  wq_umem_id: 32,
  wq_umem_offset: 64,
  reserved_at_1c0: 0x440,
});

/** Sqc: `sqc_bits` (240 bytes with its `wq`). */
export const Sqc = defineLayout('sqc', {
  rlky: 1,
  cd_master: 1,
  fre: 1,
  flush_in_error_en: 1,
  allow_multi_pkt_send_wqe: 1,
  min_wqe_inline_mode: 3,
  state: 4,
  reg_umr: 1,
  allow_swp: 1,
  hairpin: 1,
  reserved_at_f: 0x11,
  reserved_at_20: 8,
  user_index: 24,
  reserved_at_40: 8,
  cqn: 24,
  reserved_at_60: 8,
  hairpin_peer_rq: 24,
  reserved_at_80: 16,
  hairpin_peer_vhca: 16,
  reserved_at_a0: 0x50,
  packet_pacing_rate_limit_index: 16,
  tis_lst_sz: 16,
  reserved_at_110: 16,
  reserved_at_120: 64,
  reserved_at_160: 8,
  tis_num_0: 24,
  wq: { struct: Wq },
});

/** Rqc: `rqc_bits` (240 bytes with its `wq`). */
export const Rqc = defineLayout('rqc', {
  rlky: 1,
  delay_drop_en: 1,
  scatter_fcs: 1,
  vsd: 1,
  mem_rq_type: 4,
  state: 4,
  reserved_at_c: 1,
  flush_in_error_en: 1,
  hairpin: 1,
  reserved_at_f: 0x11,
  reserved_at_20: 8,
  user_index: 24,
  reserved_at_40: 8,
  cqn: 24,
  counter_set_id: 8,
  reserved_at_68: 24,
  reserved_at_80: 8,
  rmpn: 24,
  reserved_at_a0: 8,
  hairpin_peer_sq: 24,
  reserved_at_c0: 16,
  hairpin_peer_vhca: 16,
  reserved_at_e0: 0xa0,
  wq: { struct: Wq },
});

const createIn = (name: string, ctx: typeof Sqc | typeof Rqc) =>
  defineLayout(name, {
    opcode: 16,
    uid: 16,
    reserved_at_20: 16,
    op_mod: 16,
    reserved_at_40: 0xc0,
    ctx: { struct: ctx },
  });

/** CreateSqIn / CreateRqIn: `create_sq_in` / `create_rq_in` (272 bytes; `pas[]` follows). */
export const CreateSqIn = createIn('create_sq_in', Sqc);
export const CreateRqIn = createIn('create_rq_in', Rqc);

/** CreateSqOut: `create_sq_out`. */
export const CreateSqOut = defineLayout('create_sq_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 8,
  sqn: 24,
  reserved_at_60: 32,
});

/** CreateRqOut: `create_rq_out`. */
export const CreateRqOut = defineLayout('create_rq_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 8,
  rqn: 24,
  reserved_at_60: 32,
});

/** ModifySqIn: `modify_sq_in`; the next state is `ctx.state`. */
export const ModifySqIn = defineLayout('modify_sq_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  sq_state: 4,
  reserved_at_44: 4,
  sqn: 24,
  reserved_at_60: 32,
  modify_bitmask: 64,
  reserved_at_c0: 64,
  ctx: { struct: Sqc },
});

/** ModifyRqIn: `modify_rq_in`; the next state is `ctx.state`. */
export const ModifyRqIn = defineLayout('modify_rq_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  rq_state: 4,
  reserved_at_44: 4,
  rqn: 24,
  reserved_at_60: 32,
  modify_bitmask: 64,
  reserved_at_c0: 64,
  ctx: { struct: Rqc },
});

/** DestroySqIn: `destroy_sq_in`; QUERY_SQ's inbox has the same shape. */
export const DestroySqIn = defineLayout('destroy_sq_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  sqn: 24,
  reserved_at_60: 32,
});

/** DestroyRqIn: `destroy_rq_in`; QUERY_RQ's inbox has the same shape. */
export const DestroyRqIn = defineLayout('destroy_rq_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  rqn: 24,
  reserved_at_60: 32,
});

/** QuerySqOut: `query_sq_out` (the context without its page list). */
export const QuerySqOut = defineLayout('query_sq_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 0xc0,
  sq_context: { struct: Sqc },
});

/** QueryRqOut: `query_rq_out` (the context without its page list). */
export const QueryRqOut = defineLayout('query_rq_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 0xc0,
  rq_context: { struct: Rqc },
});

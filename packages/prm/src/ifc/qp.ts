/**
 * Queue pairs: CREATE_QP (0x500), DESTROY_QP (0x501), the state
 * transitions (RST2INIT 0x502, INIT2RTR 0x503, RTR2RTS 0x504, RTS2RTS
 * 0x505, 2ERR 0x507, 2RST 0x50a, INIT2INIT 0x50e), QUERY_QP (0x50b), the
 * QP context `qpc` and address path `ads`, mlx5_ifc.h names and offsets.
 *
 * A QP's work queue buffer holds the receive queue first (2^log_rq_size
 * entries of 16 << log_rq_stride bytes) and then the send queue
 * (2^log_sq_size 64-byte WQEBBs), named by `pas[]` after the fixed inbox;
 * its doorbell record keeps the receive counter in dword 0 and the send
 * counter in dword 1 (MLX5_RCV_DBR / MLX5_SND_DBR).
 *
 * Owns: layouts, state and transition tables only.
 */
import { defineLayout } from '../layout/layout.js';

/** QpState: `qpc.state` (MLX5_QP_STATE_*). */
export const QpState = {
  RST: 0,
  INIT: 1,
  RTR: 2,
  RTS: 3,
  SQER: 4,
  SQD: 5,
  ERR: 6,
} as const;

/** QpStateName: a QP state's name. */
export type QpStateName = keyof typeof QpState;

/** QpServiceType: `qpc.st` (MLX5_QP_ST_*); the device models RC only. */
export const QpServiceType = { RC: 0x0, UC: 0x1, UD: 0x2, XRC: 0x3 } as const;

/** Ads: `ads_bits`, an address path (44 bytes). */
export const Ads = defineLayout('ads', {
  fl: 1,
  free_ar: 1,
  reserved_at_2: 0xe,
  pkey_index: 16,
  reserved_at_20: 8,
  grh: 1,
  mlid: 7,
  rlid: 16,
  ack_timeout: 5,
  reserved_at_45: 3,
  src_addr_index: 8,
  reserved_at_50: 4,
  stat_rate: 4,
  hop_limit: 8,
  reserved_at_60: 4,
  tclass: 8,
  flow_label: 20,
  rgid_rip: { bytes: 16 },
  reserved_at_100: 4,
  f_dscp: 1,
  f_ecn: 1,
  reserved_at_106: 1,
  f_eth_prio: 1,
  ecn: 2,
  dscp: 6,
  udp_sport: 16,
  dei_cfi: 1,
  eth_prio: 3,
  sl: 4,
  vhca_port_num: 8,
  rmac_47_32: 16,
  rmac_31_0: 32,
});

/** Qpc: `qpc_bits` (232 bytes). */
export const Qpc = defineLayout('qpc', {
  state: 4,
  lag_tx_port_affinity: 4,
  st: 8,
  reserved_at_10: 2,
  isolate_vl_tc: 1,
  pm_state: 2,
  reserved_at_15: 1,
  req_e2e_credit_mode: 2,
  offload_type: 4,
  end_padding_mode: 2,
  reserved_at_1e: 2,
  wq_signature: 1,
  block_lb_mc: 1,
  atomic_like_write_en: 1,
  latency_sensitive: 1,
  reserved_at_24: 1,
  drain_sigerr: 1,
  reserved_at_26: 2,
  pd: 24,
  mtu: 3,
  log_msg_max: 5,
  reserved_at_48: 1,
  log_rq_size: 4,
  log_rq_stride: 3,
  no_sq: 1,
  log_sq_size: 4,
  reserved_at_55: 3,
  ts_format: 2,
  reserved_at_5a: 1,
  rlky: 1,
  ulp_stateless_offload_mode: 4,
  counter_set_id: 8,
  uar_page: 24,
  reserved_at_80: 8,
  user_index: 24,
  reserved_at_a0: 3,
  log_page_size: 5,
  remote_qpn: 24,
  primary_address_path: { struct: Ads },
  secondary_address_path: { struct: Ads },
  log_ack_req_freq: 4,
  reserved_at_384: 4,
  log_sra_max: 3,
  reserved_at_38b: 2,
  retry_count: 3,
  rnr_retry: 3,
  reserved_at_393: 1,
  fre: 1,
  cur_rnr_retry: 3,
  cur_retry_count: 3,
  reserved_at_39b: 5,
  reserved_at_3a0: 32,
  reserved_at_3c0: 8,
  next_send_psn: 24,
  reserved_at_3e0: 8,
  cqn_snd: 24,
  reserved_at_400: 8,
  deth_sqpn: 24,
  reserved_at_420: 32,
  reserved_at_440: 8,
  last_acked_psn: 24,
  reserved_at_460: 8,
  ssn: 24,
  reserved_at_480: 8,
  log_rra_max: 3,
  reserved_at_48b: 1,
  atomic_mode: 4,
  rre: 1,
  rwe: 1,
  rae: 1,
  reserved_at_493: 1,
  page_offset: 6,
  reserved_at_49a: 3,
  cd_slave_receive: 1,
  cd_slave_send: 1,
  cd_master: 1,
  reserved_at_4a0: 3,
  min_rnr_nak: 5,
  next_rcv_psn: 24,
  reserved_at_4c0: 8,
  xrcd: 24,
  reserved_at_4e0: 8,
  cqn_rcv: 24,
  dbr_addr: 64,
  q_key: 32,
  reserved_at_560: 5,
  rq_type: 3,
  srqn_rmpn_xrqn: 24,
  reserved_at_580: 8,
  rmsn: 24,
  hw_sq_wqebb_counter: 16,
  sw_sq_wqebb_counter: 16,
  hw_rq_counter: 32,
  sw_rq_counter: 32,
  reserved_at_600: 32,
  reserved_at_620: 0xf,
  cgs: 1,
  cs_req: 8,
  cs_res: 8,
  dc_access_key: 64,
  reserved_at_680: 3,
  dbr_umem_valid: 1,
  reserved_at_684: 28,
  reserved_at_6a0: 0xa0,
});

/** CreateQpIn: `create_qp_in` (fixed part, 272 bytes; `pas[]` follows). */
export const CreateQpIn = defineLayout('create_qp_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  qpc_ext: 1,
  reserved_at_41: 7,
  input_qpn: 24,
  reserved_at_60: 32,
  opt_param_mask: 32,
  ece: 32,
  qpc: { struct: Qpc },
  wq_umem_offset: 64,
  wq_umem_id: 32,
  wq_umem_valid: 1,
  reserved_at_861: 0x1f,
});

/** CreateQpOut: `create_qp_out`. */
export const CreateQpOut = defineLayout('create_qp_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 8,
  qpn: 24,
  ece: 32,
});

/**
 * ModifyQpIn: the shape shared by `rst2init_qp_in`, `init2init_qp_in`,
 * `init2rtr_qp_in`, `rtr2rts_qp_in` and `rts2rts_qp_in` (272 bytes).
 */
export const ModifyQpIn = defineLayout('modify_qp_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  qpn: 24,
  reserved_at_60: 32,
  opt_param_mask: 32,
  ece: 32,
  qpc: { struct: Qpc },
  reserved_at_800: 0x80,
});

/** ModifyQpOut: `rst2init_qp_out` and siblings. */
export const ModifyQpOut = defineLayout('modify_qp_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 32,
  ece: 32,
});

/** QpNumIn: `destroy_qp_in`, `qp_2err_in`, `qp_2rst_in`, `query_qp_in` (16 bytes). */
export const QpNumIn = defineLayout('qp_num_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 8,
  qpn: 24,
  reserved_at_60: 32,
});

/** QueryQpOut: `query_qp_out` (fixed part). */
export const QueryQpOut = defineLayout('query_qp_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  opt_param_mask: 32,
  ece: 32,
  qpc: { struct: Qpc },
  reserved_at_800: 0x80,
});

/** QpTransition: a QP state-transition command. */
export type QpTransition =
  | 'RST2INIT'
  | 'INIT2INIT'
  | 'INIT2RTR'
  | 'RTR2RTS'
  | 'RTS2RTS'
  | '2ERR'
  | '2RST';

/** QP_TRANSITIONS: each transition's opcode, the states it starts from and the state it leaves. */
export const QP_TRANSITIONS: Readonly<
  Record<QpTransition, { opcode: number; from: readonly number[] | 'any'; to: number }>
> = {
  RST2INIT: { opcode: 0x502, from: [QpState.RST], to: QpState.INIT },
  INIT2INIT: { opcode: 0x50e, from: [QpState.INIT], to: QpState.INIT },
  INIT2RTR: { opcode: 0x503, from: [QpState.INIT], to: QpState.RTR },
  RTR2RTS: { opcode: 0x504, from: [QpState.RTR], to: QpState.RTS },
  RTS2RTS: { opcode: 0x505, from: [QpState.RTS], to: QpState.RTS },
  '2ERR': { opcode: 0x507, from: 'any', to: QpState.ERR },
  '2RST': { opcode: 0x50a, from: 'any', to: QpState.RST },
};

/** qpTransitionAllowed: whether `t` may start from state `from`. */
export function qpTransitionAllowed(t: QpTransition, from: number): boolean {
  const rule = QP_TRANSITIONS[t];
  return rule.from === 'any' || rule.from.includes(from);
}

/** qpTransitionByOpcode: the transition an opcode performs, if it is one. */
export function qpTransitionByOpcode(opcode: number): QpTransition | undefined {
  for (const [t, r] of Object.entries(QP_TRANSITIONS))
    if (r.opcode === opcode) return t as QpTransition;
  return undefined;
}

/** RQ_STRIDE_BASE: a QP receive WQE is 16 << log_rq_stride bytes. */
export const RQ_STRIDE_BASE = 16;

/**
 * Data-path structures shared by driver and device: work queue entry
 * segments, the 64-byte CQE and its error form (include/linux/mlx5/qp.h,
 * device.h: `mlx5_wqe_ctrl_seg`, `mlx5_wqe_eth_seg`, `mlx5_wqe_data_seg`,
 * `mlx5_wqe_raddr_seg`, `mlx5_cqe64`, `mlx5_err_cqe`), with their opcodes
 * and error syndromes.
 *
 * A send WQE is a control segment followed by `ds - 1` more 16-byte
 * segments (an Ethernet segment for an SQ, a remote-address segment for
 * RDMA WRITE / READ, then data segments); it occupies ceil(ds / 4) 64-byte
 * WQEBBs. A receive WQE is a list of data segments; a segment with
 * `lkey` = INVALID_LKEY ends the list early.
 *
 * Owns: layouts and constants only.
 */
import { defineLayout } from '../layout/layout.js';

/** WQE_SEG_BYTES: every WQE segment is 16 bytes. */
export const WQE_SEG_BYTES = 16;
/** SEND_WQEBB_SHIFT: log2 of a send WQE basic block, a send queue's `log_wq_stride`. */
export const SEND_WQEBB_SHIFT = 6;
/** SEND_WQEBB_BYTES: a send queue is counted in 64-byte basic blocks (WQEBBs). */
export const SEND_WQEBB_BYTES = 1 << SEND_WQEBB_SHIFT;

/** WqeOpcode: `opcode` of a send WQE (MLX5_OPCODE_*). */
export const WqeOpcode = {
  NOP: 0x00,
  RDMA_WRITE: 0x08,
  RDMA_WRITE_IMM: 0x09,
  SEND: 0x0a,
  SEND_IMM: 0x0b,
  RDMA_READ: 0x10,
} as const;

/** WQE_CTRL_CQ_UPDATE: `fm_ce_se` bit asking for a CQE when the WQE completes. */
export const WQE_CTRL_CQ_UPDATE = 0x08;
/** INVALID_LKEY: ends a receive WQE's scatter list (MLX5_INVALID_LKEY). */
export const INVALID_LKEY = 0x100;

/** WqeCtrlSeg: `mlx5_wqe_ctrl_seg`. */
export const WqeCtrlSeg = defineLayout('mlx5_wqe_ctrl_seg', {
  opmod: 8,
  wqe_index: 16,
  opcode: 8,
  qpn_sqn: 24,
  ds: 8,
  signature: 8,
  reserved_at_48: 16,
  fm_ce_se: 8,
  imm: 32,
});

/** WqeEthSeg: `mlx5_wqe_eth_seg`; `inline_hdr_sz` header bytes start at `inline_hdr_start`. */
export const WqeEthSeg = defineLayout('mlx5_wqe_eth_seg', {
  swp_outer_l4_offset: 8,
  swp_outer_l3_offset: 8,
  swp_inner_l4_offset: 8,
  swp_inner_l3_offset: 8,
  cs_flags: 8,
  swp_flags: 8,
  mss: 16,
  flow_table_metadata: 32,
  inline_hdr_sz: 16,
  inline_hdr_start: 16,
});

/** WqeDataSeg: `mlx5_wqe_data_seg`. */
export const WqeDataSeg = defineLayout('mlx5_wqe_data_seg', {
  byte_count: 32,
  lkey: 32,
  addr: 64,
});

/** WqeRaddrSeg: `mlx5_wqe_raddr_seg`. */
export const WqeRaddrSeg = defineLayout('mlx5_wqe_raddr_seg', {
  raddr: 64,
  rkey: 32,
  reserved_at_60: 32,
});

/** CqeOpcode: the high nibble of `op_own` (MLX5_CQE_*). */
export const CqeOpcode = {
  REQ: 0x0,
  RESP_WR_IMM: 0x1,
  RESP_SEND: 0x2,
  RESP_SEND_IMM: 0x3,
  REQ_ERR: 0xd,
  RESP_ERR: 0xe,
  INVALID: 0xf,
} as const;

/** CqeSyndrome: `syndrome` of an error CQE (MLX5_CQE_SYNDROME_*). */
export const CqeSyndrome = {
  LOCAL_LENGTH_ERR: 0x01,
  LOCAL_QP_OP_ERR: 0x02,
  LOCAL_PROT_ERR: 0x04,
  WR_FLUSH_ERR: 0x05,
  BAD_RESP_ERR: 0x10,
  LOCAL_ACCESS_ERR: 0x11,
  REMOTE_INVAL_REQ_ERR: 0x12,
  REMOTE_ACCESS_ERR: 0x13,
  REMOTE_OP_ERR: 0x14,
  TRANSPORT_RETRY_EXC_ERR: 0x15,
  RNR_RETRY_EXC_ERR: 0x16,
} as const;

/** Cqe64: `mlx5_cqe64` (64 bytes). */
export const Cqe64 = defineLayout('mlx5_cqe64', {
  tls_outer_l3_tunneled: 8,
  reserved_at_8: 8,
  wqe_id: 16,
  reserved_at_20: 64,
  rss_hash_result: 32,
  rss_hash_type: 8,
  ml_path: 8,
  reserved_at_90: 16,
  check_sum: 16,
  slid: 16,
  flags_rqpn: 32,
  hds_ip_ext: 8,
  l4_l3_hdr_type: 8,
  vlan_info: 16,
  srqn: 32,
  imm_inval_pkey: 32,
  reserved_at_140: 32,
  byte_cnt: 32,
  timestamp_h: 32,
  timestamp_l: 32,
  sop_drop_qpn: 32,
  wqe_counter: 16,
  signature: 8,
  op_own: 8,
});

/** ErrCqe: `mlx5_err_cqe` (64 bytes). */
export const ErrCqe = defineLayout('mlx5_err_cqe', {
  reserved_at_0: 0x100,
  srqn: 32,
  reserved_at_120: 0x90,
  vendor_err_synd: 8,
  syndrome: 8,
  s_wqe_opcode_qpn: 32,
  wqe_counter: 16,
  signature: 8,
  op_own: 8,
});

/** CQE_BYTES: size of one CQE (cqe_sz 0). */
export const CQE_BYTES = 64;
/** CQE_OWNER_MASK: the owner bit of `op_own`. */
export const CQE_OWNER_MASK = 0x1;
/** CQE_INIT_OP_OWN: how software initialises a CQ: INVALID, owner 1 (never valid on pass 0). */
export const CQE_INIT_OP_OWN = (CqeOpcode.INVALID << 4) | 1;

/** Doorbell: a write to the UAR, as the data path rings the device. */
export type Doorbell =
  /** A send queue (SQ) or a QP's send queue: the producer counter is in its doorbell record. */
  | { readonly type: 'sq' | 'qp'; readonly num: number }
  /** Arm a CQ for one completion event (consumer index `ci`); `solicited`: only solicited CQEs. */
  | { readonly type: 'cq'; readonly num: number; readonly ci: number; readonly solicited?: boolean }
  /** Update an EQ's consumer index; `arm`: raise an interrupt for the next EQE. */
  | { readonly type: 'eq'; readonly num: number; readonly ci: number; readonly arm: boolean }
  /** Kick a virtqueue: `num` is the VIRTIO_NET_Q's `queue_index` (what mlx5_vdpa writes to its kick address). */
  | { readonly type: 'virtq'; readonly num: number };

/** EventInterrupt: how the device signals an EQ's interrupt vector (MSI-X) to the driver. */
export type EventInterrupt = (eqn: number) => void;

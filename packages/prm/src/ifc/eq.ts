/**
 * Event queues: CREATE_EQ (0x301), DESTROY_EQ (0x302), the EQ context
 * `eqc` (mlx5_ifc.h names and offsets) and the 64-byte event queue entry
 * (`struct mlx5_eqe`, include/linux/mlx5/device.h).
 *
 * An EQ is a ring of EQEs in host memory named by a page list (`pas`,
 * 64-bit bus addresses after the fixed inbox). The device writes an EQE
 * with the owner bit of the pass it is on (`(index >> log_eq_size) & 1`),
 * so software knows which entries are new without a shared counter.
 *
 * Owns: layouts and event constants only.
 */
import { defineLayout } from '../layout/layout.js';

/** Eqc: `eqc_bits` (64 bytes). */
export const Eqc = defineLayout('eqc', {
  status: 4,
  reserved_at_4: 9,
  ec: 1,
  oi: 1,
  reserved_at_f: 5,
  st: 4,
  reserved_at_18: 8,
  reserved_at_20: 32,
  reserved_at_40: 20,
  page_offset: 6,
  reserved_at_5a: 6,
  reserved_at_60: 3,
  log_eq_size: 5,
  uar_page: 24,
  reserved_at_80: 32,
  reserved_at_a0: 20,
  intr: 12,
  reserved_at_c0: 3,
  log_page_size: 5,
  reserved_at_c8: 24,
  reserved_at_e0: 0x60,
  reserved_at_140: 8,
  consumer_counter: 24,
  reserved_at_160: 8,
  producer_counter: 24,
  reserved_at_180: 0x80,
});

/** CreateEqIn: `create_eq_in` (fixed part, 272 bytes; `pas[]` follows). */
export const CreateEqIn = defineLayout('create_eq_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 64,
  eq_context_entry: { struct: Eqc },
  reserved_at_280: 64,
  event_bitmask: 64,
  reserved_at_300: 0x580,
});

/** CreateEqOut: `create_eq_out`. */
export const CreateEqOut = defineLayout('create_eq_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 24,
  eq_number: 8,
  reserved_at_60: 32,
});

/** DestroyEqIn: `destroy_eq_in`. */
export const DestroyEqIn = defineLayout('destroy_eq_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 24,
  eq_number: 8,
  reserved_at_60: 32,
});

/** QueryEqIn: `query_eq_in` (the same fields as destroy_eq_in). */
export const QueryEqIn = DestroyEqIn;

/** QueryEqOut: `query_eq_out` (fixed part; `pas[]` follows). */
export const QueryEqOut = defineLayout('query_eq_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  eq_context_entry: { struct: Eqc },
  reserved_at_280: 64,
  event_bitmap: 64,
  reserved_at_300: 0x580,
});

/** EventType: `mlx5_event` values the simulated device raises. */
export const EventType = {
  COMP: 0x00,
  CQ_ERROR: 0x04,
  WQ_CATAS_ERROR: 0x05,
  PORT_CHANGE: 0x09,
} as const;

/** PortChangeSubtype: `sub_type` of a PORT_CHANGE EQE (MLX5_PORT_CHANGE_SUBTYPE_*). */
export const PortChangeSubtype = {
  DOWN: 1,
  ACTIVE: 4,
} as const;

/** Eqe: `struct mlx5_eqe` (64 bytes); `data` is the 28-byte event union. */
export const Eqe = defineLayout('mlx5_eqe', {
  reserved_at_0: 8,
  type: 8,
  reserved_at_10: 8,
  sub_type: 8,
  reserved_at_20: 0xe0,
  /** Port change: `mlx5_eqe_port_state.port` (port number in the high nibble) at data + 8. */
  reserved_at_100: 64,
  port: 8,
  reserved_at_148: 24,
  reserved_at_160: 0x60,
  /** Completion: `mlx5_eqe_comp.cqn`, the last dword of the event union. */
  cqn: 32,
  reserved_at_1e0: 16,
  signature: 8,
  owner: 8,
});

/** EQE_BYTES: size of one EQE. */
export const EQE_BYTES = 64;

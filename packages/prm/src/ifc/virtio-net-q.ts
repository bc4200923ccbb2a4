/**
 * Virtio emulation: the HCA capability (cap_type 0x13), the general object
 * commands (CREATE/MODIFY/QUERY/DESTROY_GENERAL_OBJECT 0xa00..0xa03) and the
 * two general objects a vdpa net driver uses: VIRTIO_NET_Q (type 0xd), a
 * virtqueue the device serves from split rings in host memory, and
 * VIRTIO_Q_COUNTERS (type 0x1c), its per-queue counter set. Names and bit
 * offsets follow `mlx5_ifc_vdpa.h` / `mlx5_ifc.h`.
 *
 * The general object header replaces a command's `op_mod` with `obj_type`,
 * so the object type sits where every inbox keeps its op_mod.
 *
 * Owns: layouts and the constants that go with them. Never: behaviour (the
 * simulator's queue is @auxctl/sim `virtio-net-q.ts`, the driver's library
 * @auxctl/core `virtq-commands.ts`).
 */
import { defineLayout } from '../layout/layout.js';

/** GeneralObjType: general object types (`MLX5_OBJ_TYPE_*`) the device implements. */
export const GeneralObjType = { VIRTIO_NET_Q: 0x000d, VIRTIO_Q_COUNTERS: 0x001c } as const;

/** GeneralObjTypesCap: bits of `cmd_hca_cap.general_obj_types` (`MLX5_GENERAL_OBJ_TYPES_CAP_*`). */
export const GeneralObjTypesCap = { VIRTIO_NET_Q: 1n << 13n } as const;

/** VirtqState: `state` of a VIRTIO_NET_Q. */
export const VirtqState = { INIT: 0, RDY: 1, SUSPEND: 2, ERR: 3 } as const;

/** VirtqModify: `modify_field_select` bits of MODIFY_GENERAL_OBJECT on a VIRTIO_NET_Q. */
export const VirtqModify = {
  STATE: 1n << 0n,
  DIRTY_BITMAP_PARAMS: 1n << 3n,
  DIRTY_BITMAP_DUMP_ENABLE: 1n << 4n,
  VIRTIO_Q_ADDRS: 1n << 6n,
  VIRTIO_Q_AVAIL_IDX: 1n << 7n,
  VIRTIO_Q_USED_IDX: 1n << 8n,
  VIRTIO_Q_MKEY: 1n << 11n,
  DESC_GROUP_MKEY: 1n << 14n,
} as const;

/** VirtqEventMode: `virtio_q.event_mode`; the capability's `event_mode` has bit (1 << mode) per mode. */
export const VirtqEventMode = { NO_MSIX: 0, QP: 1, MSIX: 2 } as const;

/** VirtqType: `virtio_q.virtio_q_type`; the capability's `virtio_queue_type` has bit (1 << type). */
export const VirtqType = { SPLIT: 0, PACKED: 1 } as const;

/** VirtqOffload: `virtio_q.offload_type`. */
export const VirtqOffload = { DESC_TUNNEL: 0, ETH_FRAME: 1 } as const;

/**
 * VirtqError: `virtio_q.error_type` the device reports when it moves a queue
 * to ERR (the PRM leaves the values device defined; these are the
 * simulator's, documented here because the driver reads them).
 */
export const VirtqError = {
  NONE: 0,
  /** A descriptor index or available index out of range (idx jump > queue size, head >= size). */
  BAD_INDEX: 1,
  /** A descriptor chain loops or is longer than the queue. */
  CHAIN_TOO_LONG: 2,
  /** A ring or buffer address outside the queue's mkey or not mapped for DMA. */
  BAD_ADDRESS: 3,
  /** A device-writable buffer on a TX queue, or a read-only one on an RX queue. */
  BAD_WRITE_FLAG: 4,
  /** A TX chain too short to hold the virtio net header. */
  BAD_LENGTH: 5,
  /** An INDIRECT descriptor (the device does not offer VIRTIO_F_RING_INDIRECT_DESC). */
  UNSUPPORTED_DESC: 6,
} as const;

/** VirtioEmulationCap: `virtio_emulation_cap_bits` (cap_type 0x13). */
export const VirtioEmulationCap = defineLayout('virtio_emulation_cap', {
  desc_tunnel_offload_type: 1,
  eth_frame_offload_type: 1,
  virtio_version_1_0: 1,
  device_features_bits_mask: 13,
  event_mode: 8,
  virtio_queue_type: 8,
  max_tunnel_desc: 16,
  reserved_at_30: 3,
  log_doorbell_stride: 5,
  reserved_at_38: 3,
  log_doorbell_bar_size: 5,
  doorbell_bar_offset: 64,
  max_emulated_devices: 8,
  max_num_virtio_queues: 24,
  reserved_at_a0: 32,
  reserved_at_c0: 19,
  desc_group_mkey_supported: 1,
  freeze_to_rdy_supported: 1,
  reserved_at_d5: 11,
  reserved_at_e0: 32,
  umem_1_buffer_param_a: 32,
  umem_1_buffer_param_b: 32,
  umem_2_buffer_param_a: 32,
  umem_2_buffer_param_b: 32,
  umem_3_buffer_param_a: 32,
  umem_3_buffer_param_b: 32,
  reserved_at_1c0: 0x640,
});

/** VirtioQ: `virtio_q_bits`, the virtqueue context shared by every virtio queue object. */
export const VirtioQ = defineLayout('virtio_q', {
  virtio_q_type: 8,
  reserved_at_8: 5,
  event_mode: 3,
  queue_index: 16,
  full_emulation: 1,
  virtio_version_1_0: 1,
  reserved_at_22: 2,
  offload_type: 4,
  event_qpn_or_msix: 24,
  doorbell_stride_index: 16,
  queue_size: 16,
  device_emulation_id: 32,
  desc_addr: 64,
  used_addr: 64,
  available_addr: 64,
  virtio_q_mkey: 32,
  max_tunnel_desc: 16,
  reserved_at_170: 8,
  error_type: 8,
  umem_1_id: 32,
  umem_1_size: 32,
  umem_1_offset: 64,
  umem_2_id: 32,
  umem_2_size: 32,
  umem_2_offset: 64,
  umem_3_id: 32,
  umem_3_size: 32,
  umem_3_offset: 64,
  counter_set_id: 32,
  reserved_at_320: 8,
  pd: 24,
  reserved_at_340: 32,
  desc_group_mkey: 32,
  reserved_at_380: 0x80,
});

/** VirtioNetQObject: `virtio_net_q_object_bits`. */
export const VirtioNetQObject = defineLayout('virtio_net_q_object', {
  modify_field_select: 64,
  reserved_at_40: 32,
  vhca_id: 16,
  reserved_at_70: 16,
  queue_feature_bit_mask_12_3: 10,
  dirty_bitmap_dump_enable: 1,
  vhost_log_page: 5,
  reserved_at_90: 12,
  state: 4,
  reserved_at_a0: 5,
  queue_feature_bit_mask_2_0: 3,
  tisn_or_qpn: 24,
  dirty_bitmap_mkey: 32,
  dirty_bitmap_size: 32,
  dirty_bitmap_addr: 64,
  hw_available_index: 16,
  hw_used_index: 16,
  reserved_at_160: 0xa0,
  virtio_q_context: { struct: VirtioQ },
});

/** VirtioQCounters: `virtio_q_counters_bits`. */
export const VirtioQCounters = defineLayout('virtio_q_counters', {
  modify_field_select: 64,
  reserved_at_40: 64,
  received_desc: 64,
  completed_desc: 64,
  error_cqes: 32,
  bad_desc_errors: 32,
  exceed_max_chain: 32,
  invalid_buffer: 32,
  reserved_at_180: 0x80,
});

/** GeneralObjInCmdHdr: `general_obj_in_cmd_hdr_bits` (obj_type where other inboxes have op_mod). */
export const GeneralObjInCmdHdr = defineLayout('general_obj_in_cmd_hdr', {
  opcode: 16,
  uid: 16,
  vhca_tunnel_id: 16,
  obj_type: 16,
  obj_id: 32,
  reserved_at_60: 32,
});

/** GeneralObjOutCmdHdr: `general_obj_out_cmd_hdr_bits`. */
export const GeneralObjOutCmdHdr = defineLayout('general_obj_out_cmd_hdr', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  obj_id: 32,
  reserved_at_60: 32,
});

/** CreateVirtioNetQIn / ModifyVirtioNetQIn: header + `virtio_net_q_object`. */
export const CreateVirtioNetQIn = defineLayout('create_virtio_net_q_in', {
  hdr: { struct: GeneralObjInCmdHdr },
  obj_context: { struct: VirtioNetQObject },
});
export const ModifyVirtioNetQIn = CreateVirtioNetQIn;

/** QueryVirtioNetQOut: header + `virtio_net_q_object`. */
export const QueryVirtioNetQOut = defineLayout('query_virtio_net_q_out', {
  hdr: { struct: GeneralObjOutCmdHdr },
  obj_context: { struct: VirtioNetQObject },
});

/** CreateVirtioQCountersIn: header + `virtio_q_counters`. */
export const CreateVirtioQCountersIn = defineLayout('create_virtio_q_counters_in', {
  hdr: { struct: GeneralObjInCmdHdr },
  obj_context: { struct: VirtioQCounters },
});

/** QueryVirtioQCountersOut: header + `virtio_q_counters`. */
export const QueryVirtioQCountersOut = defineLayout('query_virtio_q_counters_out', {
  hdr: { struct: GeneralObjOutCmdHdr },
  obj_context: { struct: VirtioQCounters },
});

/** OBJ_CHANGE_EVENT: the OBJECT_CHANGE event type (`MLX5_EVENT_TYPE_OBJECT_CHANGE`). */
export const OBJ_CHANGE_EVENT = 0x27;

/** EqeObjChange: an OBJECT_CHANGE EQE (`mlx5_eqe_obj_change` in the 28-byte event union). */
export const EqeObjChange = defineLayout('mlx5_eqe_obj_change', {
  reserved_at_0: 8,
  type: 8,
  reserved_at_10: 8,
  sub_type: 8,
  reserved_at_20: 0xe0,
  reserved_at_100: 16,
  obj_type: 16,
  obj_id: 32,
  reserved_at_140: 0xa0,
  reserved_at_1e0: 16,
  signature: 8,
  owner: 8,
});

/**
 * VIRTQ_TRANSITIONS: the state changes MODIFY_GENERAL_OBJECT accepts on a
 * VIRTIO_NET_Q, one row per arc. SUSPEND -> RDY only on a device with
 * `freeze_to_rdy_supported`; nothing leaves ERR but DESTROY. Device and
 * driver read the same rows (the driver to refuse early, as mlx5_vdpa's
 * is_valid_state_change does).
 */
export const VIRTQ_TRANSITIONS: readonly {
  readonly from: number;
  readonly to: number;
  readonly needs?: 'freeze_to_rdy';
}[] = [
  { from: VirtqState.INIT, to: VirtqState.RDY },
  { from: VirtqState.RDY, to: VirtqState.SUSPEND },
  { from: VirtqState.SUSPEND, to: VirtqState.RDY, needs: 'freeze_to_rdy' },
];

/** virtqTransitionAllowed: whether `from -> to` is a row of VIRTQ_TRANSITIONS on this device. */
export function virtqTransitionAllowed(from: number, to: number, freezeToRdy: boolean): boolean {
  return VIRTQ_TRANSITIONS.some(
    (t) => t.from === from && t.to === to && (t.needs === undefined || freezeToRdy),
  );
}

/** virtqFieldsModifiable: non-state fields may change only in INIT or SUSPEND. */
export function virtqFieldsModifiable(state: number): boolean {
  return state === VirtqState.INIT || state === VirtqState.SUSPEND;
}

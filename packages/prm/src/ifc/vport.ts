/**
 * The function's NIC vport: QUERY_VPORT_STATE (0x750), MODIFY_VPORT_STATE
 * (0x751), QUERY_NIC_VPORT_CONTEXT (0x754), MODIFY_NIC_VPORT_CONTEXT
 * (0x755) and QUERY_VPORT_COUNTER (0x770), mlx5_ifc.h names and offsets.
 * The simulated device has one vport per function (number 0);
 * `other_vport` = 1 is refused.
 *
 * Owns: layouts only.
 */
import { defineLayout } from '../layout/layout.js';

/** VportState: `state` / `admin_state` values (MLX5_VPORT_STATE_* / _ADMIN_STATE_*). */
export const VportState = { DOWN: 0x0, UP: 0x1, FOLLOW: 0x2 } as const;

/** QueryVportStateIn: `query_vport_state_in`. */
export const QueryVportStateIn = defineLayout('query_vport_state_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  other_vport: 1,
  reserved_at_41: 0xf,
  vport_number: 16,
  reserved_at_60: 32,
});

/** QueryVportStateOut: `query_vport_state_out`. */
export const QueryVportStateOut = defineLayout('query_vport_state_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 32,
  reserved_at_60: 24,
  admin_state: 4,
  state: 4,
});

/** ModifyVportStateIn: `modify_vport_state_in`. */
export const ModifyVportStateIn = defineLayout('modify_vport_state_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  other_vport: 1,
  reserved_at_41: 0xf,
  vport_number: 16,
  reserved_at_60: 24,
  admin_state: 4,
  reserved_at_7c: 4,
});

/** MacAddressLayout: `mac_address_layout_bits`. */
export const MacAddressLayout = defineLayout('mac_address_layout', {
  reserved_at_0: 16,
  mac_addr_47_32: 16,
  mac_addr_31_0: 32,
});

/** NicVportContext: `nic_vport_context_bits` (256 bytes; address lists not modelled). */
export const NicVportContext = defineLayout('nic_vport_context', {
  reserved_at_0: 5,
  min_wqe_inline_mode: 3,
  reserved_at_8: 0x15,
  disable_mc_local_lb: 1,
  disable_uc_local_lb: 1,
  roce_en: 1,
  arm_change_event: 1,
  reserved_at_21: 0x1a,
  event_on_mtu: 1,
  event_on_promisc_change: 1,
  event_on_vlan_change: 1,
  event_on_mc_address_change: 1,
  event_on_uc_address_change: 1,
  reserved_at_40: 0xc,
  affiliation_criteria: 4,
  affiliated_vhca_id: 16,
  reserved_at_60: 0xd0,
  mtu: 16,
  system_image_guid: 64,
  port_guid: 64,
  node_guid: 64,
  reserved_at_200: 0x140,
  qkey_violation_counter: 16,
  reserved_at_350: 0x430,
  promisc_uc: 1,
  promisc_mc: 1,
  promisc_all: 1,
  reserved_at_783: 2,
  allowed_list_type: 3,
  reserved_at_788: 0xc,
  allowed_list_size: 0xc,
  permanent_address: { struct: MacAddressLayout },
  reserved_at_7e0: 32,
});

/** QueryNicVportContextIn: `query_nic_vport_context_in`. */
export const QueryNicVportContextIn = defineLayout('query_nic_vport_context_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  other_vport: 1,
  reserved_at_41: 0xf,
  vport_number: 16,
  reserved_at_60: 5,
  allowed_list_type: 3,
  reserved_at_68: 24,
});

/** QueryNicVportContextOut: `query_nic_vport_context_out`. */
export const QueryNicVportContextOut = defineLayout('query_nic_vport_context_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  nic_vport_context: { struct: NicVportContext },
});

/** ModifyNicVportFieldSelect: `modify_nic_vport_field_select_bits`. */
export const ModifyNicVportFieldSelect = defineLayout('modify_nic_vport_field_select', {
  reserved_at_0: 0x12,
  affiliation: 1,
  reserved_at_13: 1,
  disable_uc_local_lb: 1,
  disable_mc_local_lb: 1,
  node_guid: 1,
  port_guid: 1,
  min_inline: 1,
  mtu: 1,
  change_event: 1,
  promisc: 1,
  permanent_address: 1,
  addresses_list: 1,
  roce_en: 1,
  reserved_at_1f: 1,
});

/** ModifyNicVportContextIn: `modify_nic_vport_context_in` (512 bytes). */
export const ModifyNicVportContextIn = defineLayout('modify_nic_vport_context_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  other_vport: 1,
  reserved_at_41: 0xf,
  vport_number: 16,
  field_select: { struct: ModifyNicVportFieldSelect },
  reserved_at_80: 0x780,
  nic_vport_context: { struct: NicVportContext },
});

/** TrafficCounter: `traffic_counter_bits`. */
export const TrafficCounter = defineLayout('traffic_counter', { packets: 64, octets: 64 });

/** QueryVportCounterIn: `query_vport_counter_in`. */
export const QueryVportCounterIn = defineLayout('query_vport_counter_in', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  other_vport: 1,
  reserved_at_41: 0xb,
  port_num: 4,
  vport_number: 16,
  reserved_at_60: 0x60,
  clear: 1,
  reserved_at_c1: 0x1f,
  reserved_at_e0: 32,
});

/** VPORT_TRAFFIC_COUNTERS: the traffic counters of `query_vport_counter_out`, in order. */
export const VPORT_TRAFFIC_COUNTERS = [
  'received_errors',
  'transmit_errors',
  'received_ib_unicast',
  'transmitted_ib_unicast',
  'received_ib_multicast',
  'transmitted_ib_multicast',
  'received_eth_broadcast',
  'transmitted_eth_broadcast',
  'received_eth_unicast',
  'transmitted_eth_unicast',
  'received_eth_multicast',
  'transmitted_eth_multicast',
] as const;

/** VportTrafficCounter: one of {@link VPORT_TRAFFIC_COUNTERS}. */
export type VportTrafficCounter = (typeof VPORT_TRAFFIC_COUNTERS)[number];

/** QueryVportCounterOut: `query_vport_counter_out` (528 bytes). */
export const QueryVportCounterOut = defineLayout('query_vport_counter_out', {
  status: 8,
  reserved_at_8: 24,
  syndrome: 32,
  reserved_at_40: 64,
  received_errors: { struct: TrafficCounter },
  transmit_errors: { struct: TrafficCounter },
  received_ib_unicast: { struct: TrafficCounter },
  transmitted_ib_unicast: { struct: TrafficCounter },
  received_ib_multicast: { struct: TrafficCounter },
  transmitted_ib_multicast: { struct: TrafficCounter },
  received_eth_broadcast: { struct: TrafficCounter },
  transmitted_eth_broadcast: { struct: TrafficCounter },
  received_eth_unicast: { struct: TrafficCounter },
  transmitted_eth_unicast: { struct: TrafficCounter },
  received_eth_multicast: { struct: TrafficCounter },
  transmitted_eth_multicast: { struct: TrafficCounter },
  reserved_at_680: 0xa00,
});

/** macToFields / macFromFields: a MAC address as 6 bytes and as the layout's two halves. */
export function macToFields(mac: Buffer): { mac_addr_47_32: number; mac_addr_31_0: number } {
  return { mac_addr_47_32: mac.readUInt16BE(0), mac_addr_31_0: mac.readUInt32BE(2) };
}

export function macFromFields(hi: number, lo: number): Buffer {
  const b = Buffer.alloc(6);
  b.writeUInt16BE(hi, 0);
  b.writeUInt32BE(lo >>> 0, 2);
  return b;
}

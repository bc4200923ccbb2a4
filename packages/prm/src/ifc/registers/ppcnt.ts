/**
 * PPCNT (0x5008): Ports Performance Counters register and its counter groups.
 *
 * The register names a port (`local_port`, 1-based) and a counter group
 * (`grp`); firmware answers with that group's counters in `counter_set`, a
 * 248-byte union whose member depends on `grp`. Counters are 64-bit and
 * split into `<name>_high` / `<name>_low` dwords as in mlx5_ifc.h; the names
 * without the suffix are the PRM counter names the simulator's counter
 * store uses. `clr` = 1 on a read returns the values and then zeroes every
 * counter of the group. PPCNT is read-only.
 */
import { defineLayout, type FieldInfo } from '../../layout/layout.js';

/** PpcntReg: mlx5_ifc `ppcnt_reg`; `counter_set` holds one of the group layouts below. */
export const PpcntReg = defineLayout('ppcnt_reg', {
  swid: 8,
  local_port: 8,
  pnat: 2,
  reserved_at_12: 8,
  grp: 6,
  clr: 1,
  reserved_at_21: 0x1c,
  prio_tc: 3,
  counter_set: { bytes: 0xf8 },
});

/** PpcntGroup: `grp` values (Linux include/linux/mlx5/device.h). */
export const PpcntGroup = {
  IEEE_802_3: 0x0,
  RFC_2863: 0x1,
  RFC_2819: 0x2,
  RFC_3635: 0x3,
  ETHERNET_EXTENDED: 0x5,
  PER_PRIORITY: 0x10,
  PER_TRAFFIC_CLASS: 0x11,
  PHYSICAL_LAYER: 0x12,
  PHYSICAL_LAYER_STATISTICAL: 0x16,
  INFINIBAND_PORT: 0x20,
} as const;

/** Eth8023Counters: mlx5_ifc `eth_802_3_cntrs_grp_data_layout`. */
export const Eth8023Counters = defineLayout('eth_802_3_cntrs_grp_data_layout', {
  a_frames_transmitted_ok_high: 32,
  a_frames_transmitted_ok_low: 32,
  a_frames_received_ok_high: 32,
  a_frames_received_ok_low: 32,
  a_frame_check_sequence_errors_high: 32,
  a_frame_check_sequence_errors_low: 32,
  a_alignment_errors_high: 32,
  a_alignment_errors_low: 32,
  a_octets_transmitted_ok_high: 32,
  a_octets_transmitted_ok_low: 32,
  a_octets_received_ok_high: 32,
  a_octets_received_ok_low: 32,
  a_multicast_frames_xmitted_ok_high: 32,
  a_multicast_frames_xmitted_ok_low: 32,
  a_broadcast_frames_xmitted_ok_high: 32,
  a_broadcast_frames_xmitted_ok_low: 32,
  a_multicast_frames_received_ok_high: 32,
  a_multicast_frames_received_ok_low: 32,
  a_broadcast_frames_received_ok_high: 32,
  a_broadcast_frames_received_ok_low: 32,
  a_in_range_length_errors_high: 32,
  a_in_range_length_errors_low: 32,
  a_out_of_range_length_field_high: 32,
  a_out_of_range_length_field_low: 32,
  a_frame_too_long_errors_high: 32,
  a_frame_too_long_errors_low: 32,
  a_symbol_error_during_carrier_high: 32,
  a_symbol_error_during_carrier_low: 32,
  a_mac_control_frames_transmitted_high: 32,
  a_mac_control_frames_transmitted_low: 32,
  a_mac_control_frames_received_high: 32,
  a_mac_control_frames_received_low: 32,
  a_unsupported_opcodes_received_high: 32,
  a_unsupported_opcodes_received_low: 32,
  a_pause_mac_ctrl_frames_received_high: 32,
  a_pause_mac_ctrl_frames_received_low: 32,
  a_pause_mac_ctrl_frames_transmitted_high: 32,
  a_pause_mac_ctrl_frames_transmitted_low: 32,
  reserved_at_4c0: 0x300,
});

/** Eth2863Counters: mlx5_ifc `eth_2863_cntrs_grp_data_layout`. */
export const Eth2863Counters = defineLayout('eth_2863_cntrs_grp_data_layout', {
  if_in_octets_high: 32,
  if_in_octets_low: 32,
  if_in_ucast_pkts_high: 32,
  if_in_ucast_pkts_low: 32,
  if_in_discards_high: 32,
  if_in_discards_low: 32,
  if_in_errors_high: 32,
  if_in_errors_low: 32,
  if_in_unknown_protos_high: 32,
  if_in_unknown_protos_low: 32,
  if_out_octets_high: 32,
  if_out_octets_low: 32,
  if_out_ucast_pkts_high: 32,
  if_out_ucast_pkts_low: 32,
  if_out_discards_high: 32,
  if_out_discards_low: 32,
  if_out_errors_high: 32,
  if_out_errors_low: 32,
  if_in_multicast_pkts_high: 32,
  if_in_multicast_pkts_low: 32,
  if_in_broadcast_pkts_high: 32,
  if_in_broadcast_pkts_low: 32,
  if_out_multicast_pkts_high: 32,
  if_out_multicast_pkts_low: 32,
  if_out_broadcast_pkts_high: 32,
  if_out_broadcast_pkts_low: 32,
  reserved_at_340: 0x480,
});

/** PhysLayerCounters: mlx5_ifc `phys_layer_cntrs`. */
export const PhysLayerCounters = defineLayout('phys_layer_cntrs', {
  time_since_last_clear_high: 32,
  time_since_last_clear_low: 32,
  symbol_errors_high: 32,
  symbol_errors_low: 32,
  sync_headers_errors_high: 32,
  sync_headers_errors_low: 32,
  edpl_bip_errors_lane0_high: 32,
  edpl_bip_errors_lane0_low: 32,
  edpl_bip_errors_lane1_high: 32,
  edpl_bip_errors_lane1_low: 32,
  edpl_bip_errors_lane2_high: 32,
  edpl_bip_errors_lane2_low: 32,
  edpl_bip_errors_lane3_high: 32,
  edpl_bip_errors_lane3_low: 32,
  fc_fec_corrected_blocks_lane0_high: 32,
  fc_fec_corrected_blocks_lane0_low: 32,
  fc_fec_corrected_blocks_lane1_high: 32,
  fc_fec_corrected_blocks_lane1_low: 32,
  fc_fec_corrected_blocks_lane2_high: 32,
  fc_fec_corrected_blocks_lane2_low: 32,
  fc_fec_corrected_blocks_lane3_high: 32,
  fc_fec_corrected_blocks_lane3_low: 32,
  fc_fec_uncorrectable_blocks_lane0_high: 32,
  fc_fec_uncorrectable_blocks_lane0_low: 32,
  fc_fec_uncorrectable_blocks_lane1_high: 32,
  fc_fec_uncorrectable_blocks_lane1_low: 32,
  fc_fec_uncorrectable_blocks_lane2_high: 32,
  fc_fec_uncorrectable_blocks_lane2_low: 32,
  fc_fec_uncorrectable_blocks_lane3_high: 32,
  fc_fec_uncorrectable_blocks_lane3_low: 32,
  rs_fec_corrected_blocks_high: 32,
  rs_fec_corrected_blocks_low: 32,
  rs_fec_uncorrectable_blocks_high: 32,
  rs_fec_uncorrectable_blocks_low: 32,
  rs_fec_no_errors_blocks_high: 32,
  rs_fec_no_errors_blocks_low: 32,
  rs_fec_single_error_blocks_high: 32,
  rs_fec_single_error_blocks_low: 32,
  rs_fec_corrected_symbols_total_high: 32,
  rs_fec_corrected_symbols_total_low: 32,
  rs_fec_corrected_symbols_lane0_high: 32,
  rs_fec_corrected_symbols_lane0_low: 32,
  rs_fec_corrected_symbols_lane1_high: 32,
  rs_fec_corrected_symbols_lane1_low: 32,
  rs_fec_corrected_symbols_lane2_high: 32,
  rs_fec_corrected_symbols_lane2_low: 32,
  rs_fec_corrected_symbols_lane3_high: 32,
  rs_fec_corrected_symbols_lane3_low: 32,
  link_down_events: 32,
  successful_recovery_events: 32,
  reserved_at_640: 0x180,
});

/** PhysLayerStatisticalCounters: mlx5_ifc `phys_layer_statistical_cntrs`. */
export const PhysLayerStatisticalCounters = defineLayout('phys_layer_statistical_cntrs', {
  time_since_last_clear_high: 32,
  time_since_last_clear_low: 32,
  phy_received_bits_high: 32,
  phy_received_bits_low: 32,
  phy_symbol_errors_high: 32,
  phy_symbol_errors_low: 32,
  phy_corrected_bits_high: 32,
  phy_corrected_bits_low: 32,
  phy_corrected_bits_lane0_high: 32,
  phy_corrected_bits_lane0_low: 32,
  phy_corrected_bits_lane1_high: 32,
  phy_corrected_bits_lane1_low: 32,
  phy_corrected_bits_lane2_high: 32,
  phy_corrected_bits_lane2_low: 32,
  phy_corrected_bits_lane3_high: 32,
  phy_corrected_bits_lane3_low: 32,
  reserved_at_200: 0x5c0,
});

/** GroupCounter: one PRM counter of a group and how it is stored. */
export interface GroupCounter {
  /** PRM name without the `_high` / `_low` suffix, e.g. `a_frames_transmitted_ok`. */
  readonly name: string;
  /** True for a 64-bit counter kept as a `_high` / `_low` pair; false for a single dword. */
  readonly wide: boolean;
}

/** CounterGroupLayout: what the counter helpers need of a group layout (any of the above). */
export interface CounterGroupLayout {
  readonly name: string;
  readonly fields: readonly FieldInfo[];
  write(buf: Buffer, values: Record<string, number>, base?: number): void;
  decode(buf: Buffer, base?: number): object;
}

const counterCache = new WeakMap<CounterGroupLayout, readonly GroupCounter[]>();

/** groupCounters: the counters of a counter-group layout, in layout order. */
export function groupCounters(group: CounterGroupLayout): readonly GroupCounter[] {
  const cached = counterCache.get(group);
  if (cached) return cached;
  const list: GroupCounter[] = [];
  for (const f of group.fields) {
    if (f.reserved || f.kind !== 'uint' || f.name.endsWith('_low')) continue;
    if (f.name.endsWith('_high')) list.push({ name: f.name.slice(0, -5), wide: true });
    else list.push({ name: f.name, wide: false });
  }
  counterCache.set(group, list);
  return list;
}

/**
 * writeGroupCounters: store every counter of `group` (at byte `base` of
 * `buf`) from `value(name)`; 64-bit values are truncated to 64 bits, and
 * single-dword counters to 32.
 */
export function writeGroupCounters(
  group: CounterGroupLayout,
  buf: Buffer,
  base: number,
  value: (name: string) => bigint,
): void {
  const fields: Record<string, number> = {};
  for (const c of groupCounters(group)) {
    const v = BigInt.asUintN(64, value(c.name));
    if (c.wide) {
      fields[`${c.name}_high`] = Number(v >> 32n);
      fields[`${c.name}_low`] = Number(v & 0xffff_ffffn);
    } else {
      fields[c.name] = Number(v & 0xffff_ffffn);
    }
  }
  group.write(buf, fields, base);
}

/** readGroupCounters: every counter of `group` at byte `base` of `buf`, by PRM name. */
export function readGroupCounters(
  group: CounterGroupLayout,
  buf: Buffer,
  base = 0,
): Map<string, bigint> {
  const raw = group.decode(buf, base) as unknown as Record<string, number>;
  const out = new Map<string, bigint>();
  for (const c of groupCounters(group)) {
    const v = c.wide
      ? (BigInt(raw[`${c.name}_high`] ?? 0) << 32n) | BigInt(raw[`${c.name}_low`] ?? 0)
      : BigInt(raw[c.name] ?? 0);
    out.set(c.name, v);
  }
  return out;
}

/** PPCNT_GROUP_LAYOUTS: the counter groups modelled here, by `grp` (firmware answers them, tools decode them). */
export const PPCNT_GROUP_LAYOUTS: ReadonlyMap<number, CounterGroupLayout> = new Map<
  number,
  CounterGroupLayout
>([
  [PpcntGroup.IEEE_802_3, Eth8023Counters],
  [PpcntGroup.RFC_2863, Eth2863Counters],
  [PpcntGroup.PHYSICAL_LAYER, PhysLayerCounters],
  [PpcntGroup.PHYSICAL_LAYER_STATISTICAL, PhysLayerStatisticalCounters],
]);

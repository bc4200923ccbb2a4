/**
 * Netdev statistics, ethtool-style: the driver's software counters (what
 * its rings completed and what it refused) and the device's counters
 * (PPCNT IEEE 802.3 and RFC 2863 groups of the port, QUERY_VPORT_COUNTER
 * of the vport) under the names `ethtool -S` prints for mlx5e.
 *
 * Software counters live in the netdev and survive a reload; device
 * counters are the firmware's and restart when it is re-initialised.
 *
 * Owns: counter names and the software counter set. Never: sends commands
 * (the netdev reads the device and hands the values in).
 */
import type { VportCounters } from '@auxctl/core';
import type { VportTrafficCounter } from '@auxctl/prm';

/** SwCounters: what the driver counts itself. */
export interface SwCounters {
  rx_packets: bigint;
  rx_bytes: bigint;
  tx_packets: bigint;
  tx_bytes: bigint;
  /** RX completions with an error (buffer fault, too small) — the frame is gone. */
  rx_wqe_err: bigint;
  /** TX completions with an error. */
  tx_cqe_err: bigint;
  /** Frames refused because the TX ring had no room (mlx5e `tx_queue_dropped`). */
  tx_queue_dropped: bigint;
  /** Frames refused because the link was down, the netdev stopped or parked. */
  tx_carrier_dropped: bigint;
}

/** newSwCounters: all zero. */
export function newSwCounters(): SwCounters {
  return {
    rx_packets: 0n,
    rx_bytes: 0n,
    tx_packets: 0n,
    tx_bytes: 0n,
    rx_wqe_err: 0n,
    tx_cqe_err: 0n,
    tx_queue_dropped: 0n,
    tx_carrier_dropped: 0n,
  };
}

/** PPORT_802_3_NAMES: ethtool name -> PPCNT IEEE 802.3 counter (mlx5e en_stats.c order). */
export const PPORT_802_3_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['tx_packets_phy', 'a_frames_transmitted_ok'],
  ['rx_packets_phy', 'a_frames_received_ok'],
  ['rx_crc_errors_phy', 'a_frame_check_sequence_errors'],
  ['tx_bytes_phy', 'a_octets_transmitted_ok'],
  ['rx_bytes_phy', 'a_octets_received_ok'],
  ['tx_multicast_phy', 'a_multicast_frames_xmitted_ok'],
  ['tx_broadcast_phy', 'a_broadcast_frames_xmitted_ok'],
  ['rx_multicast_phy', 'a_multicast_frames_received_ok'],
  ['rx_broadcast_phy', 'a_broadcast_frames_received_ok'],
  ['rx_in_range_len_errors_phy', 'a_in_range_length_errors'],
  ['rx_out_of_range_len_phy', 'a_out_of_range_length_field'],
  ['rx_oversize_pkts_phy', 'a_frame_too_long_errors'],
  ['rx_symbol_err_phy', 'a_symbol_error_during_carrier'],
  ['tx_mac_control_phy', 'a_mac_control_frames_transmitted'],
  ['rx_mac_control_phy', 'a_mac_control_frames_received'],
  ['rx_unsupported_op_phy', 'a_unsupported_opcodes_received'],
  ['rx_pause_ctrl_phy', 'a_pause_mac_ctrl_frames_received'],
  ['tx_pause_ctrl_phy', 'a_pause_mac_ctrl_frames_transmitted'],
];

/** PPORT_2863_NAMES: ethtool name -> PPCNT RFC 2863 counter. */
export const PPORT_2863_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['rx_discards_phy', 'if_in_discards'],
  ['tx_discards_phy', 'if_out_discards'],
  ['tx_errors_phy', 'if_out_errors'],
];

/** VPORT_NAMES: ethtool prefix -> vport traffic counter (`<prefix>_packets`, `<prefix>_bytes`). */
export const VPORT_NAMES: ReadonlyArray<readonly [string, VportTrafficCounter]> = [
  ['rx_vport_unicast', 'received_eth_unicast'],
  ['tx_vport_unicast', 'transmitted_eth_unicast'],
  ['rx_vport_multicast', 'received_eth_multicast'],
  ['tx_vport_multicast', 'transmitted_eth_multicast'],
  ['rx_vport_broadcast', 'received_eth_broadcast'],
  ['tx_vport_broadcast', 'transmitted_eth_broadcast'],
];

/** DeviceCounters: what the netdev read from the device for one `stats()` call. */
export interface DeviceCounters {
  readonly ieee8023: ReadonlyMap<string, bigint>;
  readonly rfc2863: ReadonlyMap<string, bigint>;
  readonly vport: VportCounters;
}

/** NetStats: counter name -> value. */
export type NetStats = Record<string, bigint>;

/**
 * composeStats: the netdev's statistics. Besides the named counters the
 * summary ones follow `ip -s link`:
 *   tx_dropped = tx_queue_dropped + tx_carrier_dropped (+ tx_discards_phy)
 *   rx_dropped = rx_wqe_err (+ rx_discards_phy: no buffer posted, filtered)
 *   rx_crc_errors, rx_length_errors and rx_errors from the port
 * Without device counters (the netdev is parked for a reload) only the
 * software ones are given.
 */
export function composeStats(sw: SwCounters, dev: DeviceCounters | undefined): NetStats {
  const out: NetStats = { ...sw };
  const at = (m: ReadonlyMap<string, bigint> | undefined, k: string) => m?.get(k) ?? 0n;
  out.tx_dropped =
    sw.tx_queue_dropped + sw.tx_carrier_dropped + at(dev?.rfc2863, 'if_out_discards');
  out.rx_dropped = sw.rx_wqe_err + at(dev?.rfc2863, 'if_in_discards');
  if (!dev) return out;
  out.rx_crc_errors = at(dev.ieee8023, 'a_frame_check_sequence_errors');
  out.rx_length_errors =
    at(dev.ieee8023, 'a_in_range_length_errors') +
    at(dev.ieee8023, 'a_out_of_range_length_field') +
    at(dev.ieee8023, 'a_frame_too_long_errors');
  out.rx_errors = out.rx_crc_errors + out.rx_length_errors;
  for (const [name, prm] of PPORT_802_3_NAMES) out[name] = at(dev.ieee8023, prm);
  for (const [name, prm] of PPORT_2863_NAMES) out[name] = at(dev.rfc2863, prm);
  for (const [prefix, prm] of VPORT_NAMES) {
    out[`${prefix}_packets`] = dev.vport[prm].packets;
    out[`${prefix}_bytes`] = dev.vport[prm].octets;
  }
  return out;
}

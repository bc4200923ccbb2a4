/**
 * The QOS capability (cap_type 0xc) of the simulated device: the values a
 * ConnectX-6 Dx reports in mlx5ctl's public sample (`cap --id=QOS`), the
 * same for current and maximum (the driver sets nothing in it). The
 * simulator models no rate limiter or scheduler behind them; they are
 * what management software reads.
 *
 * Owns: the values.
 */
import { QosCap } from '@auxctl/prm';

/** QOS_CAP_VALUES: see the module header. */
export const QOS_CAP_VALUES = {
  packet_pacing: 1,
  esw_scheduling: 1,
  esw_bw_share: 1,
  esw_rate_limit: 1,
  hll: 1,
  packet_pacing_burst_bound: 1,
  packet_pacing_typical_size: 1,
  flow_meter_old: 1,
  nic_sq_scheduling: 1,
  nic_bw_share: 1,
  nic_rate_limit: 1,
  packet_pacing_uid: 1,
  log_esw_max_sched_depth: 1,
  log_max_flow_meter: 12,
  flow_meter_reg_id: 42,
  nic_qp_scheduling: 1,
  log_nic_max_sched_depth: 2,
  flow_meter: 1,
  qos_remap_pp: 1,
  log_max_qos_nic_queue_group: 8,
  packet_pacing_max_rate: 100_000_000,
  packet_pacing_min_rate: 1,
  log_esw_max_rate_limit: 4,
  packet_pacing_rate_table_size: 128,
  esw_element_type: 15,
  esw_tsar_type: 7,
  max_qos_para_vport_old: 8,
  max_tsar_bw_share: 100,
  nic_element_type: 17,
  nic_tsar_type: 1,
  log_meter_aso_granularity: 6,
  log_meter_aso_max_alloc: 6,
  log_max_num_meter_aso: 23,
  log_max_qos_nic_scheduling_element: 13,
  log_max_qos_esw_scheduling_element: 13,
} as const;

/** buildQosCap: the capability bytes (the size of the layout; the union's rest is zero). */
export function buildQosCap(): Buffer {
  return QosCap.encode(QOS_CAP_VALUES);
}

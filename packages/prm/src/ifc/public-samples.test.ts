import { describe, expect, it } from 'vitest';
import { QueryCqOut } from './cq.js';
import { QosCap } from './hca-cap.js';
import { DtorReg } from './registers/dtor.js';
import { NodeDescReg, nodeDescText } from './registers/node-desc.js';

// Bytes a real ConnectX-6 Dx returned, as mlx5ctl's README prints them,
// decoded with the layouts the simulator answers with and the CLI decodes:
// every field must come out as the tool printed it.

const hex = (lines: string[]): Buffer => Buffer.from(lines.join(' ').replaceAll(' ', ''), 'hex');

describe("mlx5ctl's public samples decode with the shared layouts", () => {
  it('QOS capability (cap --id=QOS | parseadb qos_caps)', () => {
    const bytes = Buffer.alloc(QosCap.bytes);
    hex([
      'ff f1 0c 2a 42 a8 00 00 05 f5 e1 00 00 00 00 01',
      '00 04 00 80 00 0f 00 07 00 00 00 08 00 00 00 64',
      '00 11 00 01 06 06 17 00 0d 0d 00 00 00 00 00 00',
    ]).copy(bytes);
    expect(QosCap.decode(bytes)).toEqual({
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
      wqe_rate_pp: 0,
      nic_qp_scheduling: 1,
      log_nic_max_sched_depth: 2,
      flow_meter: 1,
      qos_remap_pp: 1,
      log_max_qos_nic_queue_group: 8,
      max_flow_meter_bs_exponent: 0,
      packet_pacing_max_rate: 100000000,
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
      max_qos_para_vport: 0,
    });
  });

  it('a CQ object (obj cq --id=1135 -B | parseadb query_cq_out): the printed context fields', () => {
    const bytes = Buffer.alloc(QueryCqOut.bytes);
    hex([
      '00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00',
      '00 00 09 00 00 00 00 00 00 00 00 00 0a 00 00 80',
      '00 08 00 80 00 00 00 16 00 00 00 00 00 00 00 00',
      '00 ff ff ff 00 ff ff ff 00 00 00 00 00 00 00 00',
    ]).copy(bytes);
    const out = QueryCqOut.decode(bytes);
    expect([out.status, out.syndrome]).toEqual([0, 0]);
    expect(out.cq_context).toMatchObject({
      status: 0,
      cqe_sz: 0,
      st: 9, // NOTIFICATION_REQUEST_ARMED
      log_cq_size: 10,
      uar_page: 128,
      cq_period: 8,
      cq_max_count: 128,
      c_eqn: 22,
      log_page_size: 0,
      last_notified_index: 0xffffff,
      last_solicit_index: 0xffffff,
      consumer_counter: 0,
      producer_counter: 0,
    });
  });

  it('DTOR register (reg --id=DTOR): value and multiplier of every printed timeout', () => {
    const bytes = hex([
      '00 00 00 00 20 00 00 02 00 00 00 00 00 00 00 00',
      '00 00 00 00 20 00 00 02 20 00 00 3c 20 00 00 3c',
      '20 00 00 02 20 00 00 02 20 00 00 0a 20 00 00 05',
      '20 00 00 05 20 00 00 78 00 00 00 00 00 00 00 00',
    ]);
    const d = DtorReg.decode(bytes);
    const printed = {
      pcie_toggle_to: 2,
      full_crdump_to: 60,
      fw_reset_to: 60,
      flush_on_err_to: 2,
      pci_sync_update_to: 2,
      tear_down_to: 10,
      fsm_reactivate_to: 5,
      reclaim_pages_to: 5,
      reclaim_vfs_pages_to: 120,
    } as const;
    for (const [field, value] of Object.entries(printed)) {
      expect(d[field as keyof typeof printed], field).toEqual({
        to_multiplier: 1,
        to_value: value,
      });
    }
    expect(DtorReg.bytes).toBe(64);
  });
});

describe('NODE_DESC (reg --id=NODE_DESC)', () => {
  it('reads the description up to its NUL padding', () => {
    const b = Buffer.alloc(64);
    b.write('MT4125 ConnectX6Dx Mellanox Technologies');
    expect(
      nodeDescText(
        NodeDescReg.view(NodeDescReg.encode({ node_description: b }), 'node_description'),
      ),
    ).toBe('MT4125 ConnectX6Dx Mellanox Technologies');
    expect(nodeDescText(Buffer.from('full', 'latin1'))).toBe('full');
  });
});

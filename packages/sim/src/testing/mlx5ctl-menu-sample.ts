/**
 * MLX5CTL_MENU_SAMPLE: the resource dump menu a real ConnectX printed
 * through `mlx5ctl rscdump` (`refs/mlx5ctl-samples.md`, "Resource dump":
 * "menu size 2388 num of records 45"), one row per record, transcribed
 * from the printout and kept apart from the simulator's table so that a
 * test comparing the two can fail.
 *
 * Each row: segment_type, the twelve flag bits as the tool prints them
 * (support_index1, must_have_index1, support_index2, must_have_index2,
 * support_num_of_obj1, must_have_num_of_obj1, support_num_of_obj2,
 * must_have_num_of_obj2, num_of_obj1_supports_all,
 * num_of_obj1_supports_active, num_of_obj2_supports_all,
 * num_of_obj2_supports_active; '1' = set), segment_name, index1_name,
 * index2_name.
 */

/** MenuSampleRow: one printed record. */
export type MenuSampleRow = readonly [
  type: number,
  flags: string,
  segmentName: string,
  index1Name: string,
  index2Name: string,
];

/** MLX5CTL_MENU_BYTES: the printed menu size (info + command + menu + terminate). */
export const MLX5CTL_MENU_BYTES = 2388;

/** MLX5CTL_MENU_SAMPLE: the 45 printed records, in order. */
export const MLX5CTL_MENU_SAMPLE: readonly MenuSampleRow[] = [
  [0x2, '110000000000', 'HW_CQPC', 'QPN', 'N/A'],
  [0x3, '110000000000', 'HW_SQPC', 'QPN', 'N/A'],
  [0x4, '110000000000', 'HW_RQPC', 'QPN', 'N/A'],
  [0x1100, '110000000000', 'FULL_SRQC', 'SRQN', 'N/A'],
  [0x1200, '110000000000', 'FULL_CQC', 'CQN', 'N/A'],
  [0x1300, '110000000000', 'FULL_EQC', 'EQN', 'N/A'],
  [0x1000, '110000000000', 'FULL_QPC', 'QPN', 'N/A'],
  [0x1001, '111000100010', 'SND_BUFF', 'QPN', 'WQEBB'],
  [0x1002, '111000100010', 'RCV_BUFF', 'QPN', 'DS'],
  [0x1101, '111000100010', 'SRQ_BUFF', 'SRQN', 'DS'],
  [0x1201, '111000100010', 'CQ_BUFF', 'CQN', 'CQE'],
  [0x1301, '111000100010', 'EQ_BUFF', 'EQN', 'EQE'],
  [0x3000, '110000000000', 'SX_SLICE', 'SLICE', 'N/A'],
  [0x3001, '000000000000', 'SX_SLICE_ALL', 'N/A', 'N/A'],
  [0x2000, '110000000000', 'RX_SLICE', 'SLICE', 'N/A'],
  [0x2001, '000000000000', 'RX_SLICE_ALL', 'N/A', 'N/A'],
  [0x21, '110000000000', 'MKEY_CONTEXT', 'MKEY_IX', 'N/A'],
  [0x5, '111100000000', 'RDB_CONTEXT', 'QPN', 'RDB_IX'],
  [0x1310, '110010100000', 'STE_RANGE', 'STE_IX', 'N/A'],
  [0x1311, '000000000000', 'STE_ALL', 'N/A', 'N/A'],
  [0x1010, '000000000000', 'FUNC_SYND_REC', 'N/A', 'N/A'],
  [0x1312, '110010100000', 'STE_GLOBAL_RNG', 'STE_IX', 'N/A'],
  [0x1313, '110000000000', 'STE_ROOT', 'ROOT_IX', 'N/A'],
  [0x2020, '100011000000', 'ICMC_INFO', 'SET', 'N/A'],
  [0x4000, '110000000000', 'PRM_QUERY_QP', 'QPN', 'N/A'],
  [0x4020, '110000000000', 'PRM_QUERY_CQ', 'CQN', 'N/A'],
  [0x4030, '110000000000', 'PRM_QUERY_MKEY', 'MKEY_IDX', 'N/A'],
  [0x4008, '000000000000', 'QUERY_VNIC_ENV', 'N/A', 'N/A'],
  [0x1020, '110010100000', 'MDFY_HDR_RNG', 'MDFY_IX', 'N/A'],
  [0x1021, '000000000000', 'MDFY_HDR_ALL', 'N/A', 'N/A'],
  [0x4010, '110000000000', 'QUERY_FT', 'TABLE_ID', 'N/A'],
  [0x4011, '000000000000', 'QUERY_FT_ALL', 'N/A', 'N/A'],
  [0x4012, '111100000000', 'QUERY_FG', 'TABLE_ID', 'GROUP_ID'],
  [0x4013, '110000000000', 'QUERY_FG_ALL', 'TABLE_ID', 'N/A'],
  [0x4014, '111100000000', 'QUERY_FTE', 'TABLE_ID', 'FLOW_IX'],
  [0x4015, '110000000000', 'QUERY_FTE_ALL', 'TABLE_ID', 'N/A'],
  [0x1318, '110000000000', 'FLOW_COUNTER', 'CNTR ID', 'N/A'],
  [0x1320, '110000000000', 'PKT_REFORMAT', 'CTX ID', 'N/A'],
  [0x1030, '000000000000', 'SHARED_BUFFER', 'N/A', 'N/A'],
  [0x103c, '000000000000', 'PAGE_HISTOGRAM', 'N/A', 'N/A'],
  [0x1040, '100010000100', 'SCHEDQ_INFO', 'SCHEDQ_IX', 'N/A'],
  [0x104b, '100000000000', 'VQOS_TREE', 'SKIP_LOCK', 'N/A'],
  [0x1050, '000000000000', 'VQOS_DISTLIST', 'N/A', 'N/A'],
  [0x1048, '000000000000', 'VLQ_GVMI_VLQ_SQ', 'N/A', 'N/A'],
  [0x1053, '100010000100', 'PACKET_PACING', 'PP_IX', 'N/A'],
];

/**
 * The resource dump menu: which segments the simulated function offers,
 * how a real device describes them, and what the model fills them with.
 *
 * PURPOSE
 * A tool reads segment 0xffff first and picks segments by name, so the
 * menu is the contract. {@link REAL_MENU} is the 45-record menu the public
 * mlx5ctl README prints for a real ConnectX (`refs/mlx5ctl-samples.md`,
 * "Resource dump"): the same segment types, flag bits and names, in the
 * same order. Names are written as the tool prints them, "N/A" included
 * (mlx5ctl prints the record's bytes as a string, so the device wrote it).
 *
 * WHAT THE MODEL FILLS (the `source` column)
 * - an object type: one resource segment per object of that type (the
 *   object's PRM context fields, see resource-dump-builder.ts);
 * - 'none': a kind of object the model never creates (SRQs, steering
 *   entries, flow tables and groups, counters, ...). The table is really
 *   empty, so the answer is what any device gives for an empty table: the
 *   framing with no resource segment (or NO_SUCH_OBJECT for an exact index);
 * - 'not-modelled': hardware state the model has no copy of (slices, ring
 *   buffer contents, ICM cache, shared buffer, QoS trees, ...). Answering
 *   "empty" would be a claim the model cannot make and inventing contents
 *   would mislead, so the stream carries one NOTICE segment saying so.
 *
 * EXTENSION
 * {@link VIRTIO_NET_Q_RECORD} is the simulator's own segment for its
 * VIRTIO_NET_Q objects. It is listed only by a function that runs virtio
 * queues (`RegisterHost.virtioQueues()`: SFs and VFs with virtio
 * emulation, never the PF), so a PF's menu is exactly the real one: 45
 * records, 2,388 bytes with its framing.
 *
 * Owns: the table. Never: builds bytes (resource-dump-builder.ts does).
 */
import { type MenuFlag, SegmentType, type SegmentTypeName } from '@auxctl/prm';
import type { FwObjectType, RegisterHost } from '../register-host.js';

/** MenuSource: what fills a segment (see the module header). */
export type MenuSource = FwObjectType | 'none' | 'not-modelled';

/** MenuRow: one menu record and its source. */
export interface MenuRow {
  readonly name: SegmentTypeName;
  readonly type: number;
  readonly index1Name: string;
  readonly index2Name: string;
  readonly flags: readonly MenuFlag[];
  readonly source: MenuSource;
}

// The flag combinations the real menu uses.
const NONE: readonly MenuFlag[] = [];
const INDEX1: readonly MenuFlag[] = ['support_index1', 'must_have_index1'];
const INDEX1_2: readonly MenuFlag[] = [...INDEX1, 'support_index2', 'must_have_index2'];
const BUFFER: readonly MenuFlag[] = [
  ...INDEX1,
  'support_index2',
  'support_num_of_obj2',
  'num_of_obj2_supports_all',
];
const RANGE: readonly MenuFlag[] = [...INDEX1, 'support_num_of_obj1', 'support_num_of_obj2'];
const ICMC: readonly MenuFlag[] = [
  'support_index1',
  'support_num_of_obj1',
  'must_have_num_of_obj1',
];
const ACTIVE: readonly MenuFlag[] = [
  'support_index1',
  'support_num_of_obj1',
  'num_of_obj1_supports_active',
];
const OPTIONAL1: readonly MenuFlag[] = ['support_index1'];

function row(
  name: SegmentTypeName,
  flags: readonly MenuFlag[],
  index1Name: string,
  index2Name: string,
  source: MenuSource,
): MenuRow {
  return { name, type: SegmentType[name], index1Name, index2Name, flags, source };
}

const NA = 'N/A';

/** REAL_MENU: the real device's 45 records, in its order. */
export const REAL_MENU: readonly MenuRow[] = [
  row('HW_CQPC', INDEX1, 'QPN', NA, 'not-modelled'),
  row('HW_SQPC', INDEX1, 'QPN', NA, 'SQ'),
  row('HW_RQPC', INDEX1, 'QPN', NA, 'RQ'),
  row('FULL_SRQC', INDEX1, 'SRQN', NA, 'none'),
  row('FULL_CQC', INDEX1, 'CQN', NA, 'CQ'),
  row('FULL_EQC', INDEX1, 'EQN', NA, 'EQ'),
  row('FULL_QPC', INDEX1, 'QPN', NA, 'QP'),
  row('SND_BUFF', BUFFER, 'QPN', 'WQEBB', 'not-modelled'),
  row('RCV_BUFF', BUFFER, 'QPN', 'DS', 'not-modelled'),
  row('SRQ_BUFF', BUFFER, 'SRQN', 'DS', 'none'),
  row('CQ_BUFF', BUFFER, 'CQN', 'CQE', 'not-modelled'),
  row('EQ_BUFF', BUFFER, 'EQN', 'EQE', 'not-modelled'),
  row('SX_SLICE', INDEX1, 'SLICE', NA, 'not-modelled'),
  row('SX_SLICE_ALL', NONE, NA, NA, 'not-modelled'),
  row('RX_SLICE', INDEX1, 'SLICE', NA, 'not-modelled'),
  row('RX_SLICE_ALL', NONE, NA, NA, 'not-modelled'),
  row('MKEY_CONTEXT', INDEX1, 'MKEY_IX', NA, 'MKEY'),
  row('RDB_CONTEXT', INDEX1_2, 'QPN', 'RDB_IX', 'not-modelled'),
  row('STE_RANGE', RANGE, 'STE_IX', NA, 'none'),
  row('STE_ALL', NONE, NA, NA, 'none'),
  row('FUNC_SYND_REC', NONE, NA, NA, 'not-modelled'),
  row('STE_GLOBAL_RNG', RANGE, 'STE_IX', NA, 'none'),
  row('STE_ROOT', INDEX1, 'ROOT_IX', NA, 'none'),
  row('ICMC_INFO', ICMC, 'SET', NA, 'not-modelled'),
  row('PRM_QUERY_QP', INDEX1, 'QPN', NA, 'not-modelled'),
  row('PRM_QUERY_CQ', INDEX1, 'CQN', NA, 'not-modelled'),
  row('PRM_QUERY_MKEY', INDEX1, 'MKEY_IDX', NA, 'not-modelled'),
  row('QUERY_VNIC_ENV', NONE, NA, NA, 'not-modelled'),
  row('MDFY_HDR_RNG', RANGE, 'MDFY_IX', NA, 'none'),
  row('MDFY_HDR_ALL', NONE, NA, NA, 'none'),
  row('QUERY_FT', INDEX1, 'TABLE_ID', NA, 'none'),
  row('QUERY_FT_ALL', NONE, NA, NA, 'none'),
  row('QUERY_FG', INDEX1_2, 'TABLE_ID', 'GROUP_ID', 'none'),
  row('QUERY_FG_ALL', INDEX1, 'TABLE_ID', NA, 'none'),
  row('QUERY_FTE', INDEX1_2, 'TABLE_ID', 'FLOW_IX', 'none'),
  row('QUERY_FTE_ALL', INDEX1, 'TABLE_ID', NA, 'none'),
  row('FLOW_COUNTER', INDEX1, 'CNTR ID', NA, 'none'),
  row('PKT_REFORMAT', INDEX1, 'CTX ID', NA, 'none'),
  row('SHARED_BUFFER', NONE, NA, NA, 'not-modelled'),
  row('PAGE_HISTOGRAM', NONE, NA, NA, 'not-modelled'),
  row('SCHEDQ_INFO', ACTIVE, 'SCHEDQ_IX', NA, 'not-modelled'),
  row('VQOS_TREE', OPTIONAL1, 'SKIP_LOCK', NA, 'not-modelled'),
  row('VQOS_DISTLIST', NONE, NA, NA, 'not-modelled'),
  row('VLQ_GVMI_VLQ_SQ', NONE, NA, NA, 'not-modelled'),
  row('PACKET_PACING', ACTIVE, 'PP_IX', NA, 'none'),
];

/** VIRTIO_NET_Q_RECORD: the simulator's segment for VIRTIO_NET_Q objects (see EXTENSION). */
export const VIRTIO_NET_Q_RECORD: MenuRow = row(
  'VIRTIO_NET_Q',
  INDEX1,
  'OBJ_ID',
  NA,
  'VIRTIO_NET_Q',
);

/** functionMenu: the menu `host` offers: the real one, plus VIRTIO_NET_Q where it runs virtio queues. */
export function functionMenu(host: RegisterHost): readonly MenuRow[] {
  return host.virtioQueues() ? [...REAL_MENU, VIRTIO_NET_Q_RECORD] : REAL_MENU;
}

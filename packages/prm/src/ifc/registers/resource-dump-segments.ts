/**
 * Resource dump segment types: the numbers a real ConnectX menu gives.
 *
 * Firmware assigns the numbers of resource segments and publishes them in
 * the menu (segment 0xffff); Linux maps them by name (`mlx5_rsc_sgmt_name`)
 * and never hard-codes them. The values below are the ones the public
 * mlx5ctl README prints for a real device's 45-record menu
 * (`refs/mlx5ctl-samples.md`, "Resource dump"), so a tool tested against
 * the simulator sends the numbers hardware answers to. A careful tool still
 * reads the menu and looks segments up by name.
 *
 * 0x0000..0xfeff are resource segments; 0xfff9..0xffff are the fixed
 * framing segments (notice, command, terminate, error, reference, info,
 * menu), the same on every device.
 *
 * Owns: the numbers. Never: which of them a device offers (that is the
 * menu's job, see the simulator's `resource-dump-menu.ts`).
 */

/** SegmentType: segment type ids, in the order of the real menu, then the framing types. */
export const SegmentType = {
  HW_CQPC: 0x0002,
  HW_SQPC: 0x0003,
  HW_RQPC: 0x0004,
  FULL_SRQC: 0x1100,
  FULL_CQC: 0x1200,
  FULL_EQC: 0x1300,
  FULL_QPC: 0x1000,
  SND_BUFF: 0x1001,
  RCV_BUFF: 0x1002,
  SRQ_BUFF: 0x1101,
  CQ_BUFF: 0x1201,
  EQ_BUFF: 0x1301,
  SX_SLICE: 0x3000,
  SX_SLICE_ALL: 0x3001,
  RX_SLICE: 0x2000,
  RX_SLICE_ALL: 0x2001,
  MKEY_CONTEXT: 0x0021,
  RDB_CONTEXT: 0x0005,
  STE_RANGE: 0x1310,
  STE_ALL: 0x1311,
  FUNC_SYND_REC: 0x1010,
  STE_GLOBAL_RNG: 0x1312,
  STE_ROOT: 0x1313,
  ICMC_INFO: 0x2020,
  PRM_QUERY_QP: 0x4000,
  PRM_QUERY_CQ: 0x4020,
  PRM_QUERY_MKEY: 0x4030,
  QUERY_VNIC_ENV: 0x4008,
  MDFY_HDR_RNG: 0x1020,
  MDFY_HDR_ALL: 0x1021,
  QUERY_FT: 0x4010,
  QUERY_FT_ALL: 0x4011,
  QUERY_FG: 0x4012,
  QUERY_FG_ALL: 0x4013,
  QUERY_FTE: 0x4014,
  QUERY_FTE_ALL: 0x4015,
  FLOW_COUNTER: 0x1318,
  PKT_REFORMAT: 0x1320,
  SHARED_BUFFER: 0x1030,
  PAGE_HISTOGRAM: 0x103c,
  SCHEDQ_INFO: 0x1040,
  VQOS_TREE: 0x104b,
  VQOS_DISTLIST: 0x1050,
  VLQ_GVMI_VLQ_SQ: 0x1048,
  PACKET_PACING: 0x1053,
  /**
   * VIRTIO_NET_Q objects: the simulator's own segment, not in the real
   * menu (Linux names none for general objects). A function lists it in its
   * menu only when it runs virtio queues (SFs and VFs), so a PF's menu is
   * exactly the real one; tools find it by name.
   */
  VIRTIO_NET_Q: 0x1d00,
  NOTICE: 0xfff9,
  CMD: 0xfffa,
  TERMINATE: 0xfffb,
  ERROR: 0xfffc,
  REFERENCE: 0xfffd,
  INFO: 0xfffe,
  MENU: 0xffff,
} as const;

/** SegmentTypeName: the key of a {@link SegmentType}. */
export type SegmentTypeName = keyof typeof SegmentType;

/** RESOURCE_SEGMENT_MAX: the largest resource segment type id. */
export const RESOURCE_SEGMENT_MAX = 0xfeff;

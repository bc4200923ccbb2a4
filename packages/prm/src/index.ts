/**
 * @auxctl/prm: the hardware interface of an mlx5-class function, shared by
 * the drivers (@auxctl/core and the aux packages) and by any device behind
 * them (@auxctl/sim, a Linux fwctl backend): the PRM layout helper and
 * every layout declared with it, opcodes, command and delivery statuses,
 * the command-queue entry and mailbox formats, host DMA memory, the
 * `DeviceBackend` seam and the errno-coded error class.
 *
 * Pure TypeScript: no Node module other than Buffer, so a tool (the CLI)
 * can decode fields with the same declarations. The fwctl scopes also have
 * a subpath of their own, `@auxctl/prm/fwctl-scope`, for a caller that
 * needs only the scope names (the CLI's argument parsers) and not every
 * layout this index loads.
 */
export type {
  CompletionHandler,
  DeviceBackend,
  DeviceIdentity,
  DmaDirtyLog,
  SubFunctionAttrs,
  SubFunctionHost,
  VirtualFunctionAttrs,
  VirtualFunctionHost,
} from './backend.js';
export { CommandEntries, isSlot } from './cmd/command-entries.js';
export {
  type BlockMemory,
  blocksFor,
  type ChainDirection,
  ChainFault,
  collect,
  decode,
  decodeInto,
  dmaBlockMemory,
  encode,
  fill,
  MailboxChain,
  prepare,
} from './cmd/mailbox-chain.js';
export { BLOCKS_PER_CHUNK, type MailboxBlock, MailboxPool } from './cmd/mailbox-pool.js';
export {
  blockIntact,
  controlIntact,
  entryIntact,
  signBlock,
  signBlockControl,
  signEntry,
  xor8,
} from './cmd/signature.js';
export { DmaSpace, PAGE_SIZE } from './dma.js';
export { AuxError, Errno, type ErrnoName, isAuxError } from './errors.js';
export {
  FWCTL_SCOPE_NAMES,
  FwctlScope,
  type FwctlScopeName,
  type FwctlScopeValue,
  fwctlScopeName,
  isFwctlScope,
  isFwctlScopeName,
  TAINTING_SCOPE,
} from './fwctl-scope.js';
export {
  AccessRegisterIn,
  AccessRegisterOut,
  AccessRegOpMod,
  REGISTER_DATA_OFFSET,
  RegisterId,
  registerName,
} from './ifc/access-reg.js';
export {
  MELLANOX_OUI,
  NopIn,
  NopOut,
  QueryAdapterIn,
  QueryAdapterOut,
  QueryAdapterParamBlock,
} from './ifc/adapter.js';
export {
  CMD_ENTRY_BYTES,
  CMD_OWNER_HW,
  CMD_QUEUE_BYTES,
  CMD_QUEUE_SLOTS,
  CMD_TYPE_PCI,
  CmdLayout,
  CmdProtBlock,
  MAILBOX_ALIGN,
  MAILBOX_BLOCK_BYTES,
  MAX_REG_CMDS,
  PAGE_QUEUE_SLOT,
} from './ifc/cmd-layout.js';
export {
  Cqc,
  CqeSize,
  CreateCqIn,
  CreateCqOut,
  DestroyCqIn,
  PAS_OFFSET,
  QueryCqIn,
  QueryCqOut,
} from './ifc/cq.js';
export { type Cqe, cqeOwner, cqeReady, parseCqe } from './ifc/cqe.js';
export {
  CounterId,
  DiagnosticCntrLayout,
  DiagnosticCntrStruct,
  DiagnosticParamsContext,
  type DiagSamplingSetup,
  QueryDiagnosticCntrsIn,
  QueryDiagnosticCntrsOut,
  QueryDiagnosticParamsIn,
  QueryDiagnosticParamsOut,
  SetDiagnosticParamsIn,
  SetDiagnosticParamsOut,
  setDiagnosticParamsInbox,
} from './ifc/diag.js';
export {
  CreateEqIn,
  CreateEqOut,
  DestroyEqIn,
  EQE_BYTES,
  Eqc,
  Eqe,
  EventType,
  PortChangeSubtype,
  QueryEqIn,
  QueryEqOut,
} from './ifc/eq.js';
export {
  EswSfEntry,
  EswSfState,
  eswFunctionsOutBytes,
  HcaVportContext,
  macToEui64,
  OtherHcaCap,
  QueryEswFunctionsIn,
  QueryEswFunctionsOut,
  QueryHcaVportContextIn,
  QueryHcaVportContextOut,
  QueryOtherHcaCapIn,
  QueryOtherHcaCapOut,
} from './ifc/esw-functions.js';
export {
  CapMode,
  CapType,
  CmdHcaCap,
  DebugCap,
  HCA_CAP_UNION_BYTES,
  hcaCapOpMod,
  QosCap,
  QueryHcaCapIn,
  QueryHcaCapOut,
  RoceCap,
  SetHcaCapIn,
  SetHcaCapOut,
} from './ifc/hca-cap.js';
export { AdvVirtualizationCap, CmdHcaCap2 } from './ifc/hca-cap-2.js';
export {
  CMD_HDR_BYTES,
  CmdHdrIn,
  CmdHdrOut,
  MAILBOX_DATA_BYTES,
  MAX_CMD_BYTES,
  MAX_MAILBOXES,
} from './ifc/header.js';
export {
  checkHealthSyndrome,
  HealthBuffer,
  HealthSyndrome,
  healthSyndromeText,
} from './ifc/health.js';
export {
  CmdOut,
  DisableHcaIn,
  DisableHcaOut,
  EnableHcaIn,
  EnableHcaOut,
  InitHcaIn,
  ManagePagesIn,
  ManagePagesOpMod,
  ManagePagesOut,
  PAGE_ADDRESS_BYTES,
  PagesOpMod,
  QueryPagesIn,
  QueryPagesOut,
  TeardownHcaIn,
  TeardownHcaOut,
  TeardownProfile,
} from './ifc/init.js';
export { QueryIssiIn, QueryIssiOut, SetIssiIn } from './ifc/issi.js';
export {
  CreateMkeyIn,
  CreateMkeyOut,
  DestroyMkeyIn,
  Mkc,
  MkcAccessMode,
  mkeyFromIndex,
  mkeyIndex,
  QueryMkeyIn,
  QueryMkeyOut,
} from './ifc/mkey.js';
export {
  OPCODES,
  Op,
  type OpcodeInfo,
  type OpcodeName,
  opcodeInfo,
  opcodeName,
} from './ifc/opcodes.js';
export { AllocPdIn, AllocPdOut, DeallocPdIn } from './ifc/pd.js';
export {
  Ads,
  CreateQpIn,
  CreateQpOut,
  ModifyQpIn,
  ModifyQpOut,
  QP_TRANSITIONS,
  Qpc,
  QpNumIn,
  QpServiceType,
  QpState,
  type QpStateName,
  type QpTransition,
  QueryQpOut,
  qpTransitionAllowed,
  qpTransitionByOpcode,
  RQ_STRIDE_BASE,
} from './ifc/qp.js';
export {
  CORE_DUMP_INLINE_OFFSET,
  CoreDumpReg,
  CoreDumpType,
  CRDUMP_DEFAULT_BYTES,
  CRDUMP_FORMAT_VERSION,
  CRDUMP_MAGIC,
  CRDUMP_MAX_BYTES,
  CRDUMP_PAIR_BYTES,
  CRDUMP_WINDOW_BYTES,
  CrdumpHeader,
  CrdumpPair,
} from './ifc/registers/core-dump.js';
export {
  type CrdumpSummary,
  crdumpHeader,
  crdumpValue,
  scanCrdump,
} from './ifc/registers/crdump-stream.js';
export { DefaultTimeout, DtorReg, TimeoutMultiplier } from './ifc/registers/dtor.js';
export {
  MTRC_MAX_STRING_DBS,
  MtrcCap,
  MtrcConf,
  MtrcCtrl,
  MtrcCtrlSelect,
  MtrcStdb,
  MtrcStringDbParam,
  MtrcTraceMode,
  MtrcTraceStatus,
} from './ifc/registers/mtrc.js';
export { NODE_DESC_BYTES, NodeDescReg, nodeDescText } from './ifc/registers/node-desc.js';
export { PaosReg, PmtuReg, PortStatus } from './ifc/registers/port-regs.js';
export {
  type CounterGroupLayout,
  Eth2863Counters,
  Eth8023Counters,
  type GroupCounter,
  groupCounters,
  PhysLayerCounters,
  PhysLayerStatisticalCounters,
  PPCNT_GROUP_LAYOUTS,
  PpcntGroup,
  PpcntReg,
  readGroupCounters,
  writeGroupCounters,
} from './ifc/registers/ppcnt.js';
export {
  CommandSegment,
  ErrorSegment,
  InfoSegment,
  MENU_RECORD_FLAGS,
  type MenuFlag,
  MenuRecord,
  MenuSegment,
  NoticeSegment,
  ResourceDumpField,
  ResourceDumpObjectHeader,
  ResourceDumpReg,
  ResourceSegment,
  RSC_DUMP_ALL,
  RSC_DUMP_INLINE_BYTES,
  RscDumpErrorId,
  RscDumpNoticeId,
  SegmentHeader,
  TerminateSegment,
} from './ifc/registers/resource-dump.js';
export {
  RESOURCE_SEGMENT_MAX,
  SegmentType,
  type SegmentTypeName,
} from './ifc/registers/resource-dump-segments.js';
export {
  asciiz,
  type DumpedObject,
  type DumpSegment,
  decodeMenu,
  decodeResourceSegment,
  type MenuEntry,
  type MenuFlags,
  splitSegments,
} from './ifc/registers/resource-dump-stream.js';
export {
  CmdStatus,
  DeliveryStatus,
  DRIVER_SYNDROME,
  deliveryStatusName,
  statusName,
  statusToErrno,
} from './ifc/status.js';
export {
  CreateTirIn,
  CreateTirOut,
  CreateTisIn,
  CreateTisOut,
  DestroyTirIn,
  DestroyTisIn,
  Tirc,
  TirDispType,
  Tisc,
} from './ifc/tir-tis.js';
export {
  CreateUctxIn,
  CreateUctxOut,
  DestroyUctxIn,
  QueryUctxIn,
  QueryUctxOut,
  UCTX_CAP_ALL,
  Uctx,
  UctxCap,
} from './ifc/uctx.js';
export {
  CreateUmemIn,
  CreateUmemOut,
  DestroyUmemIn,
  MTT_BYTES,
  Mtt,
  mttAddress,
  QueryUmemIn,
  QueryUmemOut,
  Umem,
  writeMtt,
} from './ifc/umem.js';
export {
  LoadVhcaStateIn,
  QueryVhcaMigrationStateIn,
  QueryVhcaMigrationStateOut,
  ResumeVhcaOpMod,
  SaveVhcaStateIn,
  SaveVhcaStateOut,
  SuspendVhcaOpMod,
  VhcaIn,
  VhcaOut,
} from './ifc/vhca-migration.js';
export {
  CreateVirtioNetQIn,
  CreateVirtioQCountersIn,
  EqeObjChange,
  GeneralObjInCmdHdr,
  GeneralObjOutCmdHdr,
  GeneralObjType,
  GeneralObjTypesCap,
  ModifyVirtioNetQIn,
  OBJ_CHANGE_EVENT,
  QueryVirtioNetQOut,
  QueryVirtioQCountersOut,
  VIRTQ_TRANSITIONS,
  VirtioEmulationCap,
  VirtioNetQObject,
  VirtioQ,
  VirtioQCounters,
  VirtqError,
  VirtqEventMode,
  VirtqModify,
  VirtqOffload,
  VirtqState,
  VirtqType,
  virtqFieldsModifiable,
  virtqTransitionAllowed,
} from './ifc/virtio-net-q.js';
export {
  MacAddressLayout,
  ModifyNicVportContextIn,
  ModifyNicVportFieldSelect,
  ModifyVportStateIn,
  macFromFields,
  macToFields,
  NicVportContext,
  QueryNicVportContextIn,
  QueryNicVportContextOut,
  QueryVportCounterIn,
  QueryVportCounterOut,
  QueryVportStateIn,
  QueryVportStateOut,
  TrafficCounter,
  VPORT_TRAFFIC_COUNTERS,
  VportState,
  type VportTrafficCounter,
} from './ifc/vport.js';
export {
  CreateRqIn,
  CreateRqOut,
  CreateSqIn,
  CreateSqOut,
  DestroyRqIn,
  DestroySqIn,
  ModifyRqIn,
  ModifySqIn,
  QueryRqOut,
  QuerySqOut,
  QueueState,
  Rqc,
  Sqc,
  Wq,
  WqType,
} from './ifc/wq.js';
export {
  CQE_BYTES,
  CQE_INIT_OP_OWN,
  CQE_OWNER_MASK,
  Cqe64,
  CqeOpcode,
  CqeSyndrome,
  type Doorbell,
  ErrCqe,
  type EventInterrupt,
  INVALID_LKEY,
  SEND_WQEBB_BYTES,
  SEND_WQEBB_SHIFT,
  WQE_CTRL_CQ_UPDATE,
  WQE_SEG_BYTES,
  WqeCtrlSeg,
  WqeDataSeg,
  WqeEthSeg,
  WqeOpcode,
  WqeRaddrSeg,
} from './ifc/wqe.js';
export {
  type BigFieldName,
  type Decoded,
  defineLayout,
  type FieldInfo,
  type FieldSpec,
  type Fields,
  type IntFieldName,
  Layout,
  type LayoutLike,
  type ValueOf,
} from './layout/layout.js';
export {
  formatPciAddress,
  type PciAddress,
  parsePciAddress,
  routingId,
  type SriovLayout,
  vfAddress,
  vfIndexOf,
} from './pci/pci-address.js';
export { Syndrome } from './syndromes.js';
export {
  Avail,
  isValidQueueSize,
  needEvent,
  readDesc,
  Used,
  VRING_AVAIL_F_NO_INTERRUPT,
  VRING_DESC_BYTES,
  VRING_MAX_SIZE,
  VRING_USED_F_NO_NOTIFY,
  VringAlign,
  type VringDesc,
  VringDescF,
  vringSizes,
  writeDesc,
} from './virtio/split-ring.js';
export {
  controlQueueIndex,
  featureBit,
  featureBits,
  featureMask,
  featureMaskOfText,
  hasFeature,
  VIRTIO_ID_NET,
  VIRTIO_NET_HDR_BYTES,
  VIRTIO_NET_S_ANNOUNCE,
  VIRTIO_NET_S_LINK_UP,
  VirtioF,
  VirtioNetConfig,
  VirtioNetCtrl,
  VirtioNetF,
  VirtioStatus,
  virtioFeatureName,
  virtioNetQueue,
} from './virtio/virtio-spec.js';

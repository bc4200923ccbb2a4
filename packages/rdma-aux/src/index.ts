/**
 * @auxctl/rdma-aux: the RDMA driver for `mlx5_core.rdma` aux devices (the
 * mlx5_ib role): an ib_device per aux device, verbs user contexts with
 * their own firmware uid, PDs, memory regions, CQs and RC QPs moving data
 * with SEND, RDMA WRITE and RDMA READ.
 */
export type { VerbsKind } from './context-link.js';
export { IbContext, MR_VA_BASE, type QpCreate } from './ib-context.js';
export { type CqEvent, IbCq } from './ib-cq.js';
export { IbDevice, type IbDeviceInfo, ibDeviceName } from './ib-device.js';
export { IbMr } from './ib-mr.js';
export { IbPd } from './ib-pd.js';
export { IbQp, type IbQpInfo } from './ib-qp.js';
export { type PinnedPages, pageBuffer, pinnedPages } from './page-buffer.js';
export {
  createRdmaDriver,
  RDMA_DRIVER_NAME,
  RDMA_MATCH_NAME,
  type RdmaDriver,
  type RdmaDriverOptions,
} from './rdma-driver.js';
export { RdmaRegistry, type RdmaRegistryEvent } from './rdma-registry.js';
export {
  type CheckedCap,
  type CheckedQpAttr,
  type CheckedSendWr,
  checkAccess,
  checkCqe,
  checkQpAttr,
  checkQpCap,
  checkRecvWr,
  checkSendWr,
  type IbAccess,
  type IbQpState,
  type IbSge,
  MAX_CQE,
  MAX_MSG,
  MAX_SGE,
  MAX_WR,
  type PathMtu,
  type QpAttr,
  type QpCap,
  type RecvWr,
  type SendOpcode,
  type SendWr,
} from './verbs-validation.js';
export {
  type WcOpcode,
  type WcStatus,
  type WorkCompletion,
  type WrId,
  wcStatus,
} from './work-completion.js';

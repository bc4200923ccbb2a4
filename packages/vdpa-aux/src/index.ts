/**
 * @auxctl/vdpa-aux: mlx5_vdpa. Binds `mlx5_core.vnet` aux devices and
 * registers a vdpa management device per function; the vdpa net devices it
 * makes run their data queues on the function's firmware virtqueues
 * (VIRTIO_NET_Q) and their control queue in software.
 */
export { ControlVq } from './control-vq.js';
export { HwVirtqueue, type HwVqConfig, type VnetResources } from './hw-virtqueue.js';
export {
  createMlx5VdpaDriver,
  MLX5_VDPA_DRIVER_NAME,
  type Mlx5VdpaDriverOptions,
  VNET_MATCH_NAME,
} from './mlx5-vdpa-driver.js';
export { MLX5_VENDOR_ID, VNET_MAX_VQ_ENTRIES, VnetDevice } from './vnet-device.js';
export { VnetDma } from './vnet-dma.js';
export {
  checkVnetDevAdd,
  mgmtdevName,
  registerVnetMgmtDev,
  VNET_ATTRS,
  type VnetDevAddPlan,
  type VnetMgmt,
  vnetSupportedFeatures,
} from './vnet-mgmtdev.js';

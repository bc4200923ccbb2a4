/**
 * @auxctl/vdpa: the vdpa bus (vdpa devices, vdpa drivers, match-all with
 * driver override), its management API (management devices, dev add /
 * dev del, show as plain data, events), and two consumers of vdpa
 * devices: a virtio-net driver and vhost-style user access. A software
 * net device for tests is at `@auxctl/vdpa/testing`.
 */
export {
  type Awaitable,
  VDPA_RESET_F_CLEAN_MAP,
  type VdpaCallback,
  type VdpaConfigOps,
  type VdpaDma,
  type VdpaVendorVqStats,
  type VdpaVqNotification,
  type VdpaVqState,
} from './bus/config-ops.js';
export { VdpaBus, type VdpaBusOptions, type VdpaDeviceInfo } from './bus/vdpa-bus.js';
export { VdpaDevice, type VdpaDeviceInit } from './bus/vdpa-device.js';
export type { VdpaDriver } from './bus/vdpa-driver.js';
export type { VdpaEvent } from './bus/vdpa-events.js';
export {
  attrBit,
  configAttrNames,
  ETH_MIN_MTU,
  formatFeatures,
  parseDevAdd,
  parseFeatures,
  parseMaxVqp,
  parseMtu,
  VdpaAttr,
  type VdpaDevAddRequest,
  type VdpaDevSetConfig,
} from './mgmt/vdpa-attrs.js';
export type { VdpaManagement, VdpaNetConfigInfo } from './mgmt/vdpa-management.js';
export {
  mgmtHandle,
  type VdpaDevAddContext,
  type VdpaMgmtDevInfo,
  type VdpaMgmtDevInit,
  type VdpaMgmtDevice,
  type VdpaMgmtDevOps,
} from './mgmt/vdpa-mgmtdev.js';
export {
  createVhostVdpaDriver,
  VHOST_VDPA_DRIVER,
  VhostVdpaNode,
  VhostVdpaRegistry,
} from './vhost/vhost-vdpa-driver.js';
export { VhostVdpaHandle } from './vhost/vhost-vdpa-handle.js';
export {
  DriverVirtqueue,
  type DriverVirtqueueOptions,
  ringDistance,
  ringSlot,
  type UsedChain,
  type VqSegment,
} from './virtio-net/driver-virtqueue.js';
export {
  configRange,
  type NetConfigFields,
  netConfigSpace,
} from './virtio-net/net-config.js';
export { negotiateNetFeatures, VIRTIO_NET_DRIVER_FEATURES } from './virtio-net/net-features.js';
export {
  VirtioNetDevice,
  type VirtioNetEvent,
  type VirtioNetOptions,
  type VirtioNetStats,
} from './virtio-net/virtio-net-device.js';
export {
  createVirtioNetDriver,
  VIRTIO_VDPA_DRIVER,
  type VirtioNetDriverOptions,
  VirtioNetRegistry,
} from './virtio-net/virtio-net-driver.js';
export {
  type DeviceRingOps,
  DeviceVirtqueue,
  deviceRingOps,
  type PoppedChain,
} from './vringh/device-virtqueue.js';

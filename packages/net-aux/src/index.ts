/**
 * @auxctl/net-aux: the netdev driver for `mlx5_core.eth` aux devices: an
 * interface per device with TX/RX rings built from firmware queues, MAC,
 * MTU, link state, ethtool-style statistics and suspend/resume across the
 * core's reload.
 */
export {
  checkFrame,
  checkIfName,
  checkMtu,
  ETH_FCS_LEN,
  ETH_HLEN,
  HW_MTU_OVERHEAD,
  hwToSwMtu,
  IFNAMSIZ,
  MIN_MTU,
  maxFrameBytes,
  swToHwMtu,
  VLAN_HLEN,
} from './frame-check.js';
export {
  checkUnicastMac,
  formatMac,
  identityMac,
  isMulticastMac,
  isZeroMac,
  parseMac,
} from './mac-address.js';
export { NetChannel, type NetChannelOptions } from './net-channel.js';
export {
  NetDevice,
  type NetDeviceInfo,
  type NetDeviceOptions,
  type NetEvent,
} from './net-device.js';
export {
  createNetDriver,
  NET_DRIVER_NAME,
  NET_MATCH_NAME,
  type NetDriver,
  type NetDriverOptions,
} from './net-driver.js';
export { NetRegistry, type NetRegistryEvent } from './net-registry.js';
export {
  composeStats,
  type DeviceCounters,
  type NetStats,
  newSwCounters,
  PPORT_802_3_NAMES,
  PPORT_2863_NAMES,
  type SwCounters,
  VPORT_NAMES,
} from './net-stats.js';

/**
 * @auxctl/vdpa/testing: a software vdpa net device and its management
 * device (after the kernel's vdpa_sim_net), for this package's tests and
 * embedders' tests. Not a production device: no hardware, loopback only.
 */

export {
  registerSimNetMgmtDev,
  SIM_NET_ATTRS,
  SIM_NET_MGMTDEV,
  type SimNetMgmt,
  type SimNetMgmtOptions,
} from './sim-net-mgmtdev.js';
export { type UserRing, userRing } from './user-ring.js';
export {
  SIM_NET_FEATURES,
  SIM_VENDOR_ID,
  VdpaSimNet,
  type VdpaSimNetOptions,
} from './vdpa-sim-net.js';

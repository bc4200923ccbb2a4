/**
 * The software net device's management device (`vdpasim_net`, on no bus):
 * `dev add` builds a `VdpaSimNet` from the provisioned attributes and
 * registers it; `dev del` forgets it. Any number of devices, unlike mlx5.
 *
 * Owns: the software devices it made, by name. Never: bus logic.
 */
import { AuxError, VIRTIO_ID_NET } from '@auxctl/prm';
import type { VdpaBus } from '../bus/vdpa-bus.js';
import { attrBit, VdpaAttr } from '../mgmt/vdpa-attrs.js';
import type { VdpaMgmtDevice } from '../mgmt/vdpa-mgmtdev.js';
import { SIM_NET_FEATURES, VdpaSimNet, type VdpaSimNetOptions } from './vdpa-sim-net.js';

/** SIM_NET_MGMTDEV: the software management device's handle. */
export const SIM_NET_MGMTDEV = 'vdpasim_net';

/** SimNetMgmtOptions: what the management device supports, and defaults for devices it makes. */
export interface SimNetMgmtOptions {
  readonly devName?: string;
  readonly busName?: string;
  readonly maxSupportedVqs?: number;
  /** config_attr_mask; default MAC, MTU, MAX_VQP and DEV_FEATURES. */
  readonly configAttrMask?: bigint;
  /** Options for each device beyond what dev add provisions. */
  readonly device?: VdpaSimNetOptions;
}

/** SimNetMgmt: the registered management device and the software devices it made. */
export interface SimNetMgmt {
  readonly mgmtdev: VdpaMgmtDevice;
  readonly devices: Map<string, VdpaSimNet>;
}

/** SIM_NET_ATTRS: the dev add attributes the software device takes. */
export const SIM_NET_ATTRS = [
  VdpaAttr.DEV_NET_CFG_MACADDR,
  VdpaAttr.DEV_NET_CFG_MTU,
  VdpaAttr.DEV_NET_CFG_MAX_VQP,
  VdpaAttr.DEV_FEATURES,
].reduce((m, a) => m | attrBit(a), 0n);

/** registerSimNetMgmtDev: register the software management device on `bus`. Undo with `bus.mgmt.unregister`. */
export function registerSimNetMgmtDev(bus: VdpaBus, opts: SimNetMgmtOptions = {}): SimNetMgmt {
  const devices = new Map<string, VdpaSimNet>();
  const maxSupportedVqs = opts.maxSupportedVqs ?? 17;
  const supported = opts.device?.features ?? SIM_NET_FEATURES;
  const mgmtdev = bus.mgmt.register({
    devName: opts.devName ?? SIM_NET_MGMTDEV,
    ...(opts.busName === undefined ? {} : { busName: opts.busName }),
    idTable: [VIRTIO_ID_NET],
    configAttrMask: opts.configAttrMask ?? SIM_NET_ATTRS,
    supportedFeatures: supported,
    maxSupportedVqs,
    ops: {
      async devAdd({ mgmtdev: m, name, config, register }) {
        const features = config.deviceFeatures ?? supported;
        if ((features & ~supported) !== 0n) {
          throw new AuxError('EINVAL', `${m.handle}: device_features outside the supported ones`);
        }
        const pairs = config.maxVqPairs ?? 1;
        if (2 * pairs + 1 > maxSupportedVqs) {
          throw new AuxError('EINVAL', `${m.handle}: at most ${(maxSupportedVqs - 1) / 2} pairs`);
        }
        const sim = new VdpaSimNet({
          ...opts.device,
          features,
          maxVqPairs: pairs,
          ...(config.mac ? { mac: config.mac } : {}),
          ...(config.mtu === undefined ? {} : { mtu: config.mtu }),
        });
        const vdev = await register({
          config: sim.ops,
          dma: sim.dma,
          nvqs: sim.nvqs,
          dmaDev: m.handle,
        });
        sim.attach(vdev);
        devices.set(name, sim);
        return vdev;
      },
      devDel(_m, vdev) {
        devices.delete(vdev.name);
      },
    },
  });
  return { mgmtdev, devices };
}

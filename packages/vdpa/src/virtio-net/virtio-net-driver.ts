/**
 * The virtio-net vdpa driver (the role of virtio_vdpa + virtio_net): binds
 * vdpa devices whose device id is net, brings each up as a
 * `VirtioNetDevice` and lists it in a registry the embedder owns.
 * Devices of another class are declined with ENODEV (the next driver may
 * take them).
 *
 * Owns: the binding of net devices to interfaces. Never: device ops
 * beyond what VirtioNetDevice does.
 */
import { DeviceRegistry } from '@auxctl/core';
import { AuxError, VIRTIO_ID_NET } from '@auxctl/prm';
import type { VdpaDriver } from '../bus/vdpa-driver.js';
import { VirtioNetDevice, type VirtioNetOptions } from './virtio-net-device.js';

/** VIRTIO_VDPA_DRIVER: the driver's name on the vdpa bus. */
export const VIRTIO_VDPA_DRIVER = 'virtio_vdpa';

/** VirtioNetRegistry: the interfaces the driver brought up, by vdpa device name. */
export class VirtioNetRegistry extends DeviceRegistry<VirtioNetDevice> {
  constructor() {
    super({ noun: 'virtio-net interface', lookupHint: 'is the vdpa device bound to virtio_vdpa?' });
  }

  /** require: the interface of that name; ENODEV when there is none. */
  require(name: string): VirtioNetDevice {
    return this.lookup(name);
  }
}

/** VirtioNetDriverOptions: the registry to fill and how to set devices up. */
export interface VirtioNetDriverOptions extends VirtioNetOptions {
  readonly registry: VirtioNetRegistry;
}

/** createVirtioNetDriver: the driver, to pass to `VdpaBus.registerDriver`. */
export function createVirtioNetDriver(opts: VirtioNetDriverOptions): VdpaDriver {
  const { registry, ...netOpts } = opts;
  return {
    name: VIRTIO_VDPA_DRIVER,
    async probe(vdev) {
      if (vdev.config.getDeviceId() !== VIRTIO_ID_NET) {
        throw new AuxError('ENODEV', `${vdev.name} is not a net device`);
      }
      const net = new VirtioNetDevice(vdev, netOpts);
      try {
        await net.init();
        registry.add(net);
      } catch (err) {
        await net.destroy();
        throw err;
      }
      vdev.drvdata = net;
    },
    async remove(vdev) {
      const net = vdev.drvdata as VirtioNetDevice;
      registry.remove(net);
      await net.destroy();
    },
  };
}

/**
 * The vhost-vdpa driver (the role of drivers/vhost/vdpa.c): binds a vdpa
 * device — normally chosen with a driver override, since the first driver
 * registered takes any device otherwise — and gives it a character-device
 * like entry `vhost-vdpa-N` in a registry the embedder owns. `open` hands
 * out the one `VhostVdpaHandle` (a second open is EBUSY until the first
 * closes); unbinding closes an open handle, which then answers ENODEV.
 *
 * Owns: the `vhost-vdpa-N` entries and their open state. Never: the
 * device's rings (the user drives them through the handle).
 */
import { DeviceRegistry, IdAllocator } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type { VdpaDevice } from '../bus/vdpa-device.js';
import type { VdpaDriver } from '../bus/vdpa-driver.js';
import { VhostVdpaHandle } from './vhost-vdpa-handle.js';

/** VHOST_VDPA_DRIVER: the driver's name on the vdpa bus. */
export const VHOST_VDPA_DRIVER = 'vhost_vdpa';

/** VhostVdpaNode: one `vhost-vdpa-N` entry. */
export class VhostVdpaNode {
  handle: VhostVdpaHandle | undefined;

  constructor(
    readonly name: string,
    readonly minor: number,
    readonly vdev: VdpaDevice,
  ) {}

  /** open: the exclusive handle; EBUSY while another is open, ENODEV once the device is gone. */
  open(): VhostVdpaHandle {
    this.vdev.ensureLive();
    if (this.handle) throw new AuxError('EBUSY', `${this.name} is already open`);
    const h = new VhostVdpaHandle(this.vdev, () => {
      if (this.handle === h) this.handle = undefined;
    });
    this.handle = h;
    return h;
  }
}

/** VhostVdpaRegistry: the `vhost-vdpa-N` entries, by name. */
export class VhostVdpaRegistry extends DeviceRegistry<VhostVdpaNode> {
  readonly minors = new IdAllocator();

  constructor() {
    super({ noun: 'vhost-vdpa device', lookupHint: 'bind the vdpa device to vhost_vdpa first' });
  }

  /** open: open `vhost-vdpa-N` (see VhostVdpaNode.open); ENODEV for an unknown name. */
  open(name: string): VhostVdpaHandle {
    return this.lookup(name).open();
  }

  /** byDevice: the entry of a vdpa device, if bound. */
  byDevice(vdpaName: string): VhostVdpaNode | undefined {
    return [...this.devices.values()].find((n) => n.vdev.name === vdpaName);
  }
}

/** createVhostVdpaDriver: the driver, to pass to `VdpaBus.registerDriver`. */
export function createVhostVdpaDriver(opts: { registry: VhostVdpaRegistry }): VdpaDriver {
  const { registry } = opts;
  return {
    name: VHOST_VDPA_DRIVER,
    async probe(vdev) {
      const minor = registry.minors.alloc();
      const node = new VhostVdpaNode(`vhost-vdpa-${minor}`, minor, vdev);
      try {
        registry.add(node);
      } catch (err) {
        registry.minors.free(minor);
        throw err;
      }
      try {
        await vdev.reset();
      } catch (err) {
        registry.remove(node);
        registry.minors.free(minor);
        throw err;
      }
      vdev.drvdata = node;
    },
    async remove(vdev) {
      const node = vdev.drvdata as VhostVdpaNode;
      await node.handle?.close();
      registry.remove(node);
      registry.minors.free(node.minor);
    },
  };
}

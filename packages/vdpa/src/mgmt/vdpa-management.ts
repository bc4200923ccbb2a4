/**
 * VdpaManagement: the management API of the vdpa bus (the kernel's vdpa
 * generic netlink family): management devices register, and a user (a CLI
 * or gRPC layer) asks them to add and delete devices, and reads
 * `mgmtdev show`, `dev show` and `dev config show` as plain data.
 *
 * Refusals, in the order they are checked, each an AuxError:
 *  - dev add: a malformed request (no name, MTU < 68, max_vqp 0, a bad MAC
 *    or feature mask) EINVAL; no such mgmtdev ENODEV; an attribute outside
 *    the mgmtdev's config_attr_mask EOPNOTSUPP ("All provided attributes
 *    are not supported"); a name in use EEXIST; then whatever the
 *    mgmtdev's devAdd refuses with (mlx5: ENOSPC, EOPNOTSUPP, EINVAL).
 *  - dev del: no such device ENODEV; a device no mgmtdev created EINVAL
 *    ("Only user created device can be deleted by user").
 *  - dev config show: no such device ENODEV; features not negotiated yet
 *    (no FEATURES_OK) EAGAIN; a class other than net EOPNOTSUPP.
 *  - mgmtdev register: a handle in use EEXIST; unregister of an unknown
 *    one ENOENT. Unregistering deletes every device the mgmtdev made.
 *
 * Owns: management devices and which devices each made. Never: device
 * internals (its ops) or binding (the bus).
 */
import { formatHwAddr, printable } from '@auxctl/core';
import {
  AuxError,
  hasFeature,
  VIRTIO_ID_NET,
  VIRTIO_NET_S_LINK_UP,
  VirtioNetConfig,
  VirtioNetF,
  VirtioStatus,
} from '@auxctl/prm';
import type { VdpaBus } from '../bus/vdpa-bus.js';
import type { VdpaDevice, VdpaDeviceInit } from '../bus/vdpa-device.js';
import { parseDevAdd } from './vdpa-attrs.js';
import { type VdpaMgmtDevInfo, type VdpaMgmtDevInit, VdpaMgmtDevice } from './vdpa-mgmtdev.js';

/** VdpaNetConfigInfo: `vdpa dev config show` of a net device, as plain data. */
export interface VdpaNetConfigInfo {
  readonly name: string;
  readonly mac: string;
  readonly status: number;
  readonly linkUp: boolean;
  readonly mtu: number;
  readonly negotiatedFeatures: bigint;
  /** Only when VIRTIO_NET_F_MQ was negotiated. */
  readonly maxVqPairs?: number;
}

type Publish = (init: VdpaDeviceInit, mgmtdev: string) => Promise<VdpaDevice>;

/** VdpaManagement: see the module header; reached as `VdpaBus.mgmt`. */
export class VdpaManagement {
  private readonly mgmtdevs = new Map<string, VdpaMgmtDevice>();

  constructor(
    private readonly bus: VdpaBus,
    private readonly publish: Publish,
  ) {}

  /** register: add a management device; EINVAL malformed, EEXIST for a handle in use. Undo with `unregister`. */
  register(init: VdpaMgmtDevInit): VdpaMgmtDevice {
    const mdev = new VdpaMgmtDevice(init);
    if (this.mgmtdevs.has(mdev.handle)) {
      throw new AuxError('EEXIST', `management device ${mdev.handle} is already registered`);
    }
    this.mgmtdevs.set(mdev.handle, mdev);
    return mdev;
  }

  /** unregister: delete every device the mgmtdev made (newest first), then forget it; ENOENT when unknown. */
  async unregister(handle: string): Promise<void> {
    const mdev = this.lookupMgmt(handle, 'ENOENT');
    this.mgmtdevs.delete(handle);
    for (const name of [...mdev.devices].reverse()) await this.deleteOf(mdev, name);
  }

  /** devAdd: create a device on a management device; see the module header for refusals. */
  async devAdd(request: unknown): Promise<VdpaDevice> {
    const { name, mgmtdev, config } = parseDevAdd(request);
    const mdev = this.lookupMgmt(mgmtdev, 'ENODEV');
    if ((config.mask & mdev.configAttrMask) !== config.mask) {
      throw new AuxError(
        'EOPNOTSUPP',
        `All provided attributes are not supported by ${mdev.handle}`,
        { unsupported: config.mask & ~mdev.configAttrMask },
      );
    }
    if (this.bus.find(name)) throw new AuxError('EEXIST', `vdpa device ${name} exists`);
    let made: VdpaDevice | undefined;
    const register = async (init: Omit<VdpaDeviceInit, 'name'>): Promise<VdpaDevice> => {
      if (made) throw new AuxError('EEXIST', `${mdev.handle} registered ${name} already`);
      made = await this.publish({ ...init, name }, mdev.handle);
      mdev.devices.add(name);
      return made;
    };
    try {
      const vdev = await mdev.ops.devAdd({ mgmtdev: mdev, name, config, register });
      if (!made || vdev !== made) {
        throw new AuxError('EIO', `${mdev.handle}: dev_add did not register ${name}`);
      }
      return vdev;
    } catch (err) {
      if (made?.live) await this.deleteOf(mdev, name);
      throw err;
    }
  }

  /** devDel: delete a device a management device made; ENODEV unknown, EINVAL not mgmt-made. */
  async devDel(name: string): Promise<void> {
    const vdev = this.bus.find(name);
    if (!vdev) throw new AuxError('ENODEV', `no vdpa device ${printable(name)}`);
    const mdev = vdev.mgmtdev === undefined ? undefined : this.mgmtdevs.get(vdev.mgmtdev);
    if (!mdev) {
      throw new AuxError('EINVAL', 'Only user created device can be deleted by user');
    }
    await this.deleteOf(mdev, name);
  }

  /** showMgmtDev: every management device, or the one named (ENODEV when unknown). */
  showMgmtDev(handle?: string): VdpaMgmtDevInfo[] {
    if (handle !== undefined) return [this.lookupMgmt(handle, 'ENODEV').info()];
    return [...this.mgmtdevs.values()].map((m) => m.info());
  }

  /** devConfig: `dev config show` of a net device; EAGAIN until FEATURES_OK. */
  devConfig(name: string): VdpaNetConfigInfo {
    const vdev = this.bus.find(name);
    if (!vdev) throw new AuxError('ENODEV', `no vdpa device ${printable(name)}`);
    if ((vdev.getStatus() & VirtioStatus.FEATURES_OK) === 0) {
      throw new AuxError('EAGAIN', `${name}: Features negotiation not completed`);
    }
    if (vdev.config.getDeviceId() !== VIRTIO_ID_NET) {
      throw new AuxError('EOPNOTSUPP', `${name}: config show knows only net devices`);
    }
    const cfg = vdev.getConfig(0, VirtioNetConfig.BYTES);
    const features = vdev.config.getDriverFeatures();
    const status = cfg.readUInt16LE(VirtioNetConfig.STATUS);
    const info: VdpaNetConfigInfo = {
      name,
      mac: formatHwAddr(cfg.subarray(VirtioNetConfig.MAC, VirtioNetConfig.MAC + 6)),
      status,
      linkUp: (status & VIRTIO_NET_S_LINK_UP) !== 0,
      mtu: cfg.readUInt16LE(VirtioNetConfig.MTU),
      negotiatedFeatures: features,
    };
    if (!hasFeature(features, VirtioNetF.MQ)) return info;
    return { ...info, maxVqPairs: cfg.readUInt16LE(VirtioNetConfig.MAX_VIRTQUEUE_PAIRS) };
  }

  /** deleteOf: take `name` off the bus (its driver removes first), then let the mgmtdev free it. */
  private async deleteOf(mdev: VdpaMgmtDevice, name: string): Promise<void> {
    const vdev = this.bus.find(name);
    mdev.devices.delete(name);
    if (!vdev) return;
    await this.bus.removeDevice(vdev);
    await mdev.ops.devDel(mdev, vdev);
  }

  private lookupMgmt(handle: string, code: 'ENODEV' | 'ENOENT'): VdpaMgmtDevice {
    const mdev = this.mgmtdevs.get(handle);
    if (!mdev) throw new AuxError(code, `no management device ${printable(handle)}`);
    return mdev;
  }
}

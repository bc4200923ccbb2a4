/**
 * The mlx5 vdpa management device (mlx5_vdpa's `mlx5_vdpa_mgmtdev`): one
 * per function whose `mlx5_core.vnet` device the driver bound, named
 * after the function (`auxiliary/mlx5_core.sf.1` for an SF; `pci/<BDF>`
 * for a VF), offering what the virtio emulation capability allows.
 *
 * SUPPORTED
 *   features    the capability's device feature mask, VERSION_1 when the
 *               capability says virtio 1.0, and always ACCESS_PLATFORM,
 *               CTRL_VQ, CTRL_MAC_ADDR, MQ, STATUS, MTU, CTRL_VLAN, MAC
 *   attributes  mac, max_vqp, mtu, device_features
 *   queues      max_num_virtio_queues + 1 (the control queue)
 *
 * DEV ADD, in mlx5's order of checks:
 *   a device exists already                          ENOSPC (one per function)
 *   device_features outside the supported ones       EINVAL
 *   features without VERSION_1 or ACCESS_PLATFORM     EOPNOTSUPP
 *   split queues not offered by the capability       EOPNOTSUPP
 *   fewer than 2 queues in the capability            EAGAIN
 *   max_vqp above half the queues                    EINVAL
 * then the device is built (MAC: the one given, else the vport's; MTU:
 * the one given, else 1500) and registered with 2 * pairs + 1 queues.
 * DEV DEL frees it: firmware objects, mappings, and the vport MAC is
 * given back.
 *
 * Owns: the device it made. Never: the bus's records of it.
 */
import {
  type CoreHandle,
  type Logger,
  modifyNicVportContext,
  queryNicVportContext,
  queryVirtioEmulationCaps,
  type VirtioEmulationCaps,
} from '@auxctl/core';
import {
  AuxError,
  featureBit,
  hasFeature,
  VIRTIO_ID_NET,
  VirtioF,
  VirtioNetF,
  VirtqType,
} from '@auxctl/prm';
import {
  attrBit,
  VdpaAttr,
  type VdpaBus,
  type VdpaDevice,
  type VdpaDevSetConfig,
  type VdpaMgmtDevice,
} from '@auxctl/vdpa';
import { VnetDevice } from './vnet-device.js';

/** VNET_ATTRS: the dev add attributes mlx5_vdpa takes. */
export const VNET_ATTRS = [
  VdpaAttr.DEV_NET_CFG_MACADDR,
  VdpaAttr.DEV_NET_CFG_MAX_VQP,
  VdpaAttr.DEV_NET_CFG_MTU,
  VdpaAttr.DEV_FEATURES,
].reduce((m, a) => m | attrBit(a), 0n);

const ALWAYS = [
  VirtioF.ACCESS_PLATFORM,
  VirtioNetF.CTRL_VQ,
  VirtioNetF.CTRL_MAC_ADDR,
  VirtioNetF.MQ,
  VirtioNetF.STATUS,
  VirtioNetF.MTU,
  VirtioNetF.CTRL_VLAN,
  VirtioNetF.MAC,
].reduce((m, b) => m | featureBit(b), 0n);

/** vnetSupportedFeatures: the features a function's capability lets mlx5_vdpa offer. */
export function vnetSupportedFeatures(
  cap: Pick<VirtioEmulationCaps, 'device_features_bits_mask' | 'virtio_version_1_0'>,
): bigint {
  let f = BigInt(cap.device_features_bits_mask) | ALWAYS;
  if (cap.virtio_version_1_0) f |= featureBit(VirtioF.VERSION_1);
  return f;
}

/** VnetDevAddPlan: what a checked `dev add` builds. */
export interface VnetDevAddPlan {
  readonly features: bigint;
  readonly pairs: number;
}

/** checkVnetDevAdd: the dev add checks (see the module header), in mlx5's order; throws the errno. */
export function checkVnetDevAdd(
  handle: string,
  cap: Pick<
    VirtioEmulationCaps,
    | 'device_features_bits_mask'
    | 'virtio_version_1_0'
    | 'virtio_queue_type'
    | 'max_num_virtio_queues'
  >,
  config: Pick<VdpaDevSetConfig, 'deviceFeatures' | 'maxVqPairs'>,
  hasDevice: boolean,
): VnetDevAddPlan {
  if (hasDevice) throw new AuxError('ENOSPC', `${handle} supports a single vdpa device`);
  const supported = vnetSupportedFeatures(cap);
  let features = supported;
  if (config.deviceFeatures !== undefined) {
    if ((config.deviceFeatures & ~supported) !== 0n) {
      throw new AuxError('EINVAL', `${handle}: device_features outside the supported ones`);
    }
    features = config.deviceFeatures;
  }
  if (!hasFeature(features, VirtioF.VERSION_1) || !hasFeature(features, VirtioF.ACCESS_PLATFORM)) {
    throw new AuxError('EOPNOTSUPP', `${handle}: VERSION_1 and ACCESS_PLATFORM are required`);
  }
  if (!(cap.virtio_queue_type & (1 << VirtqType.SPLIT))) {
    throw new AuxError('EOPNOTSUPP', `${handle}: the device offers no split virtqueues`);
  }
  const maxVqs = cap.max_num_virtio_queues;
  if (maxVqs < 2) throw new AuxError('EAGAIN', `${handle}: ${maxVqs} virtqueues, 2 needed`);
  const pairs = config.maxVqPairs ?? 1;
  if (pairs > maxVqs / 2) {
    throw new AuxError('EINVAL', `${handle}: at most ${Math.floor(maxVqs / 2)} queue pairs`);
  }
  return { features, pairs };
}

/** VnetMgmt: a registered management device and the device it made, if any. */
export interface VnetMgmt {
  readonly mgmtdev: VdpaMgmtDevice;
  readonly device: () => VnetDevice | undefined;
}

/** mgmtdevName: the bus and device a function's management device is named after. */
export function mgmtdevName(coreName: string): { busName: string; devName: string } {
  return { busName: coreName.startsWith('mlx5_core.') ? 'auxiliary' : 'pci', devName: coreName };
}

/** registerVnetMgmtDev: register the function's management device on `bus`. Undo with `bus.mgmt.unregister`. */
export async function registerVnetMgmtDev(
  bus: VdpaBus,
  h: CoreHandle,
  log: Logger,
): Promise<VnetMgmt> {
  const cap = h.virtioCaps ?? (await queryVirtioEmulationCaps(h));
  const supported = vnetSupportedFeatures(cap);
  let device: VnetDevice | undefined;
  /** A dev add is running: the function's one device is taken (a second is ENOSPC). */
  let adding = false;
  let vportMac: Buffer | undefined;
  /** giveMacBack: the vport's own MAC again (mlx5 drops the device's from the MPFS). */
  const giveMacBack = async (): Promise<void> => {
    if (!vportMac || !h.active) return;
    await modifyNicVportContext(h, { mac: vportMac }).catch((err: unknown) =>
      log.warn({ err }, 'could not give the vport its MAC back'),
    );
  };
  const mgmtdev = bus.mgmt.register({
    ...mgmtdevName(h.coreName),
    idTable: [VIRTIO_ID_NET],
    configAttrMask: VNET_ATTRS,
    supportedFeatures: supported,
    maxSupportedVqs: cap.max_num_virtio_queues + 1,
    ops: {
      async devAdd({ mgmtdev: m, name, config, register }) {
        const taken = device !== undefined || adding;
        const { features, pairs } = checkVnetDevAdd(m.handle, cap, config, taken);
        adding = true;
        try {
          const vport = await queryNicVportContext(h);
          vportMac = vport.mac;
          const dev = await VnetDevice.create({
            h,
            log: log.child({ vdpa: name }),
            deviceFeatures: features,
            maxVqPairs: pairs,
            mac: config.mac ?? vport.mac,
            mtu: config.mtu ?? 1500,
            resumable: cap.freeze_to_rdy_supported === 1,
          }).catch(async (err: unknown) => {
            await giveMacBack();
            throw err;
          });
          let vdev: VdpaDevice;
          try {
            vdev = await register({
              config: dev.ops,
              dma: dev.dma,
              nvqs: dev.nvqs,
              dmaDev: h.coreName,
            });
          } catch (err) {
            await dev.free();
            await giveMacBack();
            throw err;
          }
          dev.attach(vdev);
          device = dev;
          log.info({ vdpa: name, mgmtdev: m.handle, pairs }, 'vdpa device added');
          return vdev;
        } finally {
          adding = false;
        }
      },
      async devDel(m, vdev) {
        const dev = device;
        device = undefined;
        if (!dev) return;
        await dev.free();
        await giveMacBack();
        log.info({ vdpa: vdev.name, mgmtdev: m.handle }, 'vdpa device deleted');
      },
    },
  });
  return { mgmtdev, device: () => device };
}

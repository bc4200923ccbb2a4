/**
 * SimVdpa: the simulated source's vdpa side — a vdpa bus on which
 * mlx5_vdpa (bound to each sub-function's `mlx5_core.vnet.N` on the
 * auxiliary bus) registers a management device `auxiliary/<SF device>`,
 * and the virtio-net driver (virtio_vdpa) binds every vdpa device made
 * through it, as on a host whose kernel loads virtio_vdpa: a new device
 * negotiates its features and comes up, so `dev config show` has
 * something to show.
 *
 * Serves each core device's VdpaFunction in the wire's terms.
 *
 * Owns: the vdpa bus and the mapping of its plain data to the wire. Never:
 * vdpa state of its own (the bus and its management are the truth).
 */
import type { Logger } from '@auxctl/core';
import {
  AuxError,
  controlQueueIndex,
  featureBits,
  featureMask,
  isAuxError,
  VIRTIO_ID_NET,
  VirtioStatus,
} from '@auxctl/prm';
import {
  type AddVdpaDeviceRequest,
  type GetVdpaQueueResponse,
  type VdpaDevice,
  type VdpaMgmtDev,
  VdpaQueueState,
} from '@auxctl/proto';
import {
  configAttrNames,
  createVirtioNetDriver,
  VdpaBus,
  type VdpaConfigOps,
  type VdpaDeviceInfo,
  type VdpaVendorVqStats,
  VirtioNetRegistry,
} from '@auxctl/vdpa';
import type { VdpaDeviceChange, VdpaFunction } from '../device-source.js';

const CLASS_NAMES: Readonly<Record<number, string>> = { [VIRTIO_ID_NET]: 'net' };

/** SimVdpa: see the module header. */
export class SimVdpa {
  readonly bus: VdpaBus;
  readonly nets = new VirtioNetRegistry();

  private constructor(logger: Logger) {
    this.bus = new VdpaBus({ log: logger });
  }

  /** create: a vdpa bus with the virtio-net driver registered. */
  static async create(logger: Logger): Promise<SimVdpa> {
    const v = new SimVdpa(logger);
    await v.bus.registerDriver(createVirtioNetDriver({ registry: v.nets }));
    return v;
  }

  /** functionOf: the VdpaFunction of the core device named `device`. */
  functionOf(device: string): VdpaFunction {
    const handle = `auxiliary/${device}`;
    const bus = this.bus;
    const mine = (): VdpaDeviceInfo[] => bus.listDevices().filter((d) => d.mgmtdev === handle);
    const wire = (d: VdpaDeviceInfo): VdpaDevice => this.deviceOf(d, device);
    return {
      mgmtdev: () => {
        const m = bus.mgmt.showMgmtDev().find((x) => x.handle === handle);
        return m && mgmtdevOf(m, device);
      },
      devices: () => mine().map(wire),
      add: async (req) => {
        await bus.mgmt.devAdd(devAddOf(req, handle));
        const added = mine().find((d) => d.name === req.name);
        if (!added) throw new AuxError('EIO', `vdpa device ${req.name} went away as it was added`);
        return wire(added);
      },
      del: (name) => bus.mgmt.devDel(name),
      queue: (name, index) => this.queueOf(name, index),
      subscribe: (listener) =>
        bus.events.subscribe((e) => {
          const change = changeOf(e, handle, (n) => bus.find(n)?.mgmtdev);
          if (change) listener(change);
        }),
    };
  }

  private deviceOf(d: VdpaDeviceInfo, device: string): VdpaDevice {
    const vdev = this.bus.find(d.name);
    let config: VdpaDevice['config'];
    try {
      const c = this.bus.mgmt.devConfig(d.name);
      config = {
        mac: c.mac,
        linkUp: c.linkUp,
        mtu: c.mtu,
        negotiatedFeatures: featureBits(c.negotiatedFeatures),
        maxVqp: c.maxVqPairs ?? 0,
      };
    } catch {
      config = undefined; // features not negotiated yet (EAGAIN), or not a net device
    }
    return {
      name: d.name,
      mgmtdev: d.mgmtdev ?? '',
      device,
      deviceId: d.deviceId,
      vendorId: d.vendorId,
      maxVqs: d.maxVqs,
      maxVqSize: d.maxVqSize,
      minVqSize: d.minVqSize,
      status: vdev?.getStatus() ?? 0,
      driver: d.driver ?? '',
      ...(config && { config }),
    };
  }

  private async queueOf(name: string, index: number): Promise<GetVdpaQueueResponse> {
    const vdev = this.bus.find(name);
    if (!vdev) throw new AuxError('ENOENT', `no vdpa device ${name}`);
    const nvqs = vdev.nvqs;
    if (!Number.isInteger(index) || index < 0 || index >= nvqs) {
      throw new AuxError('EINVAL', `${name} has queues 0..${nvqs - 1}, not ${index}`);
    }
    const ops = vdev.config;
    const pairs = Math.max(1, (nvqs - 1) >> 1);
    const cvq = controlQueueIndex(ops.getDriverFeatures(), pairs);
    const queueType = index === cvq ? 'cvq' : index % 2 === 0 ? 'rx' : 'tx';
    const stats = await vendorStats(ops, index);
    const ready = ops.getVqReady(index);
    const running = (vdev.getStatus() & VirtioStatus.DRIVER_OK) !== 0;
    const state = ready
      ? VdpaQueueState.VDPA_QUEUE_STATE_READY
      : running
        ? VdpaQueueState.VDPA_QUEUE_STATE_SUSPENDED
        : VdpaQueueState.VDPA_QUEUE_STATE_UNSPECIFIED;
    const avail = (await ops.getVqState(index)).availIndex;
    return {
      queueIndex: index,
      queueType,
      state:
        stats.error_type !== undefined && stats.error_type !== 0n
          ? VdpaQueueState.VDPA_QUEUE_STATE_ERROR
          : state,
      size: ops.getVqSize?.(index) ?? 0,
      availIndex: avail,
      usedIndex: Number(stats.used_index ?? BigInt(avail)),
      stats: Object.entries(stats).map(([k, v]) => ({ name: k, value: Number(v) })),
    };
  }
}

function mgmtdevOf(
  m: ReturnType<VdpaBus['mgmt']['showMgmtDev']>[number],
  device: string,
): VdpaMgmtDev {
  return {
    name: m.handle,
    device,
    supportedClasses: m.supportedClasses.map((id) => CLASS_NAMES[id] ?? `virtio_id_${id}`),
    maxSupportedVqs: m.maxSupportedVqs,
    supportedFeatures: featureBits(m.supportedFeatures),
    configAttrs: configAttrNames(m.configAttrMask),
  };
}

function devAddOf(req: AddVdpaDeviceRequest, mgmtdev: string): Record<string, unknown> {
  return {
    name: req.name,
    mgmtdev,
    ...(req.mac !== undefined && { mac: req.mac }),
    ...(req.mtu !== undefined && { mtu: req.mtu }),
    ...(req.maxVqp !== undefined && { max_vqp: req.maxVqp }),
    ...(req.deviceFeatures !== undefined && {
      device_features: featureMask(req.deviceFeatures.bits),
    }),
  };
}

type BusEvent = Parameters<Parameters<VdpaBus['events']['subscribe']>[0]>[0];

function changeOf(
  e: BusEvent,
  handle: string,
  mgmtdevOfDevice: (name: string) => string | undefined,
): VdpaDeviceChange | undefined {
  if ((e.type === 'added' || e.type === 'removed') && e.mgmtdev === handle) {
    return { name: e.device, mgmtdev: handle, kind: e.type };
  }
  if (e.type === 'needs-reset' && mgmtdevOfDevice(e.device) === handle) {
    return { name: e.device, mgmtdev: handle, kind: 'needs-reset' };
  }
  return undefined;
}

/** vendorStats: a queue's vendor counters; none when the device has none or the queue is not running (EAGAIN). */
async function vendorStats(ops: VdpaConfigOps, index: number): Promise<VdpaVendorVqStats> {
  try {
    return (await ops.getVendorVqStats?.(index)) ?? {};
  } catch (err) {
    if (isAuxError(err, 'EAGAIN')) return {};
    throw err;
  }
}

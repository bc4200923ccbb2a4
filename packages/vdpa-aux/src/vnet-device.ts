/**
 * VnetDevice: one mlx5 vdpa net device (mlx5_vdpa's `mlx5_vdpa_net`): the
 * config ops the vdpa bus calls, over the function's firmware.
 *
 * STATUS
 * The status byte is the driver's, plus NEEDS_RESET, which the device
 * sets. Setting DRIVER_OK creates a firmware queue (HwVirtqueue) for every
 * data queue the driver sized, starting at the ring positions it holds,
 * and makes the ready ones RDY; a failure destroys what was made and the
 * status becomes the old one with FAILED. Clearing DRIVER_OK other than
 * by a reset is ignored (as mlx5 warns and ignores it). Reset destroys
 * the queues, forgets every ring, status and features, and bumps the
 * config generation.
 *
 * QUEUES
 * Before DRIVER_OK, ready / address / size only record. After it,
 * ready(false) suspends the firmware queue and keeps its positions,
 * ready(true) makes it RDY again. `setVqState` is refused (EBUSY) while
 * the queue is RDY. `getVqState` answers from the firmware (QUERY, the
 * used index, as mlx5 does) when a queue exists, else the saved position.
 * The control queue is software (ControlVq).
 *
 * FEATURES
 * The driver's features must include ACCESS_PLATFORM (EOPNOTSUPP) and may
 * not have MQ without CTRL_VQ (EINVAL); they are cut to the provisioned
 * device features.
 *
 * RELOAD
 * `park()` (the core is about to reload) suspends every queue, saves its
 * positions and destroys all firmware objects; `unpark()` makes them again
 * and, when the device was running, recreates the queues from the saved
 * positions: the driver's rings go on where they stopped, nothing is
 * served twice and nothing the driver queued meanwhile is lost.
 *
 * LINK
 * The config space's status shows the function's link (QUERY_VPORT_STATE
 * at add, then port events); a change calls the config callback, as
 * mlx5_vdpa's carrier update does.
 *
 * ERRORS
 * An OBJECT_CHANGE event that QUERY shows is ERR sets NEEDS_RESET and
 * calls the config callback; the other queues keep running.
 *
 * Every firmware step runs one at a time (a SerialQueue, the kernel's
 * reslock).
 *
 * Owns: ring records, firmware queues, the device resources and the DMA
 * seam. Never: the bus (the management device registers it).
 */
import {
  type CoreHandle,
  type Logger,
  modifyNicVportContext,
  queryVportState,
  SerialQueue,
} from '@auxctl/core';
import {
  AuxError,
  controlQueueIndex,
  hasFeature,
  VIRTIO_ID_NET,
  VirtioF,
  VirtioNetConfig,
  VirtioNetF,
  VirtioStatus,
  VirtqState,
} from '@auxctl/prm';
import {
  configRange,
  DeviceVirtqueue,
  deviceRingOps,
  netConfigSpace,
  VDPA_RESET_F_CLEAN_MAP,
  type VdpaConfigOps,
  type VdpaDevice,
  type VdpaVendorVqStats,
} from '@auxctl/vdpa';
import { ControlVq } from './control-vq.js';
import { HwVirtqueue } from './hw-virtqueue.js';
import { VnetDma } from './vnet-dma.js';
import { VnetResourceSet } from './vnet-resources.js';

/** MLX5_VENDOR_ID: PCI_VENDOR_ID_MELLANOX. */
export const MLX5_VENDOR_ID = 0x15b3;
/** VNET_MAX_VQ_ENTRIES: the largest ring (MLX5_VDPA_MAX_VQ_ENTRIES). */
export const VNET_MAX_VQ_ENTRIES = 256;

/** VnetDeviceOptions: what `dev add` provisioned. */
export interface VnetDeviceOptions {
  readonly h: CoreHandle;
  readonly log: Logger;
  readonly deviceFeatures: bigint;
  readonly maxVqPairs: number;
  readonly mac: Buffer;
  readonly mtu: number;
  /** freeze_to_rdy_supported: a suspended queue may run again (the resume op exists). */
  readonly resumable: boolean;
}

const DRIVER_OK = VirtioStatus.DRIVER_OK;

/** VnetDevice: see the module header. */
export class VnetDevice {
  readonly ops: VdpaConfigOps;
  readonly dma: VnetDma;
  readonly nvqs: number;
  mac: Buffer;
  curVqPairs = 1;

  private readonly lock = new SerialQueue();
  private readonly vqs: DeviceVirtqueue[];
  private readonly hw = new Map<number, HwVirtqueue>();
  /** Queues whose position the driver set while their firmware queue was suspended. */
  private readonly moved = new Set<number>();
  private readonly cvq: ControlVq;
  private status = 0;
  private driverFeatures = 0n;
  private generation = 0;
  private configCb: (() => void) | undefined;
  private vdev: VdpaDevice | undefined;
  private parked = false;
  private suspended = false;
  /** The function's link (vport state), shown in the config space's status. */
  private linkUp = false;
  private unsubscribe: (() => void) | undefined;

  private constructor(
    private readonly o: VnetDeviceOptions,
    private readonly res: VnetResourceSet,
  ) {
    this.mac = Buffer.from(o.mac);
    this.nvqs = 2 * o.maxVqPairs + 1;
    this.dma = new VnetDma(o.h.dma);
    this.vqs = Array.from({ length: this.nvqs }, () => new DeviceVirtqueue(this.dma));
    this.cvq = new ControlVq(
      () => this.vqs[this.cvqIndex],
      {
        maxVqPairs: o.maxVqPairs,
        setMac: (mac) => this.setMac(mac),
        setPairs: (n) => {
          this.curVqPairs = n;
        },
        onFault: (why) => this.needsReset(`control queue: ${why}`),
        eventIdx: () => hasFeature(this.driverFeatures, VirtioF.RING_EVENT_IDX),
      },
      (fn) => this.background(fn, 'serving the control queue'),
    );
    this.ops = this.buildOps();
  }

  /** create: make the device resources (PD, key, TIS) and program the MAC; nothing is left on failure. */
  static async create(o: VnetDeviceOptions): Promise<VnetDevice> {
    const res = await VnetResourceSet.create(o.h, o.log);
    const dev = new VnetDevice(o, res);
    try {
      await modifyNicVportContext(o.h, { mac: dev.mac });
      dev.linkUp = (await queryVportState(o.h)).state === 'up';
    } catch (err) {
      await res.destroy();
      throw err;
    }
    dev.unsubscribe = o.h.subscribe((e) => {
      if (e.type === 'port' && e.port === 1) dev.setLink(e.state === 'up');
    });
    return dev;
  }

  /** attach: the bus device, to announce status the device sets itself. */
  attach(vdev: VdpaDevice): void {
    this.vdev = vdev;
  }

  /** park: see RELOAD. */
  park(): Promise<void> {
    return this.lock.run(async () => {
      if (this.parked) return;
      this.parked = true;
      this.cvq.pause();
      await this.teardownQueues(true);
      await this.res.destroy();
    });
  }

  /** unpark: see RELOAD. A failure leaves the device NEEDS_RESET. */
  unpark(): Promise<void> {
    return this.lock.run(async () => {
      if (!this.parked) return;
      this.parked = false;
      try {
        await this.res.rebuild();
        await modifyNicVportContext(this.o.h, { mac: this.mac });
        if (this.running) await this.setupQueues();
      } catch (err) {
        this.o.log.warn({ err }, 'could not restore the vdpa device after reload');
        this.needsReset('restore after reload failed');
      }
      if (!this.suspended) this.cvq.resume();
    });
  }

  /** free: the device was deleted: destroy everything and unmap what was left mapped. Never throws. */
  free(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    return this.lock.run(async () => {
      this.cvq.pause();
      await this.teardownQueues(false);
      await this.res.destroy();
      this.dma.unmapAll();
    });
  }

  private get cvqIndex(): number {
    return hasFeature(this.driverFeatures, VirtioNetF.CTRL_VQ)
      ? controlQueueIndex(this.driverFeatures, this.o.maxVqPairs)
      : -1;
  }

  private get running(): boolean {
    return (this.status & DRIVER_OK) !== 0 && (this.status & VirtioStatus.NEEDS_RESET) === 0;
  }

  private vq(idx: number): DeviceVirtqueue {
    const vq = this.vqs[idx];
    if (!vq) throw new AuxError('EINVAL', `virtqueue ${idx} is out of range (nvqs ${this.nvqs})`);
    return vq;
  }

  /** background: run `fn` under the lock, from an event; a failure is logged (nobody awaits it). */
  private background(fn: () => Promise<void>, what: string): Promise<void> {
    return this.lock.run(fn).catch((err: unknown) => this.o.log.warn({ err }, `${what} failed`));
  }

  /** setLink: the port's link changed: the config status follows, and the driver hears of it. */
  private setLink(up: boolean): void {
    if (up === this.linkUp) return;
    this.linkUp = up;
    this.o.log.info({ up }, up ? 'vdpa link up' : 'vdpa link down');
    this.configCb?.();
  }

  private needsReset(why: string): void {
    if (this.status & VirtioStatus.NEEDS_RESET) return;
    this.o.log.warn({ why }, 'vdpa device needs a reset');
    this.status |= VirtioStatus.NEEDS_RESET;
    this.configCb?.();
    this.vdev?.statusChanged();
  }

  private async setMac(mac: Buffer): Promise<void> {
    await modifyNicVportContext(this.o.h, { mac });
    this.mac = mac;
  }

  /** setupQueues: a firmware queue per sized data queue; RDY for the ready ones. All or nothing. */
  private async setupQueues(): Promise<void> {
    const owned = this.res.owned();
    try {
      for (const [i, vq] of this.vqs.entries()) {
        if (i === this.cvqIndex || vq.num === 0 || this.hw.has(i)) continue;
        const q = await HwVirtqueue.create(
          this.o.h,
          owned,
          {
            index: i,
            size: vq.num,
            desc: vq.descArea,
            avail: vq.driverArea,
            used: vq.deviceArea,
            availIndex: vq.lastAvail,
            usedIndex: vq.usedIdx,
          },
          {
            notify: () => vq.cb?.(),
            changed: () => this.background(() => this.checkQueue(i), `checking virtqueue ${i}`),
            log: this.o.log,
          },
        );
        this.hw.set(i, q);
        this.moved.delete(i);
        if (vq.ready && !this.suspended) await q.ready();
      }
    } catch (err) {
      await this.teardownQueues(false);
      throw err;
    }
  }

  /** teardownQueues: destroy every firmware queue, saving its positions first when `save`. */
  private async teardownQueues(save: boolean): Promise<void> {
    for (const [i, q] of [...this.hw]) {
      this.hw.delete(i);
      this.moved.delete(i);
      if (save) {
        try {
          this.savePosition(i, await q.suspend());
        } catch (err) {
          this.o.log.warn({ err, queue: i }, 'could not read a queue before destroying it');
        }
      }
      await q.destroy();
    }
  }

  /** run: make queue `i` RDY, at the position the driver set while it was suspended, if it did. */
  private async run(i: number, q: HwVirtqueue): Promise<void> {
    const vq = this.vq(i);
    const at = this.moved.delete(i)
      ? { availIndex: vq.lastAvail, usedIndex: vq.usedIdx }
      : undefined;
    await q.ready(at);
  }

  private savePosition(i: number, p: { availIndex: number; usedIndex: number }): void {
    const vq = this.vq(i);
    vq.lastAvail = p.availIndex;
    vq.usedIdx = p.usedIndex;
  }

  private async checkQueue(i: number): Promise<void> {
    const q = this.hw.get(i);
    if (!q) return;
    const info = await q.query();
    if (info.state === VirtqState.ERR) {
      this.needsReset(`virtqueue ${i} is in error (type ${info.errorType})`);
    }
  }

  private async setStatus(s: number): Promise<void> {
    const changed = (s ^ this.status) & DRIVER_OK;
    if (changed && !(s & DRIVER_OK)) {
      this.o.log.warn({ status: s }, 'DRIVER_OK can only be cleared by a reset; ignored');
      return;
    }
    const keep = this.status & VirtioStatus.NEEDS_RESET;
    if (changed && !this.parked) {
      try {
        await this.setupQueues();
      } catch (err) {
        this.o.log.warn({ err }, 'could not set up the virtqueues');
        this.status |= VirtioStatus.FAILED;
        return;
      }
    }
    this.status = s | keep;
    if (changed) this.cvq.kick();
  }

  private async reset(flags = 0): Promise<void> {
    await this.teardownQueues(false);
    for (const vq of this.vqs) vq.reset();
    this.cvq.reset();
    this.status = 0;
    this.driverFeatures = 0n;
    this.curVqPairs = 1;
    this.suspended = false;
    this.generation++;
    if (this.parked) this.cvq.pause();
    if (flags & VDPA_RESET_F_CLEAN_MAP) this.dma.unmapAll();
  }

  private setDriverFeatures(f: bigint): void {
    if (!hasFeature(f, VirtioF.ACCESS_PLATFORM)) {
      throw new AuxError('EOPNOTSUPP', 'the driver must accept ACCESS_PLATFORM');
    }
    if (hasFeature(f, VirtioNetF.MQ) && !hasFeature(f, VirtioNetF.CTRL_VQ)) {
      throw new AuxError('EINVAL', 'MQ needs CTRL_VQ');
    }
    this.driverFeatures = f & this.o.deviceFeatures;
  }

  private async setVqReady(i: number, ready: boolean): Promise<void> {
    const vq = this.vq(i);
    if (i === this.cvqIndex) {
      vq.ready = ready;
      if (ready) this.cvq.kick();
      return;
    }
    const q = this.hw.get(i);
    if (!ready) {
      if (q) this.savePosition(i, await q.suspend());
      vq.ready = false;
      return;
    }
    if (q && this.running && !this.suspended) {
      if (q.state === VirtqState.SUSPEND && !this.o.resumable) {
        throw new AuxError('EOPNOTSUPP', `virtqueue ${i} is suspended and cannot run again`);
      }
      await this.run(i, q);
    }
    vq.ready = true;
  }

  private async getVqState(i: number): Promise<{ availIndex: number }> {
    const vq = this.vq(i);
    if (i === this.cvqIndex) return { availIndex: vq.lastAvail };
    const q = this.hw.get(i);
    if (!q) return { availIndex: vq.usedIdx };
    return { availIndex: (await q.query()).usedIndex };
  }

  private async vendorStats(i: number): Promise<VdpaVendorVqStats> {
    const vq = this.vq(i);
    if (i === this.cvqIndex) {
      return { received_desc: vq.received, completed_desc: vq.completed };
    }
    const q = this.hw.get(i);
    if (!q) throw new AuxError('EAGAIN', `virtqueue ${i} has no firmware queue (not running)`);
    const c = await q.counters();
    const info = await q.query();
    return {
      received_desc: BigInt(c.received_desc),
      completed_desc: BigInt(c.completed_desc),
      error_cqes: BigInt(c.error_cqes),
      bad_desc_errors: BigInt(c.bad_desc_errors),
      exceed_max_chain: BigInt(c.exceed_max_chain),
      invalid_buffer: BigInt(c.invalid_buffer),
      error_type: BigInt(info.errorType),
      used_index: BigInt(info.usedIndex),
    };
  }

  private suspendAll(): Promise<void> {
    return this.lock.run(async () => {
      this.suspended = true;
      this.cvq.pause();
      for (const [i, q] of this.hw) this.savePosition(i, await q.suspend());
    });
  }

  private resumeAll(): Promise<void> {
    return this.lock.run(async () => {
      this.suspended = false;
      if (this.running && !this.parked) {
        for (const [i, q] of this.hw) if (this.vq(i).ready) await this.run(i, q);
      }
      if (!this.parked) this.cvq.resume();
    });
  }

  private readConfig(): Buffer {
    return netConfigSpace({
      mac: this.mac,
      linkUp: this.linkUp,
      maxVqPairs: this.o.maxVqPairs,
      mtu: this.o.mtu,
    });
  }

  private buildOps(): VdpaConfigOps {
    const locked =
      <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
      (...a: A): Promise<R> =>
        this.lock.run(() => fn(...a));
    const ops: VdpaConfigOps = {
      ...deviceRingOps((i) => this.vq(i)),
      kickVq: (i) => {
        if (i === this.cvqIndex) this.cvq.kick();
        else this.hw.get(i)?.kick();
      },
      setVqReady: locked((i: number, ready: boolean) => this.setVqReady(i, ready)),
      setVqState: (i, state) => {
        const vq = this.vq(i);
        const q = this.hw.get(i);
        if (q?.state === VirtqState.RDY) {
          throw new AuxError('EBUSY', `virtqueue ${i} is running; suspend it first`);
        }
        vq.lastAvail = vq.usedIdx = state.availIndex & 0xffff;
        // A suspended firmware queue takes the new position when it runs again.
        if (q) this.moved.add(i);
      },
      getVqState: locked((i: number) => this.getVqState(i)),
      getVqAlign: () => 4096,
      getDeviceFeatures: () => this.o.deviceFeatures,
      setDriverFeatures: (f) => this.setDriverFeatures(f),
      getDriverFeatures: () => this.driverFeatures,
      setConfigCb: (cb) => {
        this.configCb = cb;
      },
      getVqNumMax: () => VNET_MAX_VQ_ENTRIES,
      getDeviceId: () => VIRTIO_ID_NET,
      getVendorId: () => MLX5_VENDOR_ID,
      getStatus: () => this.status,
      setStatus: locked((s: number) => this.setStatus(s)),
      reset: locked(() => this.reset()),
      compatReset: locked((flags: number) => this.reset(flags)),
      getConfigSize: () => VirtioNetConfig.BYTES,
      getConfig: (offset, len) => configRange(this.readConfig(), offset, len),
      setConfig: () => {
        throw new AuxError(
          'EOPNOTSUPP',
          'the config space is read-only; set the MAC through the control queue',
        );
      },
      getGeneration: () => this.generation,
      suspend: () => this.suspendAll(),
      getVendorVqStats: locked((i: number) => this.vendorStats(i)),
    };
    return this.o.resumable ? { ...ops, resume: () => this.resumeAll() } : ops;
  }
}

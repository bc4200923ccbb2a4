/**
 * VdpaSimNet: a software vdpa net device, in the spirit of the kernel's
 * vdpa_sim_net: no hardware, its own DmaSpace, and a data path that walks
 * the split rings itself. A frame sent on TX queue 2k comes back on RX
 * queue 2k of the same pair (loopback), or of a peer device after
 * `connect`. The control queue takes MAC_ADDR_SET and VQ_PAIRS_SET.
 *
 * It is a sample and a test device: it lets the bus, the management API,
 * the virtio-net driver and the user access path be tested without mlx5,
 * and embedders may use it in their own tests (`@auxctl/vdpa/testing`).
 *
 * FEATURES_OK is refused (the bit stays clear) unless the driver features
 * are within the device's, include VERSION_1 and ACCESS_PLATFORM, and MQ
 * comes with CTRL_VQ. A malformed ring raises NEEDS_RESET, as does
 * `injectNeedsReset()`.
 *
 * Owns: the simulated device state. Never: bus or driver logic.
 */
import {
  AuxError,
  controlQueueIndex,
  DmaSpace,
  hasFeature,
  isAuxError,
  VIRTIO_ID_NET,
  VIRTIO_NET_HDR_BYTES,
  VirtioF,
  VirtioNetConfig,
  VirtioNetCtrl,
  VirtioNetF,
  VirtioStatus,
} from '@auxctl/prm';
import type { VdpaCallback, VdpaConfigOps, VdpaVqState } from '../bus/config-ops.js';
import type { VdpaDevice } from '../bus/vdpa-device.js';
import { configRange, netConfigSpace } from '../virtio-net/net-config.js';
import { VIRTIO_NET_DRIVER_FEATURES } from '../virtio-net/net-features.js';
import { DeviceVirtqueue, deviceRingOps, type PoppedChain } from '../vringh/device-virtqueue.js';

/**
 * SIM_NET_FEATURES: what the software device offers by default: exactly
 * what this package's virtio-net driver can use, so every path of it runs.
 */
export const SIM_NET_FEATURES = VIRTIO_NET_DRIVER_FEATURES;

/** SIM_VENDOR_ID: the vendor id the software device reports (none in particular). */
export const SIM_VENDOR_ID = 0;

/** VdpaSimNetOptions: how to build the device. */
export interface VdpaSimNetOptions {
  readonly mac?: Buffer;
  readonly mtu?: number;
  readonly maxVqPairs?: number;
  readonly features?: bigint;
  readonly vqNumMax?: number;
  readonly vqNumMin?: number;
  /** false builds ops without suspend / resume (a device that cannot). */
  readonly suspendable?: boolean;
}

/** VdpaSimNet: see the module header. */
export class VdpaSimNet {
  readonly dma = new DmaSpace();
  readonly ops: VdpaConfigOps;
  readonly maxVqPairs: number;
  readonly vqs: DeviceVirtqueue[];
  readonly counters = { txPackets: 0, rxPackets: 0, rxDropped: 0, ctrlCommands: 0 };
  mac: Buffer;
  mtu: number;
  curVqPairs = 1;

  private readonly features: bigint;
  private readonly vqNumMax: number;
  private readonly vqNumMin: number;
  private status = 0;
  private driverFeatures = 0n;
  private suspended = false;
  private generation = 0;
  private configCb: VdpaCallback | undefined;
  private peer: VdpaSimNet = this;
  private vdev: VdpaDevice | undefined;

  constructor(opts: VdpaSimNetOptions = {}) {
    this.mac = Buffer.from(opts.mac ?? [0x02, 0, 0, 0, 0, 0x01]);
    this.mtu = opts.mtu ?? 1500;
    this.maxVqPairs = opts.maxVqPairs ?? 1;
    this.features = opts.features ?? SIM_NET_FEATURES;
    this.vqNumMax = opts.vqNumMax ?? 256;
    this.vqNumMin = opts.vqNumMin ?? 1;
    this.vqs = Array.from({ length: this.nvqs }, () => new DeviceVirtqueue(this.dma));
    this.ops = this.buildOps(opts.suspendable ?? true);
  }

  /** nvqs: 2 per pair plus the control queue. */
  get nvqs(): number {
    return 2 * this.maxVqPairs + 1;
  }

  /** attach: remember the bus device, to announce status changes the device makes itself. */
  attach(vdev: VdpaDevice): void {
    this.vdev = vdev;
  }

  /** connect: send this device's TX to `peer`'s RX and back (default: loopback to itself). */
  connect(peer: VdpaSimNet): void {
    this.peer = peer;
    peer.peer = this;
  }

  /** injectNeedsReset: the device hit an error only a reset clears. */
  injectNeedsReset(): void {
    this.status |= VirtioStatus.NEEDS_RESET;
    this.configCb?.();
    this.vdev?.statusChanged();
  }

  private get running(): boolean {
    const s = this.status;
    return (s & VirtioStatus.DRIVER_OK) !== 0 && (s & VirtioStatus.NEEDS_RESET) === 0;
  }

  private get eventIdx(): boolean {
    return hasFeature(this.driverFeatures, VirtioF.RING_EVENT_IDX);
  }

  private vq(idx: number): DeviceVirtqueue {
    const vq = this.vqs[idx];
    if (!vq) throw new AuxError('EINVAL', `virtqueue ${idx} is out of range (nvqs ${this.nvqs})`);
    return vq;
  }

  /** featuresAcceptable: the FEATURES_OK check. */
  private featuresAcceptable(f: bigint): boolean {
    if ((f & ~this.features) !== 0n) return false;
    if (!hasFeature(f, VirtioF.VERSION_1) || !hasFeature(f, VirtioF.ACCESS_PLATFORM)) return false;
    return !hasFeature(f, VirtioNetF.MQ) || hasFeature(f, VirtioNetF.CTRL_VQ);
  }

  private setStatus(s: number): void {
    const before = this.status;
    let next = s | (before & VirtioStatus.NEEDS_RESET);
    const featuresOkNew =
      (next & VirtioStatus.FEATURES_OK) !== 0 && (before & VirtioStatus.FEATURES_OK) === 0;
    if (featuresOkNew && !this.featuresAcceptable(this.driverFeatures)) {
      next &= ~VirtioStatus.FEATURES_OK;
    }
    this.status = next;
    if (this.running) this.processAll();
  }

  private reset(): void {
    this.status = 0;
    this.driverFeatures = 0n;
    this.suspended = false;
    this.curVqPairs = 1;
    this.generation++;
    for (const vq of this.vqs) vq.reset();
  }

  private readConfig(): Buffer {
    return netConfigSpace({
      mac: this.mac,
      linkUp: true,
      maxVqPairs: this.maxVqPairs,
      mtu: this.mtu,
    });
  }

  private processAll(): void {
    for (let i = 0; i < this.vqs.length; i++) this.process(i);
  }

  /** process: serve queue `idx` if the device runs and the queue is ready. */
  private process(idx: number): void {
    const vq = this.vq(idx);
    if (!this.running || this.suspended || !vq.ready) return;
    try {
      if (idx === controlQueueIndex(this.driverFeatures, this.maxVqPairs)) this.serveCtrl(vq);
      else if (idx % 2 === 1) this.serveTx(vq, (idx - 1) / 2);
    } catch (err) {
      if (!isAuxError(err, 'EFAULT')) throw err;
      this.injectNeedsReset();
    }
  }

  private serveTx(vq: DeviceVirtqueue, pair: number): void {
    const old = vq.usedIdx;
    for (let c = vq.pop(); c; c = vq.pop()) {
      const packet = Buffer.concat(c.readable);
      vq.push(c.head, 0);
      this.counters.txPackets++;
      this.peer.receive(packet.subarray(VIRTIO_NET_HDR_BYTES), pair);
    }
    vq.notify(old, this.eventIdx);
  }

  /** receive: put `frame` into the next RX buffer of `pair`, or count a drop. */
  private receive(frame: Buffer, pair: number): void {
    const vq = this.vqs[2 * Math.min(pair, this.curVqPairs - 1)];
    if (!vq || !this.running || this.suspended || !vq.ready) {
      this.counters.rxDropped++;
      return;
    }
    const old = vq.usedIdx;
    let chain: PoppedChain | undefined;
    try {
      chain = vq.pop();
    } catch {
      this.injectNeedsReset();
      return;
    }
    if (!chain) {
      this.counters.rxDropped++;
      return;
    }
    const hdr = Buffer.alloc(VIRTIO_NET_HDR_BYTES);
    hdr.writeUInt16LE(1, 10); // num_buffers
    const written = scatter(Buffer.concat([hdr, frame]), chain.writable);
    vq.push(chain.head, written);
    this.counters.rxPackets++;
    vq.notify(old, this.eventIdx);
  }

  private serveCtrl(vq: DeviceVirtqueue): void {
    const old = vq.usedIdx;
    for (let c = vq.pop(); c; c = vq.pop()) {
      const cmd = Buffer.concat(c.readable);
      const ack = this.control(cmd[0] ?? 0xff, cmd[1] ?? 0xff, cmd.subarray(2));
      if (c.writable[0]) c.writable[0][0] = ack;
      vq.push(c.head, c.writable[0] ? 1 : 0);
      this.counters.ctrlCommands++;
    }
    vq.notify(old, this.eventIdx);
  }

  private control(cls: number, cmd: number, data: Buffer): number {
    const C = VirtioNetCtrl;
    if (cls === C.CLASS_MAC && cmd === C.CMD_MAC_ADDR_SET && data.length === 6) {
      this.mac = Buffer.from(data);
      return C.OK;
    }
    if (cls === C.CLASS_MQ && cmd === C.CMD_MQ_VQ_PAIRS_SET && data.length === 2) {
      const n = data.readUInt16LE(0);
      if (n < 1 || n > this.maxVqPairs) return C.ERR;
      this.curVqPairs = n;
      return C.OK;
    }
    return C.ERR;
  }

  private buildOps(suspendable: boolean): VdpaConfigOps {
    const ops: VdpaConfigOps = {
      ...deviceRingOps((i) => this.vq(i)),
      kickVq: (i) => this.process(i),
      setVqReady: (i, ready) => {
        this.vq(i).ready = ready;
        if (ready) this.process(i);
      },
      setVqState: (i, state: VdpaVqState) => {
        const vq = this.vq(i);
        if (vq.ready && this.running && !this.suspended) {
          throw new AuxError('EBUSY', `virtqueue ${i} is running; suspend the device first`);
        }
        vq.lastAvail = vq.usedIdx = state.availIndex & 0xffff;
      },
      getVqState: (i) => ({ availIndex: this.vq(i).lastAvail }),
      getVqAlign: () => 4096,
      getDeviceFeatures: () => this.features,
      setDriverFeatures: (f) => {
        this.driverFeatures = f;
      },
      getDriverFeatures: () => this.driverFeatures,
      setConfigCb: (cb) => {
        this.configCb = cb;
      },
      getVqNumMax: () => this.vqNumMax,
      getVqNumMin: () => this.vqNumMin,
      getDeviceId: () => VIRTIO_ID_NET,
      getVendorId: () => SIM_VENDOR_ID,
      getStatus: () => this.status,
      setStatus: (s) => this.setStatus(s),
      reset: () => this.reset(),
      compatReset: () => this.reset(),
      getConfigSize: () => VirtioNetConfig.BYTES,
      getConfig: (offset, len) => configRange(this.readConfig(), offset, len),
      setConfig: (offset, data) => {
        // Only the MAC is writable, as with a legacy driver.
        if (offset < 0 || offset + data.length > VirtioNetConfig.MAC + 6) {
          throw new AuxError('EINVAL', 'only the mac of the config space is writable');
        }
        data.copy(this.mac, offset);
      },
      getGeneration: () => this.generation,
      getVendorVqStats: (i) => ({
        received_desc: this.vq(i).received,
        completed_desc: this.vq(i).completed,
      }),
    };
    if (!suspendable) return ops;
    return {
      ...ops,
      suspend: () => {
        this.suspended = true;
      },
      resume: () => {
        this.suspended = false;
        if (this.running) this.processAll();
      },
    };
  }
}

/** scatter: copy `data` across `bufs` in order; the bytes written. */
function scatter(data: Buffer, bufs: readonly Buffer[]): number {
  let off = 0;
  for (const b of bufs) {
    if (off >= data.length) break;
    off += data.copy(b, 0, off);
  }
  return off;
}

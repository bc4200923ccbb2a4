/**
 * VirtioNetDevice: a network interface on a vdpa device, driven the way
 * virtio_vdpa + virtio_net drive one in the kernel.
 *
 * `init` runs the virtio status sequence: reset, ACKNOWLEDGE, DRIVER, read
 * the device features and write the accepted subset (`negotiateNetFeatures`),
 * FEATURES_OK, re-read the status (a device that cleared FEATURES_OK
 * refused: status FAILED, EIO), read the config (MAC, MTU, max pairs), set
 * up split rings (rx = 2k, tx = 2k + 1, control queue per
 * `controlQueueIndex`), post RX buffers, DRIVER_OK.
 *
 * Frames go out with a 12-byte virtio_net_hdr_v1 in front; TX buffers come
 * back through the used ring. RX buffers are consumed on the queue's
 * callback, handed to `onFrame` listeners and re-posted. The control queue
 * sets the MAC and the number of queue pairs. When the device raises
 * NEEDS_RESET (config callback), `needsReset` turns true, an event is
 * published, sends are refused with EIO, and `recover()` re-initialises.
 *
 * Owns: its queues and buffers (released by `destroy`). Never: binding
 * (the driver) or device internals (the ops).
 */
import { EventChannel } from '@auxctl/core';
import {
  AuxError,
  controlQueueIndex,
  hasFeature,
  VIRTIO_NET_HDR_BYTES,
  VirtioF,
  VirtioNetConfig,
  VirtioNetCtrl,
  VirtioNetF,
  VirtioStatus,
  virtioNetQueue,
} from '@auxctl/prm';
import type { VdpaDevice } from '../bus/vdpa-device.js';
import { DriverVirtqueue } from './driver-virtqueue.js';
import { NetBufferPool } from './net-buffers.js';
import { negotiateNetFeatures, VIRTIO_NET_DRIVER_FEATURES } from './net-features.js';

/** VirtioNetOptions: how the driver sets a device up. */
export interface VirtioNetOptions {
  /** Features to ask for (default VIRTIO_NET_DRIVER_FEATURES). */
  readonly features?: bigint;
  /** Ring size of every queue (default 64, clamped to the device's max). */
  readonly queueSize?: number;
}

/** VirtioNetStats: driver counters. */
export interface VirtioNetStats {
  rxPackets: number;
  rxBytes: number;
  txPackets: number;
  txBytes: number;
  /** Sends refused because every TX buffer was in flight. */
  txBusy: number;
}

/** VirtioNetEvent: what an interface announces. */
export type VirtioNetEvent = { readonly type: 'needs-reset' | 'recovered'; readonly name: string };

interface PairQueues {
  readonly rx: DriverVirtqueue<number>;
  readonly tx: DriverVirtqueue<number>;
  readonly rxPool: NetBufferPool;
  readonly txPool: NetBufferPool;
}

const ETH_HLEN = 14;
const CTRL_POLLS = 1000;

/** VirtioNetDevice: see the module header. */
export class VirtioNetDevice {
  readonly name: string;
  readonly events = new EventChannel<VirtioNetEvent>();
  readonly stats: VirtioNetStats = {
    rxPackets: 0,
    rxBytes: 0,
    txPackets: 0,
    txBytes: 0,
    txBusy: 0,
  };
  features = 0n;
  mac = Buffer.alloc(6);
  mtu = 1500;
  maxVqPairs = 1;
  needsReset = false;

  private pairs: PairQueues[] = [];
  private ctrl: { vq: DriverVirtqueue<number>; pool: NetBufferPool } | undefined;
  private readonly listeners = new Set<(frame: Buffer, pair: number) => void>();

  constructor(
    readonly vdev: VdpaDevice,
    private readonly opts: VirtioNetOptions = {},
  ) {
    this.name = vdev.name;
  }

  /** init: the status sequence (see the module header). On failure nothing stays mapped. */
  async init(): Promise<void> {
    const v = this.vdev;
    await v.reset();
    let status = VirtioStatus.ACKNOWLEDGE;
    await v.setStatus(status);
    status |= VirtioStatus.DRIVER;
    await v.setStatus(status);
    try {
      const wanted = this.opts.features ?? VIRTIO_NET_DRIVER_FEATURES;
      const f = negotiateNetFeatures(v.config.getDeviceFeatures(), wanted);
      v.setFeatures(f);
      status |= VirtioStatus.FEATURES_OK;
      await v.setStatus(status);
      if ((v.getStatus() & VirtioStatus.FEATURES_OK) === 0) {
        throw new AuxError('EIO', `${this.name} refused features 0x${f.toString(16)}`);
      }
      this.features = f;
      this.readConfig();
      await this.setupQueues();
      v.config.setConfigCb(() => this.configChanged());
      status |= VirtioStatus.DRIVER_OK;
      await v.setStatus(status);
      if ((v.getStatus() & VirtioStatus.DRIVER_OK) === 0) {
        throw new AuxError(
          'EIO',
          `${this.name} could not start (status 0x${v.getStatus().toString(16)})`,
        );
      }
      this.needsReset = false;
    } catch (err) {
      // FAILED: the driver gave up on the device (it stays so until a reset).
      if (v.live) await v.setStatus(v.getStatus() | VirtioStatus.FAILED).catch(() => {});
      this.teardownQueues();
      throw err;
    }
  }

  /** onFrame: call `fn` for every received frame (without the virtio header); returns unsubscribe. */
  onFrame(fn: (frame: Buffer, pair: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * send: transmit `frame` on queue pair `pair`. False when every TX buffer
   * is in flight (counted in txBusy); EINVAL for a runt or oversize frame,
   * EIO while the device needs a reset, ENODEV once it is gone.
   */
  send(frame: Buffer, pair = 0): boolean {
    this.vdev.ensureLive();
    if (this.needsReset) throw new AuxError('EIO', `${this.name} needs a reset; call recover()`);
    const q = this.pairs[pair];
    if (!q) throw new AuxError('EINVAL', `${this.name} has no queue pair ${pair}`);
    if (frame.length < ETH_HLEN || frame.length > this.mtu + ETH_HLEN) {
      throw new AuxError(
        'EINVAL',
        `frame of ${frame.length} bytes; ${ETH_HLEN}..${this.mtu + ETH_HLEN}`,
      );
    }
    this.reclaimTx(q);
    const slot = q.txPool.take();
    if (slot === undefined) {
      this.stats.txBusy++;
      return false;
    }
    const buf = q.txPool.buf(slot);
    buf.fill(0, 0, VIRTIO_NET_HDR_BYTES);
    frame.copy(buf, VIRTIO_NET_HDR_BYTES);
    const len = VIRTIO_NET_HDR_BYTES + frame.length;
    q.tx.add([{ addr: q.txPool.addr(slot), len, write: false }], slot);
    this.stats.txPackets++;
    this.stats.txBytes += frame.length;
    q.tx.kick();
    return true;
  }

  /** setMac: set the MAC through the control queue (needs CTRL_MAC_ADDR, else EOPNOTSUPP). */
  async setMac(mac: Buffer): Promise<void> {
    if (!hasFeature(this.features, VirtioNetF.CTRL_MAC_ADDR)) {
      throw new AuxError('EOPNOTSUPP', `${this.name}: CTRL_MAC_ADDR was not negotiated`);
    }
    await this.command(VirtioNetCtrl.CLASS_MAC, VirtioNetCtrl.CMD_MAC_ADDR_SET, mac);
    this.mac = Buffer.from(mac);
  }

  /** setQueuePairs: use `n` pairs (needs MQ; 1..maxVqPairs else EINVAL). */
  async setQueuePairs(n: number): Promise<void> {
    if (!hasFeature(this.features, VirtioNetF.MQ)) {
      throw new AuxError('EOPNOTSUPP', `${this.name}: MQ was not negotiated`);
    }
    if (!Number.isInteger(n) || n < 1 || n > this.maxVqPairs) {
      throw new AuxError('EINVAL', `queue pairs must be 1..${this.maxVqPairs}`);
    }
    const data = Buffer.alloc(2);
    data.writeUInt16LE(n);
    await this.command(VirtioNetCtrl.CLASS_MQ, VirtioNetCtrl.CMD_MQ_VQ_PAIRS_SET, data);
  }

  /** recover: after NEEDS_RESET, tear down and run `init` again. */
  async recover(): Promise<void> {
    // Reset before unmapping: the device must not touch rings that are going away.
    await this.vdev.reset();
    this.teardownQueues();
    await this.init();
    this.events.publish({ type: 'recovered', name: this.name });
  }

  /** destroy: reset the device (while it is on the bus) and release every queue and buffer. */
  async destroy(): Promise<void> {
    try {
      if (this.vdev.live) await this.vdev.reset();
    } finally {
      this.teardownQueues();
    }
    this.listeners.clear();
  }

  private readConfig(): void {
    const cfg = this.vdev.getConfig(0, VirtioNetConfig.BYTES);
    const f = this.features;
    if (hasFeature(f, VirtioNetF.MAC)) this.mac = Buffer.from(cfg.subarray(0, 6));
    if (hasFeature(f, VirtioNetF.MTU)) this.mtu = cfg.readUInt16LE(VirtioNetConfig.MTU);
    this.maxVqPairs = hasFeature(f, VirtioNetF.MQ)
      ? Math.max(1, cfg.readUInt16LE(VirtioNetConfig.MAX_VIRTQUEUE_PAIRS))
      : 1;
  }

  private async setupQueues(): Promise<void> {
    const v = this.vdev;
    const size = Math.min(this.opts.queueSize ?? 64, v.vqSizeRange().max);
    const eventIdx = hasFeature(this.features, VirtioF.RING_EVENT_IDX);
    const bufSize = VIRTIO_NET_HDR_BYTES + ETH_HLEN + this.mtu;
    for (let p = 0; p < this.maxVqPairs; p++) {
      const rx = new DriverVirtqueue<number>(v, virtioNetQueue(p, 'rx'), size, { eventIdx });
      const tx = new DriverVirtqueue<number>(v, virtioNetQueue(p, 'tx'), size, { eventIdx });
      const q: PairQueues = {
        rx,
        tx,
        rxPool: new NetBufferPool(v, size, bufSize),
        txPool: new NetBufferPool(v, size, bufSize),
      };
      this.pairs.push(q);
      rx.setCallback(() => this.receive(q, p));
      tx.setCallback(() => this.reclaimTx(q));
      for (let slot = q.rxPool.take(); slot !== undefined; slot = q.rxPool.take()) {
        rx.add([{ addr: q.rxPool.addr(slot), len: bufSize, write: true }], slot);
      }
      await rx.setReady(true);
      await tx.setReady(true);
      rx.kick();
    }
    if (hasFeature(this.features, VirtioNetF.CTRL_VQ)) {
      const idx = controlQueueIndex(this.features, this.maxVqPairs);
      const vq = new DriverVirtqueue<number>(v, idx, Math.min(size, 64), { eventIdx });
      this.ctrl = { vq, pool: new NetBufferPool(v, 1, 64) };
      await vq.setReady(true);
    }
  }

  private teardownQueues(): void {
    for (const q of this.pairs) {
      for (const r of [q.rx, q.tx, q.rxPool, q.txPool]) r.destroy();
    }
    this.pairs = [];
    this.ctrl?.vq.destroy();
    this.ctrl?.pool.destroy();
    this.ctrl = undefined;
  }

  private reclaimTx(q: PairQueues): void {
    for (let u = q.tx.getUsed(); u; u = q.tx.getUsed()) q.txPool.give(u.token);
  }

  private receive(q: PairQueues, pair: number): void {
    let reposted = false;
    for (let u = q.rx.getUsed(); u; u = q.rx.getUsed()) {
      const frame = Buffer.from(q.rxPool.buf(u.token).subarray(VIRTIO_NET_HDR_BYTES, u.len));
      this.stats.rxPackets++;
      this.stats.rxBytes += frame.length;
      for (const l of [...this.listeners]) l(frame, pair);
      q.rx.add([{ addr: q.rxPool.addr(u.token), len: q.rxPool.size, write: true }], u.token);
      reposted = true;
    }
    if (reposted) q.rx.kick();
  }

  private configChanged(): void {
    if (!this.vdev.live || this.needsReset) return;
    if ((this.vdev.getStatus() & VirtioStatus.NEEDS_RESET) === 0) return;
    this.needsReset = true;
    this.events.publish({ type: 'needs-reset', name: this.name });
  }

  /** command: one control-queue command; EINVAL when the device answers ERR, ETIMEDOUT when it never does. */
  private async command(cls: number, cmd: number, data: Buffer): Promise<void> {
    const ctrl = this.ctrl;
    if (!ctrl || this.needsReset)
      throw new AuxError('EIO', `${this.name}: no working control queue`);
    const buf = ctrl.pool.buf(0);
    buf[0] = cls;
    buf[1] = cmd;
    data.copy(buf, 2);
    const ackAt = 2 + data.length;
    buf[ackAt] = 0xff;
    const base = ctrl.pool.addr(0);
    ctrl.vq.add(
      [
        { addr: base, len: ackAt, write: false },
        { addr: base + BigInt(ackAt), len: 1, write: true },
      ],
      0,
    );
    ctrl.vq.kick();
    for (let i = 0; i < CTRL_POLLS; i++) {
      if (ctrl.vq.getUsed()) {
        if (buf[ackAt] !== VirtioNetCtrl.OK) {
          throw new AuxError('EINVAL', `${this.name}: the device refused control ${cls}/${cmd}`);
        }
        return;
      }
      await new Promise<void>((r) => setImmediate(r));
    }
    throw new AuxError('ETIMEDOUT', `${this.name}: control command ${cls}/${cmd} got no answer`);
  }
}

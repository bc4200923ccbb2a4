/**
 * VhostVdpaHandle: user-space access to one vdpa device, the role of an
 * open `/dev/vhost-vdpa-N` (drivers/vhost/vdpa.c): an embedder that drives
 * the rings itself (a VMM, a test) negotiates features, writes status,
 * places rings in its own memory mapped through the device's DMA seam,
 * kicks queues and receives their calls.
 *
 * Rules, each an AuxError:
 *  - set features after FEATURES_OK: EBUSY; features the device lacks: EINVAL;
 *  - set status clearing bits other than through 0 (reset): EINVAL;
 *  - a config range outside the config space, a queue index >= nvqs, a
 *    ring size that is not a power of two up to the device's max: EINVAL;
 *  - suspend / resume on a device without them: EOPNOTSUPP;
 *  - any call after `close` or after the device left the bus: ENODEV.
 * `close` resets the device and unmaps every buffer the user mapped.
 *
 * Owns: the user's mappings and the open slot. Never: the rings'
 * contents (the user's).
 */
import { AuxError, isValidQueueSize, VirtioStatus } from '@auxctl/prm';
import type { VdpaVendorVqStats } from '../bus/config-ops.js';
import type { VdpaDevice } from '../bus/vdpa-device.js';

/** VhostVdpaHandle: see the module header. */
export class VhostVdpaHandle {
  private closed = false;
  private readonly maps = new Set<bigint>();

  constructor(
    readonly vdev: VdpaDevice,
    private readonly onClose: () => void,
  ) {}

  /** getDeviceId: the virtio device id (VHOST_VDPA_GET_DEVICE_ID). */
  getDeviceId(): number {
    return this.dev().config.getDeviceId();
  }

  /** getVendorId: the device's vendor id. */
  getVendorId(): number {
    return this.dev().config.getVendorId();
  }

  /** getFeatures: the device features (VHOST_GET_FEATURES). */
  getFeatures(): bigint {
    return this.dev().config.getDeviceFeatures();
  }

  /** setFeatures: the driver features (VHOST_SET_FEATURES); EBUSY after FEATURES_OK, EINVAL if not offered. */
  setFeatures(features: bigint): void {
    const v = this.dev();
    if (v.getStatus() & VirtioStatus.FEATURES_OK)
      throw new AuxError('EBUSY', 'features are fixed after FEATURES_OK');
    if ((features & ~v.config.getDeviceFeatures()) !== 0n) {
      throw new AuxError('EINVAL', 'features the device does not offer');
    }
    v.setFeatures(features);
  }

  /** getStatus: the status byte. */
  getStatus(): number {
    return this.dev().getStatus();
  }

  /** setStatus: write the status; 0 resets; clearing any other bit is EINVAL. */
  async setStatus(status: number): Promise<void> {
    const v = this.dev();
    if (!Number.isInteger(status) || status < 0 || status > 0xff) {
      throw new AuxError('EINVAL', 'status is one byte');
    }
    const old = v.getStatus();
    if (status !== 0 && (old & ~status & 0xff) !== 0) {
      throw new AuxError('EINVAL', 'status bits can only be cleared by a reset (status 0)');
    }
    await v.setStatus(status);
  }

  /** getConfigSize: bytes of config space. */
  getConfigSize(): number {
    return this.dev().config.getConfigSize();
  }

  /** getConfig: `len` bytes at `offset` (VHOST_VDPA_GET_CONFIG). */
  getConfig(offset: number, len: number): Buffer {
    this.checkConfigRange(offset, len);
    return Buffer.from(this.dev().getConfig(offset, len));
  }

  /** setConfig: write config space (VHOST_VDPA_SET_CONFIG). */
  setConfig(offset: number, data: Buffer): void {
    this.checkConfigRange(offset, data.length);
    this.dev().setConfig(offset, data);
  }

  /** getVringNumMax: the largest ring the device takes (VHOST_VDPA_GET_VRING_NUM). */
  getVringNumMax(): number {
    return this.dev().vqSizeRange().max;
  }

  /** setVringNum: ring size of queue `idx`. */
  setVringNum(idx: number, num: number): void {
    const v = this.vq(idx);
    const { min, max } = v.vqSizeRange();
    if (!isValidQueueSize(num) || num < min || num > max) {
      throw new AuxError('EINVAL', `ring size must be a power of two in ${min}..${max}`);
    }
    v.config.setVqNum(idx, num);
  }

  /** setVringAddr: descriptor table, avail and used ring IOVAs of queue `idx`. */
  setVringAddr(idx: number, desc: bigint, avail: bigint, used: bigint): void {
    this.vq(idx).config.setVqAddress(idx, desc, avail, used);
  }

  /** getVringBase: the queue's avail index (VHOST_GET_VRING_BASE). */
  async getVringBase(idx: number): Promise<number> {
    return (await this.vq(idx).config.getVqState(idx)).availIndex;
  }

  /** setVringBase: restore the queue's avail index (EBUSY from the device while it runs). */
  setVringBase(idx: number, base: number): void {
    if (!Number.isInteger(base) || base < 0 || base > 0xffff) {
      throw new AuxError('EINVAL', 'vring base is a 16-bit index');
    }
    this.vq(idx).config.setVqState(idx, { availIndex: base });
  }

  /** setVringCall: the function called when the device used buffers of queue `idx` (the call eventfd). */
  setVringCall(idx: number, call: (() => void) | undefined): void {
    this.vq(idx).config.setVqCb(idx, call);
  }

  /** setVringEnable: mark queue `idx` ready or not (VHOST_VDPA_SET_VRING_ENABLE). */
  async setVringEnable(idx: number, enable: boolean): Promise<void> {
    await this.vq(idx).config.setVqReady(idx, enable);
  }

  /** kick: notify the device of new buffers on queue `idx` (the kick eventfd). */
  kick(idx: number): void {
    this.vq(idx).config.kickVq(idx);
  }

  /** vqStats: vendor counters of queue `idx`; EOPNOTSUPP when the device has none. */
  async vqStats(idx: number): Promise<VdpaVendorVqStats> {
    const c = this.vq(idx).config;
    if (!c.getVendorVqStats) throw new AuxError('EOPNOTSUPP', 'the device has no vq stats');
    return c.getVendorVqStats(idx);
  }

  /** suspend: stop the device keeping ring state (VHOST_VDPA_SUSPEND); EOPNOTSUPP without it. */
  async suspend(): Promise<void> {
    const c = this.dev().config;
    if (!c.suspend) throw new AuxError('EOPNOTSUPP', `${this.vdev.name} cannot suspend`);
    await c.suspend();
  }

  /** resume: restart after suspend (VHOST_VDPA_RESUME); EOPNOTSUPP without it. */
  async resume(): Promise<void> {
    const c = this.dev().config;
    if (!c.resume) throw new AuxError('EOPNOTSUPP', `${this.vdev.name} cannot resume`);
    await c.resume();
  }

  /** dmaMap: make the user's `buf` reachable by the device (an IOTLB update); returns its IOVA. */
  dmaMap(buf: Buffer): bigint {
    const iova = this.dev().dma.map(buf);
    this.maps.add(iova);
    return iova;
  }

  /** dmaUnmap: undo `dmaMap`; ENOENT for an IOVA this handle did not map. */
  dmaUnmap(iova: bigint): void {
    const v = this.dev();
    if (!this.maps.delete(iova))
      throw new AuxError('ENOENT', `0x${iova.toString(16)} is not mapped`);
    v.dma.unmap(iova);
  }

  /** mappings: how many user buffers are mapped. */
  get mappings(): number {
    return this.maps.size;
  }

  /** close: reset the device, unmap every user buffer, free the open slot. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.vdev.live) await this.vdev.reset();
    } finally {
      if (this.vdev.live) for (const iova of this.maps) this.vdev.dma.unmap(iova);
      this.maps.clear();
      this.onClose();
    }
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private dev(): VdpaDevice {
    if (this.closed) throw new AuxError('ENODEV', 'this vhost-vdpa handle is closed');
    this.vdev.ensureLive();
    return this.vdev;
  }

  private vq(idx: number): VdpaDevice {
    const v = this.dev();
    if (!Number.isInteger(idx) || idx < 0 || idx >= v.nvqs) {
      throw new AuxError('EINVAL', `queue ${idx} is out of range (nvqs ${v.nvqs})`);
    }
    return v;
  }

  private checkConfigRange(offset: number, len: number): void {
    const size = this.dev().config.getConfigSize();
    if (!Number.isInteger(offset) || !Number.isInteger(len) || offset < 0 || len < 0) {
      throw new AuxError('EINVAL', 'config offset and length are non-negative integers');
    }
    if (offset + len > size) throw new AuxError('EINVAL', `config space is ${size} bytes`);
  }
}

/**
 * VdpaConfigOps: what a vdpa device implementation (mlx5_vdpa, the
 * software net device) gives the bus, after the kernel's
 * `struct vdpa_config_ops`. A driver (virtio-net, vhost-style user
 * access) never calls these directly for the status / features / config
 * steps that have bus rules; it goes through `VdpaDevice`, which adds
 * them (reset clears features_valid, reading config before features
 * negotiates none).
 *
 * Virtqueue areas follow the vdpa naming: desc area = descriptor table,
 * driver area = available ring, device area = used ring. Addresses are
 * IOVAs in the device's DMA space (see `VdpaDma`).
 *
 * SYNC AND ASYNC
 * Ops that may need the device itself (a firmware command: status changes
 * that build or tear down queues, ready, suspend, resume, reading queue
 * state or counters) return `Awaitable`: a software device answers at
 * once, a hardware one with a promise. Callers always await them. The
 * rest are plain reads and writes of driver-side state and stay sync.
 *
 * Owns: the op shapes. Never: any behaviour.
 */
/** Awaitable: a value now, or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

/** VdpaCallback: a virtqueue or config interrupt handler (the kernel's vdpa_callback). */
export type VdpaCallback = () => void;

/** VdpaVqState: the split virtqueue state a device saves and restores (`avail_index`). */
export interface VdpaVqState {
  readonly availIndex: number;
}

/** VdpaVqNotification: the doorbell area of a virtqueue, if the device maps one. */
export interface VdpaVqNotification {
  readonly addr: bigint;
  readonly size: number;
}

/** VdpaVendorVqStats: vendor counters of one virtqueue, name -> value. */
export type VdpaVendorVqStats = Readonly<Record<string, bigint>>;

/**
 * VdpaDma: the DMA seam. A driver puts its rings and buffers in memory the
 * device can reach by mapping a Buffer here and writing the returned IOVA
 * into descriptors and `setVqAddress`; `unmap` undoes it. A device backs it
 * with its own `DmaSpace` (the software device) or a DmaSpace plus an
 * mkey that covers it (mlx5_vdpa); a prm `DmaSpace` satisfies it as is.
 */
export interface VdpaDma {
  /** map: make `buf` reachable by the device; returns its IOVA. Undo with `unmap`. */
  map(buf: Buffer): bigint;
  /** unmap: forget the mapping that starts at `iova`; false when there is none. */
  unmap(iova: bigint): boolean;
}

/** VdpaConfigOps: see the module header. Optional members may be absent. */
export interface VdpaConfigOps {
  // ---- virtqueue ops ----
  setVqAddress(idx: number, descArea: bigint, driverArea: bigint, deviceArea: bigint): void;
  setVqNum(idx: number, num: number): void;
  kickVq(idx: number): void;
  setVqCb(idx: number, cb: VdpaCallback | undefined): void;
  setVqReady(idx: number, ready: boolean): Awaitable<void>;
  getVqReady(idx: number): boolean;
  /** setVqState: throws (EBUSY) while the queue is ready and running. */
  setVqState(idx: number, state: VdpaVqState): void;
  getVqState(idx: number): Awaitable<VdpaVqState>;
  getVqNotification?(idx: number): VdpaVqNotification;
  /** getVqSize: the ring size the driver set for queue `idx` (0 before it did). */
  getVqSize?(idx: number): number;

  // ---- device ops ----
  getVqAlign(): number;
  getDeviceFeatures(): bigint;
  /** setDriverFeatures: throws EINVAL for features the device refuses. */
  setDriverFeatures(features: bigint): void;
  getDriverFeatures(): bigint;
  setConfigCb(cb: VdpaCallback | undefined): void;
  getVqNumMax(): number;
  getVqNumMin?(): number;
  getDeviceId(): number;
  getVendorId(): number;
  getStatus(): number;
  setStatus(status: number): Awaitable<void>;
  /** reset: status 0, queues torn down, driver features cleared. */
  reset(): Awaitable<void>;
  /** compatReset: reset; `flags` may ask to clean the DMA map too (VDPA_RESET_F_CLEAN_MAP). */
  compatReset?(flags: number): Awaitable<void>;
  getConfigSize(): number;
  getConfig(offset: number, len: number): Buffer;
  setConfig(offset: number, data: Buffer): void;
  getGeneration?(): number;
  /** suspend: stop processing, keeping ring indexes; resume restarts. */
  suspend?(): Awaitable<void>;
  resume?(): Awaitable<void>;
  getVendorVqStats?(idx: number): Awaitable<VdpaVendorVqStats>;
  /** free: the device is gone from the bus for good. */
  free?(): void;
}

/** VDPA_RESET_F_CLEAN_MAP: compat reset flag: drop the DMA mappings as well. */
export const VDPA_RESET_F_CLEAN_MAP = 1;

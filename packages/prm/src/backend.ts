/**
 * DeviceBackend: the seam between the command queue and a device.
 *
 * The queue speaks to a device the way mlx5 speaks to a PCI function: it
 * owns a command-queue page of 32 entries (`mlx5_cmd_layout`, 64 bytes each)
 * and mailbox blocks in memory the device can reach (`dma`), hands an entry
 * to the device by ringing its doorbell (`post`), and learns of completions
 * through a completion vector (a bit per slot, as the command EQ delivers
 * them). Health is read from the health buffer in the initialization
 * segment, never through a command, so it still answers after firmware
 * stops.
 *
 * Implementations: `SimDevice` (in-process firmware model, the default) and,
 * later, a Linux fwctl backend that turns an entry into `FWCTL_RPC` on
 * `/dev/fwctl/fwctlN` (the kernel then runs its own queue).
 *
 * Owns: nothing of the driver's. Never: calls into a driver except through
 * the completion callback it was given.
 */
import type { DmaSpace } from './dma.js';
import type { Doorbell, EventInterrupt } from './ifc/wqe.js';

/** DeviceIdentity: what identifies a PCI function and its firmware. */
export interface DeviceIdentity {
  /** PCI address, e.g. `0000:08:00.0`. */
  readonly bdf: string;
  readonly vendorId: number;
  readonly deviceId: number;
  /** Firmware version `xx.yy.zzzz`. */
  readonly fwVersion: string;
  /** Parameter-set identification of the board. */
  readonly psid: string;
  readonly serial: string;
}

/** CompletionHandler: called with a bit vector of the slots firmware handed back. */
export type CompletionHandler = (slotVector: number) => void;

/** SubFunctionAttrs: what the eswitch manager decides for a sub-function before enabling it. */
export interface SubFunctionAttrs {
  readonly sfnum: number;
  /** The function's MAC (6 bytes; all zero = none). */
  readonly hwAddr: Buffer;
  readonly roce: boolean;
  /** The most user contexts (uids) the function may create; default its log_max_uctx. */
  readonly maxUctx?: number;
}

/**
 * SubFunctionHost: the sub-functions (SFs) a PF hosts, as its driver sees
 * them: `alloc` reserves a function id for an sfnum (mlx5 ALLOC_SF), `enable`
 * brings the function up and returns its own backend (its BAR: command-queue
 * page, health buffer, doorbells, events; mlx5 ENABLE_HCA with function_id),
 * `disable` resets it and closes that backend, `free` releases the id.
 * Errors: AuxError EEXIST (sfnum in use), ENOSPC (max_num_sf reached),
 * ENOENT (no such function), EBUSY (wrong state for the call).
 */
export interface SubFunctionHost {
  /** maxFunctions: `max_num_sf`. */
  readonly maxFunctions: number;
  alloc(sfnum: number): number;
  enable(functionId: number, attrs: SubFunctionAttrs): DeviceBackend;
  disable(functionId: number): void;
  free(functionId: number): void;
}

/** VirtualFunctionAttrs: what the eswitch manager decides for a VF (its port function). */
export interface VirtualFunctionAttrs {
  /** The function's MAC (6 bytes; all zero = none). */
  readonly hwAddr: Buffer;
  readonly roce: boolean;
  /** Whether the VF's state may be saved and loaded (live migration). */
  readonly migratable: boolean;
}

/**
 * VirtualFunctionHost: the SR-IOV virtual functions (VFs) a PF hosts, as
 * its driver sees them. The read-only values are the PF's SR-IOV capability
 * (`sriov_totalvfs`, First VF Offset, VF Stride, VF Device ID). VF `n`
 * (0-based) is firmware function `n + 1`: `enable` brings it up (mlx5
 * ENABLE_HCA with function_id) with its port-function attributes,
 * `backend` is its BAR (its own command-queue page, health, doorbells,
 * events; it changes when `configure` rebuilt the function), `configure`
 * applies new attributes (EBUSY while a driver has the VF's HCA enabled),
 * `disable` resets it (every object and uid of the VF gone).
 * Errors: AuxError EINVAL (function id out of range), ENODEV (not enabled),
 * EBUSY (wrong state for the call).
 */
export interface VirtualFunctionHost {
  readonly totalVfs: number;
  readonly offset: number;
  readonly stride: number;
  readonly vfDeviceId: number;
  enable(functionId: number, attrs: VirtualFunctionAttrs): void;
  backend(functionId: number): DeviceBackend;
  configure(functionId: number, attrs: VirtualFunctionAttrs): void;
  disable(functionId: number): void;
  /**
   * dirtyLog: (optional) device DMA logging of VF `functionId` as its PF's
   * host reads it — a stand-in for mlx5's PAGE_TRACK object, whose reports
   * travel through a firmware QP. Absent = the host cannot log DMA.
   */
  dirtyLog?(functionId: number): DmaDirtyLog;
}

/**
 * DmaDirtyLog: which pages of a function's DMA space the device wrote
 * (device DMA logging). Errors are AuxErrors with the uAPI's errnos.
 */
export interface DmaDirtyLog {
  /** start: log writes into `ranges` (page aligned, not overlapping) at `pageSize` granules; EBUSY when started. */
  start(ranges: readonly { iova: bigint; length: bigint }[], pageSize: number): void;
  /** readAndClear: the addresses of the pages written in [iova, iova + length), forgotten; EINVAL when not started. */
  readAndClear(iova: bigint, length: bigint): bigint[];
  stop(): void;
}

/** DeviceBackend: a device as the command queue and the health poller see it. */
export interface DeviceBackend {
  readonly identity: DeviceIdentity;
  /** subFunctions: (optional) the SFs this function can host; absent = none. */
  readonly subFunctions?: SubFunctionHost;
  /** virtualFunctions: (optional) the SR-IOV VFs this function can host; absent = none. */
  readonly virtualFunctions?: VirtualFunctionHost;
  /** Host memory the device can reach: mailbox blocks, umem pages. */
  readonly dma: DmaSpace;
  /**
   * checksum: whether the device verifies mailbox block signatures (mlx5's
   * `cmdif_checksum`); the queue signs and verifies blocks exactly then.
   * Absent = false, the way Linux runs mlx5 (`checksum_disabled`).
   */
  readonly checksum?: boolean;
  /**
   * attachQueue: give the device the command-queue page (32 * 64 bytes) and
   * the completion handler. Replaces any earlier queue (after a reset).
   */
  attachQueue(page: Buffer, onCompletion: CompletionHandler): void;
  /** detachQueue: the device forgets the queue; no completion is delivered afterwards. */
  detachQueue(): void;
  /** post: ring the doorbell of `slot`; the device now owns that entry. */
  post(slot: number): void;
  /** readHealth: a fresh copy of the health buffer (`HealthBuffer` layout). */
  readHealth(): Buffer;
  /** readHealthCounter: the initialization segment's health counter; frozen once firmware stops. */
  readHealthCounter(): number;
  /**
   * readCrdump: (optional) the firmware core dump read through the
   * vendor-specific PCI capability (crspace), which needs no firmware and so
   * works after a fatal error; undefined when the device cannot.
   */
  readCrdump?(): Buffer | undefined;
  /**
   * ringDoorbell: (optional, the data path) write a doorbell to the UAR: a
   * send queue's producer counter is ready in its doorbell record, or a CQ
   * is armed, or an EQ's consumer index moved. Never throws for a doorbell
   * naming an unknown queue (hardware ignores it).
   */
  ringDoorbell?(db: Doorbell): void;
  /**
   * attachEvents: (optional, the data path) the interrupt handler: the
   * device calls it with an EQ number after writing EQEs to an armed EQ.
   * Replaces any earlier handler; `detachEvents` removes it.
   */
  attachEvents?(onInterrupt: EventInterrupt): void;
  detachEvents?(): void;
  /** reset: function-level reset; firmware returns to its pre-ENABLE_HCA state, objects gone. */
  reset(): Promise<void>;
  /** close: release the device; no call is valid afterwards. */
  close(): void;
}

/**
 * DeviceSource: the seam between auxctld and the devices it serves.
 *
 * PURPOSE
 * A source is where devices come from: the simulated source runs the whole
 * model (core devices, aux drivers, firmware) in this process; the Linux
 * fwctl source serves `/dev/fwctl/fwctlN`, devices the kernel owns. The
 * server's policy, audit, limits and metrics live once, above this seam;
 * below it a source only describes its devices, reports their events, opens
 * ctl contexts (one firmware uid each) and says how their dumps are taken.
 *
 * USAGE
 * The server holds its sources in a DeviceSources (devices/device-sources.ts)
 * and reaches every device as a ServedDevice: `describe()` for ListDevices,
 * `events` for WatchDevices and loss watches, `open()` for Exec, Session and
 * dump captures. What a source lacks is absent (`portFunctions`, `faults`)
 * or refuses with a message that says why (a fwctl context's `umemReg`), so
 * the server answers UNIMPLEMENTED / FAILED_PRECONDITION, never an empty
 * answer.
 *
 * LIFESPAN
 * 1. A source starts with its devices (`SimSource.create`, `FwctlSource.start`).
 * 2. Devices come and go: one that appears is announced to `onAppeared`
 *    listeners; one that goes reports a `state` event to `closed` on its own
 *    `events` and leaves `devices()`.
 * 3. `close()` closes every context the source opened and releases its
 *    devices; afterwards it serves nothing.
 *
 * Owns: the shape of the seam. Never: policy, audit of refusals, wire
 * mapping of errors (the server's), or anything specific to one source.
 */
import type { GuestProgramName, GuestStats } from '@auxctl/vmm';

export type { GuestProgramName };

import type { CoreEvent, CoreState, PortFunctions } from '@auxctl/core';
import type { CtlContext, CtlCredentials } from '@auxctl/ctl-aux';
import type {
  AddVdpaDeviceRequest,
  Device,
  GetVdpaQueueResponse,
  HealthReporterName,
  HealthReporterReport,
  PciFunction,
  SetVfRequest,
  VdpaDevice,
  VdpaMgmtDev,
} from '@auxctl/proto';
import type { FaultInjector } from '@auxctl/sim';

/** SourceKind: which kind of source serves a device. */
export type SourceKind = 'sim' | 'fwctl';

/**
 * SourceContext: an open ctl context of a served device — one firmware uid,
 * closed once. The simulated source's is ctl-aux's CtlContext; others give
 * the same behaviour (scope checks, audit lines, revocation).
 */
export type SourceContext = Pick<
  CtlContext,
  | 'coreDevice'
  | 'signal'
  | 'pristine'
  | 'info'
  | 'rpc'
  | 'umemReg'
  | 'umemUnreg'
  | 'auditSession'
  | 'close'
>;

/** DeviceEvents: a device's event channel (the CoreEvent vocabulary, whatever the source). */
export interface DeviceEvents {
  subscribe(listener: (event: CoreEvent) => void): () => void;
}

/**
 * HostCoredump: a coredump the host takes for the device outside any ctl
 * context (Linux: the devlink health `fw_fatal` reporter's dump).
 */
export interface HostCoredump {
  /** take: the dump's bytes; rejects ENOPKG when the host lacks the tool, ECANCELED on abort. */
  take(signal: AbortSignal): Promise<Buffer>;
}

/** DumpModes: how a device's dumps can be taken through a ctl context. */
export interface DumpModes {
  /** Modes a ctl context supports, the default first (`umem` needs user memory registration). */
  readonly modes: readonly ('umem' | 'inline')[];
  /** Why the others are missing (for the refusal of a mode not listed). */
  readonly why?: string;
  /** Set when the coredump comes from the host instead of a ctl context. */
  readonly hostCoredump?: HostCoredump;
}

/** ServedDevice: one device a source serves, as the server sees it. */
export interface ServedDevice {
  /** The API's name: a PCI address (`0000:08:00.0`), or an SF's `mlx5_core.sf.N`. */
  readonly name: string;
  readonly source: SourceKind;
  /** Its state now, in core's vocabulary (`up` is the only usable one). */
  readonly state: CoreState;
  readonly events: DeviceEvents;
  /** The firmware version its dumps are labelled with. */
  readonly fwVersion: string;
  /** The PF's name for a sub-function's device, else ''. */
  readonly parent: string;
  readonly dumps: DumpModes;
  /** describe: the device as ListDevices and WatchDevices show it. */
  describe(): Device;
  /** healthReports: the selected health reporters (all when `which` is empty). */
  healthReports(which: readonly HealthReporterName[]): HealthReporterReport[];
  /**
   * healthDump: reporter `name`'s stored dump as bytes (taken now when none
   * is stored); absent when the source has no health reporters.
   */
  healthDump?(name: HealthReporterName): Promise<Buffer>;
  /** healthRecover: run reporter `name`'s recovery now; absent without reporters. */
  healthRecover?(name: HealthReporterName): Promise<HealthReporterReport>;
  /** open: a ctl context for `credentials`; ENODEV when the device cannot take one now. */
  open(credentials: CtlCredentials): Promise<SourceContext>;
  /** The PF's sub-function port functions, when the source manages them. */
  readonly portFunctions?: PortFunctions;
  /** The fault injector, for simulated devices only. */
  readonly faults?: FaultInjector;
  /** The vdpa management of the device's function, when the source has a vdpa bus. */
  readonly vdpa?: VdpaFunction;
  /** A PF's PCI functions (itself and its SR-IOV VFs), when the source manages them. */
  readonly pci?: PciFunctions;
  /** The migration of a PF's VFs bound to a migration driver, when the source can move them. */
  readonly migration?: MigrationFunctions;
  /** Guests on a PF's VFs with auxctld as their VMM (the simulated source). */
  readonly guests?: GuestFunctions;
}

/** GuestReport: a guest and its program's counters (read from guest memory), on which VF, whether it runs. */
export interface GuestReport extends GuestStats {
  readonly vf: string;
  readonly running: boolean;
}

/**
 * GuestFunctions: guests on a PF's VFs (bound to mlx5_vfio_pci), auxctld
 * playing their VMM; MigrationFunctions moves a VF's guest with it.
 * Errors: ENOENT no such VF or no guest on it, EOPNOTSUPP the VF is not
 * bound to a migration driver, EBUSY a guest already runs on it or it is
 * migrating, EINVAL bad options.
 */
export interface GuestFunctions {
  /** has: whether `bdf` is one of the PF's VFs. */
  has(bdf: string): boolean;
  start(
    bdf: string,
    o: { readonly program: GuestProgramName; readonly memoryBytes: number; readonly peer?: Buffer },
  ): Promise<GuestReport>;
  get(bdf: string): GuestReport;
  /** stop: power the guest off, reset the VF, release guest memory. */
  stop(bdf: string): Promise<void>;
}

/** MigrationPhase: what a save is doing. */
export type MigrationPhase = 'pre-copy' | 'stop-copy';

/** SaveEvent: what a save yields: a phase change or finished round, or the next bytes. */
export type SaveEvent =
  | {
      readonly type: 'progress';
      readonly phase: MigrationPhase;
      /** The pre-copy round (1-based); 0 in stop-copy. */
      readonly round: number;
      /** The device's estimate of what is left to read. */
      readonly remaining: bigint;
    }
  | { readonly type: 'data'; readonly data: Buffer };

/**
 * MigrationFunctions: the VFs of a PF whose live state can be moved (bound
 * to a migration driver), as a VMM drives vfio migration v2. Errors are
 * errno-coded AuxErrors (ENOENT no such VF, EOPNOTSUPP no migration driver
 * bound, EBUSY a migration already running on it, EINVAL a bad stream).
 */
export interface MigrationFunctions {
  /** has: whether `bdf` is one of the PF's VFs. */
  has(bdf: string): boolean;
  /** state: the VF's vfio migration state name (`RUNNING`, ...) and its driver. */
  state(bdf: string): Promise<{ readonly state: string; readonly driver: string }>;
  /**
   * save: pre-copy `precopyRounds` rounds while the VF runs, then stop it
   * and read the rest; the VF is left in STOP once the iteration completes.
   * Aborting `signal` or failing puts it back to RUNNING.
   */
  save(
    bdf: string,
    o: { readonly precopyRounds: number; readonly signal: AbortSignal },
  ): AsyncIterable<SaveEvent>;
  /** finish: after a completed save: commit (reset the VF, dropping its state) or abort (run it again). */
  finish(bdf: string, commit: boolean): Promise<void>;
  /**
   * load: write `data` into the VF and run it. If iterating `data` throws,
   * or the device refuses what was written, nothing of it stays: the VF is
   * reset and the error rethrown.
   */
  load(bdf: string, data: AsyncIterable<Buffer>): Promise<void>;
}

/**
 * PciFunctions: a PF and its SR-IOV virtual functions as sysfs shows and
 * changes them, in the wire's terms. Errors are errno-coded AuxErrors as
 * the kernel's sysfs writes answer (ERANGE, EBUSY, ENOENT, EINVAL).
 */
export interface PciFunctions {
  /** list: the PF, then its VFs by index. */
  list(): PciFunction[];
  /** has: whether `bdf` is the PF or one of its VFs. */
  has(bdf: string): boolean;
  /** setNumVfs: write sriov_numvfs. */
  setNumVfs(n: number): Promise<void>;
  /** setAutoprobe: write sriov_drivers_autoprobe. */
  setAutoprobe(on: boolean): void;
  /** setVf: `port function set` on VF `req.vf`'s port. */
  setVf(req: SetVfRequest): Promise<void>;
  /** bind: set a VF's driver_override to `driver` ('' clears it), unbind it, probe it. */
  bind(bdf: string, driver: string): Promise<void>;
  /** unbind: unbind a VF from its driver. */
  unbind(bdf: string): Promise<void>;
}

/**
 * VdpaFunction: the vdpa management device a function offers once a vdpa
 * driver bound its vnet aux device, and the vdpa devices created through
 * it, in the wire's terms (`device` fields are the served device's name).
 * Errors are errno-coded AuxErrors, as the kernel's management commands
 * answer (ENOENT, EEXIST, EOPNOTSUPP, ENOSPC, EINVAL).
 */
export interface VdpaFunction {
  /** The management device, or undefined while no vdpa driver serves the function. */
  mgmtdev(): VdpaMgmtDev | undefined;
  /** The vdpa devices of the management device. */
  devices(): VdpaDevice[];
  /** add: `vdpa dev add` through the management device. */
  add(req: AddVdpaDeviceRequest): Promise<VdpaDevice>;
  /** del: `vdpa dev del` of one of its devices. */
  del(name: string): Promise<void>;
  /** queue: one virtqueue's state and vendor statistics. */
  queue(name: string, index: number): Promise<GetVdpaQueueResponse>;
  /** subscribe: vdpa devices of this function added, removed or needing a reset; returns the unsubscribe. */
  subscribe(listener: (change: VdpaDeviceChange) => void): () => void;
}

/** VdpaChangeKind: what happened to a vdpa device. */
export type VdpaChangeKind = 'added' | 'removed' | 'needs-reset';

/** VdpaDeviceChange: one vdpa device event of a function. */
export interface VdpaDeviceChange {
  readonly name: string;
  readonly mgmtdev: string;
  readonly kind: VdpaChangeKind;
}

/** DeviceSource: see the module header. */
export interface DeviceSource {
  readonly kind: SourceKind;
  /** devices: what the source serves now (PFs and SFs), ordered as it lists them. */
  devices(): readonly ServedDevice[];
  /** device: the device named `name`, or undefined (without listing them all: Exec asks per call). */
  device(name: string): ServedDevice | undefined;
  /** onAppeared: call `fn` for each device that appears later; returns the unsubscribe. */
  onAppeared(fn: (device: ServedDevice) => void): () => void;
  /** close: close every context and release every device; idempotent. */
  close(): Promise<void>;
}

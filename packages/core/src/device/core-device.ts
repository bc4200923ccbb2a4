/**
 * CoreDevice: the core driver of one PCI function (mlx5_core's `mlx5_core_dev`).
 *
 * PURPOSE
 * Owns one device backend and its command queue, boots the firmware, and
 * publishes one auxiliary device per protocol the function supports
 * (`mlx5_core.eth.N`, `mlx5_core.rdma.N`, `mlx5_core.ctl.N`, all with this
 * device's id N) so that separate packages can drive it. It watches health,
 * keeps the `fw` and `fw_fatal` reporters, reloads, recovers, and announces
 * all of it on `events`.
 *
 * LIFESPAN
 *   1. `CoreDevice.probe(opts)`: id allocated, queue attached, firmware
 *      booted, health polling started, aux devices published. On failure
 *      everything taken is given back and the error is rethrown.
 *   2. `rescan()`: publish aux devices the function now supports, delete the
 *      ones it no longer does.
 *   3. `reload()`: DRIVER_REINIT. Aux devices are detached (suspended when
 *      their driver can, else deleted), firmware torn down and booted again,
 *      and aux devices attached again (resumed or re-added).
 *   4. A fatal error (health poller) puts the queue in internal error and
 *      reports to `fw_fatal`, whose dump is the crdump and whose recovery is
 *      a reset of the function followed by the reload sequence.
 *   5. `close()`: aux devices deleted, firmware torn down, queue closed, id
 *      freed. The backend stays the caller's.
 * Lifecycle operations (reload, rescan, recovery, close) run one at a time.
 *
 * Owns: the queue, the pages lent to firmware, the aux devices it publishes
 * and their handles, the health poller and reporters. Never: calls a driver
 * except through the bus, or reaches into a driver's state.
 */
import { AuxError, type DeviceBackend, type DeviceIdentity, GeneralObjTypesCap } from '@auxctl/prm';
import type { AuxiliaryBus } from '../bus/auxiliary-bus.js';
import type { AuxiliaryDevice } from '../bus/auxiliary-device.js';
import { CommandQueue } from '../cmdq/command-queue.js';
import { EventChannel } from '../event-channel.js';
import type { HealthSample } from '../health/health-poller.js';
import { type Logger, silentLogger } from '../log.js';
import { printable } from '../printable.js';
import { AuxPublisher } from './aux-publisher.js';
import {
  type AuxDeviceSpec,
  type AuxFunctionInfo,
  type FunctionKind,
  MLX5_AUX_DEVICES,
} from './aux-table.js';
import type { CoreEvent, CoreState } from './core-events.js';
import { CoreHandle } from './core-handle.js';
import {
  type CoreHealth,
  type CoreHealthOptions,
  createCoreHealth,
  describeSyndrome,
} from './core-health.js';
import { CoreSriov } from './core-sriov.js';
import { DeviceParams, type DeviceParamValues } from './device-params.js';
import { EventQueues } from './event-queues.js';
import { type BootProfile, bootFirmware, HostPages, shutdownFirmware } from './firmware-boot.js';
import type { GeneralCaps } from './firmware-commands.js';
import { coreDeviceIds, type IdAllocator, sfDeviceIds } from './id-allocator.js';
import { PortFunctions } from './port-functions.js';
import { SerialQueue } from './serial-queue.js';
import { queryVirtioEmulationCaps, type VirtioEmulationCaps } from './virtq-commands.js';

/** CoreDeviceOptions: how to probe a core device. */
export interface CoreDeviceOptions {
  readonly backend: DeviceBackend;
  readonly bus: AuxiliaryBus;
  readonly logger?: Logger;
  /** Where the id comes from; default the process-wide `coreDeviceIds`. */
  readonly ids?: IdAllocator;
  /** Default per-command timeout (ms); default 60 s. */
  readonly cmdTimeoutMs?: number;
  readonly profile?: BootProfile;
  /** The aux devices to publish; default mlx5's eth / rdma / ctl. */
  readonly auxTable?: readonly AuxDeviceSpec[];
  /** The device the aux devices hang below; default this device's PCI address. */
  readonly parent?: AuxiliaryDevice | string;
  readonly health?: CoreHealthOptions;
  /** Completion vectors (completion EQs) to create when the backend has a data path; default 1. */
  readonly compVectors?: number;
  /** The device's name; default the backend's PCI address (a nested SF core: its aux device's name). */
  readonly name?: string;
  /** Where `mlx5_core.sf.N` ids come from; default the process-wide `sfDeviceIds`. */
  readonly sfIds?: IdAllocator;
  /** What kind of function the backend is; default 'pf' (the SF driver passes 'sf'). */
  readonly kind?: FunctionKind;
  /** Initial driverinit parameters (see device-params.ts). */
  readonly params?: Partial<DeviceParamValues>;
}

/** CoreDevice: see the module header. */
export class CoreDevice {
  readonly id: number;
  /** The device's name: its PCI address. */
  readonly name: string;
  readonly backend: DeviceBackend;
  readonly queue: CommandQueue;
  readonly events: EventChannel<CoreEvent>;
  readonly health: CoreHealth;
  /** eqs: the event queues and the completion handler table (see event-queues.ts). */
  readonly eqs: EventQueues;
  /** portFunctions: the SF and VF port functions this PF manages (see port-functions.ts). */
  readonly portFunctions: PortFunctions;
  /** sriov: this PF's SR-IOV VFs, firmware side (see core-sriov.ts; the core PCI driver drives it). */
  readonly sriov: CoreSriov;
  /** kind: PF, VF or SF. */
  readonly kind: FunctionKind;
  /** params: driverinit parameters, read when aux devices are attached (load, reload, rescan). */
  readonly params: DeviceParams;

  private st: CoreState = 'down';
  /** Firmware initialized and answering (drivers may build queues); `up` also needs the aux devices attached. */
  private booted = false;
  private bootCaps: GeneralCaps | undefined;
  private bootMaxCaps: GeneralCaps | undefined;
  private bootVirtio: VirtioEmulationCaps | undefined;
  private readonly taints = new Set<string>();
  private readonly aux: AuxPublisher;
  private readonly pages: HostPages;
  private readonly log: Logger;
  private readonly ids: IdAllocator;
  private readonly profile: BootProfile;
  private readonly pollTimer: boolean;
  private lastFatal: HealthSample | undefined;
  /** Lifecycle operations run one at a time, in call order. */
  private readonly serial = new SerialQueue();

  private constructor(opts: CoreDeviceOptions, id: number) {
    this.id = id;
    this.backend = opts.backend;
    this.name = opts.name ?? opts.backend.identity.bdf;
    this.kind = opts.kind ?? 'pf';
    this.params = new DeviceParams(opts.params);
    this.ids = opts.ids ?? coreDeviceIds;
    this.profile = opts.profile ?? {};
    this.log = (opts.logger ?? silentLogger).child({ device: this.name, core: id });
    this.events = new EventChannel<CoreEvent>((err) =>
      this.log.error({ err }, 'core event listener threw'),
    );
    this.queue = new CommandQueue(opts.backend, {
      logger: this.log,
      ...(opts.cmdTimeoutMs !== undefined && { timeoutMs: opts.cmdTimeoutMs }),
    });
    this.pages = new HostPages(opts.backend.dma);
    this.eqs = new EventQueues({
      backend: opts.backend,
      cmd: this.queue,
      log: this.log,
      ...(opts.compVectors !== undefined && { vectors: opts.compVectors }),
      onPort: (port, state) => {
        this.log.info({ port, state }, 'port link changed');
        this.events.publish({ type: 'port', core: this.name, port, state });
      },
    });
    this.aux = new AuxPublisher({
      bus: opts.bus,
      table: opts.auxTable ?? MLX5_AUX_DEVICES,
      id,
      parent: opts.parent ?? this.name,
      handle: (devName) => new CoreHandle(this, devName),
      announce: (type, device) => this.events.publish({ type, core: this.name, device }),
      log: this.log,
    });
    const pfnum = Number.parseInt(opts.backend.identity.bdf.slice(-1), 10) || 0;
    this.sriov = new CoreSriov({
      host: this.kind === 'pf' ? opts.backend.virtualFunctions : undefined,
      pfnum,
      pf: this.name,
      state: () => this.st,
      log: this.log,
    });
    this.portFunctions = new PortFunctions({
      host: opts.backend.subFunctions,
      bus: opts.bus,
      pfnum,
      vfs: this.sriov,
      pf: this.name,
      ids: opts.sfIds ?? sfDeviceIds,
      state: () => this.st,
      announce: (index, sfnum, state) =>
        this.events.publish({ type: 'port-function', core: this.name, index, sfnum, state }),
      log: this.log,
    });
    const h = opts.health ?? {};
    this.pollTimer = h.poll ?? true;
    this.health = createCoreHealth(opts.backend, h, {
      onFatal: (reason, sample) => this.onFatal(reason, sample),
      onSyndrome: (sample) => this.onSyndrome(sample),
      fatalDiagnose: () => ({
        coreState: this.st,
        lastFatal: this.lastFatal && {
          syndrome: this.lastFatal.synd,
          extSyndrome: this.lastFatal.extSynd,
          description: describeSyndrome(this.lastFatal),
        },
      }),
      recover: () => this.recover(),
    });
  }

  /**
   * probe: create a core device, boot its firmware and publish its aux
   * devices. On failure nothing is left behind (id freed, queue closed,
   * pages unmapped) and the error is rethrown.
   */
  static async probe(opts: CoreDeviceOptions): Promise<CoreDevice> {
    const ids = opts.ids ?? coreDeviceIds;
    const id = ids.alloc();
    let dev: CoreDevice;
    try {
      dev = new CoreDevice(opts, id);
    } catch (err) {
      ids.free(id);
      throw err;
    }
    try {
      await dev.load();
    } catch (err) {
      dev.log.error({ err }, 'probe failed');
      await dev.close();
      throw err;
    }
    return dev;
  }

  /**
   * firmwareUp: firmware is initialized and answering. True from the end of
   * boot — while aux devices are still being attached or resumed, which may
   * build queues — until teardown or a fatal error; `state` becomes `up`
   * only once the aux devices are attached.
   */
  get firmwareUp(): boolean {
    return this.booted;
  }

  get state(): CoreState {
    return this.st;
  }

  get identity(): DeviceIdentity {
    return this.backend.identity;
  }

  /** caps / maxCaps: general capabilities from the last boot (ENODEV before one). */
  get caps(): GeneralCaps {
    if (!this.bootCaps) throw new AuxError('ENODEV', `${this.name} has not booted`);
    return this.bootCaps;
  }

  get maxCaps(): GeneralCaps {
    if (!this.bootMaxCaps) throw new AuxError('ENODEV', `${this.name} has not booted`);
    return this.bootMaxCaps;
  }

  /** virtioCaps: the virtio emulation capability from the last boot (undefined when not offered). */
  get virtioCaps(): VirtioEmulationCaps | undefined {
    return this.bootVirtio;
  }

  /** tainted: why the device is tainted (e.g. a debug-write RPC ran), in order. */
  get tainted(): readonly string[] {
    return [...this.taints];
  }

  /** taint: record `reason` once; announces and logs it the first time (returns true then). */
  taint(reason: string): boolean {
    if (this.taints.has(reason)) return false;
    this.taints.add(reason);
    this.log.warn({ reason }, 'device tainted');
    this.events.publish({ type: 'taint', core: this.name, reason });
    return true;
  }

  /** auxDevices: the aux devices this core device has published, in table order. */
  auxDevices(): AuxiliaryDevice<CoreHandle>[] {
    return this.aux.devices();
  }

  /**
   * rescan: delete (in reverse order) aux devices the function no longer
   * supports and add (in order) supported ones that are missing. A failing
   * add is logged and the loop goes on.
   */
  rescan(): Promise<void> {
    return this.serial.run(async () => {
      if (this.st !== 'up')
        throw new AuxError('EBUSY', `${this.name} is ${this.st}; rescan needs up`);
      await this.aux.attach(this.caps, this.functionInfo());
    });
  }

  /**
   * reload: DRIVER_REINIT (see LIFESPAN 3). EBUSY unless the device is up.
   * On failure the device is left down with its aux devices removed; close
   * it, or reset the backend and probe again.
   */
  reload(): Promise<void> {
    return this.serial.run(async () => {
      if (this.st !== 'up')
        throw new AuxError('EBUSY', `${this.name} is ${this.st}; reload needs up`);
      if (this.sriov.numVfs > 0) {
        throw new AuxError(
          'EBUSY',
          `${this.name} has ${this.sriov.numVfs} VF(s) enabled; write 0 to sriov_numvfs before reload`,
        );
      }
      if (this.portFunctions.size > 0) {
        throw new AuxError(
          'EBUSY',
          `${this.name} has ${this.portFunctions.size} SF port function(s); delete them before reload`,
        );
      }
      await this.reinit('user', async () => {
        await this.eqs.stop();
        await shutdownFirmware(this.queue, this.pages);
      });
    });
  }

  /**
   * recover: reset the function and bring it back (fw_fatal's recovery; also
   * callable by an operator). Commands in flight are aborted first.
   */
  recover(): Promise<void> {
    return this.serial.run(async () => {
      if (this.st === 'closed') throw new AuxError('ENODEV', `${this.name} is closed`);
      if (!this.queue.internalError) this.queue.enterInternalError();
      await this.reinit('recovery', async () => {
        await this.sriov.beforeReset();
        await this.backend.reset();
        this.pages.releaseAll();
        this.eqs.release();
        this.queue.leaveInternalError();
      });
    });
  }

  /**
   * errorDetected: the function can no longer answer (PCI error_detected;
   * e.g. its PF is being reset): commands in flight and new ones fail at
   * once, so a remove that follows does not wait out command timeouts.
   */
  errorDetected(): void {
    if (this.st !== 'closed' && !this.queue.internalError) this.queue.enterInternalError();
  }

  /** close: delete aux devices, tear firmware down (best effort), close the queue, free the id. */
  close(): Promise<void> {
    return this.serial.run(async () => {
      if (this.st === 'closed') return;
      this.health.poller.stop();
      // SFs first (children before parent); a PF that cannot answer takes them down hard.
      if (this.st !== 'up') await this.portFunctions.takeDown();
      await this.portFunctions.deleteAll();
      // VFs whose PCI functions are gone (the PCI driver removes them first).
      this.sriov.disable();
      await this.aux.removeAll();
      await this.eqs.stop();
      if (this.st !== 'down' || this.bootCaps === undefined) {
        // Also after a failed probe: a half-booted function must come down.
        try {
          await shutdownFirmware(this.queue, this.pages, {
            initialized: this.bootCaps !== undefined,
          });
        } catch (err) {
          this.log.warn({ err }, 'firmware teardown failed during close');
        }
      }
      this.pages.releaseAll();
      this.queue.close();
      this.ids.free(this.id);
      this.booted = false;
      this.setState('closed');
    });
  }

  private async load(): Promise<void> {
    this.setState('loading');
    await this.boot();
    await this.aux.attach(this.caps, this.functionInfo());
    this.setState('up');
  }

  /** functionInfo: what the aux table's rows read besides the general caps. */
  private functionInfo(): AuxFunctionInfo {
    return { kind: this.kind, virtio: this.bootVirtio, params: this.params.snapshot() };
  }

  private async boot(): Promise<void> {
    const r = await bootFirmware(this.queue, this.pages, this.profile);
    this.bootCaps = r.caps;
    this.bootMaxCaps = r.maxCaps;
    this.bootVirtio =
      (r.caps.general_obj_types & GeneralObjTypesCap.VIRTIO_NET_Q) !== 0n
        ? await queryVirtioEmulationCaps(this.queue)
        : undefined;
    this.log.info(
      { issi: r.issi, pages: r.pages, fw: this.identity.fwVersion },
      'firmware initialized',
    );
    this.booted = true;
    this.health.poller.rearm();
    if (this.pollTimer) this.health.poller.start();
  }

  private async reinit(cause: 'user' | 'recovery', bringDown: () => Promise<void>): Promise<void> {
    this.events.publish({ type: 'reload', core: this.name, phase: 'start', cause });
    this.setState(cause === 'user' ? 'reloading' : 'recovering');
    this.health.poller.stop();
    try {
      await this.portFunctions.takeDown();
      await this.aux.detach();
      this.booted = false;
      await bringDown();
      await this.boot();
      await this.aux.attach(this.caps, this.functionInfo());
      this.setState('up');
      await this.portFunctions.restore();
      if (cause === 'recovery') await this.sriov.afterReset();
      this.events.publish({ type: 'reload', core: this.name, phase: 'done', cause });
    } catch (err) {
      this.log.error({ err, cause }, 'reload failed');
      await this.aux.removeAll();
      // Bring a half-booted function down now, so `down` means down.
      await shutdownFirmware(this.queue, this.pages).catch((e: unknown) =>
        this.log.debug({ err: e }, 'teardown after a failed reload'),
      );
      this.eqs.release();
      this.booted = false;
      if (this.st !== 'internal_error') this.setState('down');
      this.events.publish({
        type: 'reload',
        core: this.name,
        phase: 'failed',
        cause,
        error: err instanceof Error ? err.message : printable(err),
      });
      throw err;
    }
  }

  private onFatal(reason: 'syndrome' | 'counter', sample: HealthSample): void {
    if (this.st === 'closed' || this.st === 'down') return;
    this.lastFatal = sample;
    const description =
      reason === 'counter'
        ? 'health counter stopped; firmware is not responding'
        : describeSyndrome(sample);
    this.log.error(
      { synd: sample.synd, extSynd: sample.extSynd, misses: sample.misses, reason },
      `fatal firmware error: ${description}`,
    );
    this.queue.enterInternalError();
    this.booted = false;
    this.setState('internal_error');
    void this.portFunctions
      .takeDown()
      .catch((err: unknown) => this.log.error({ err }, 'taking sub-functions down failed'));
    this.events.publish({
      type: 'health',
      core: this.name,
      reporter: 'fw_fatal',
      syndrome: sample.synd,
      extSyndrome: sample.extSynd,
      description,
    });
    void this.health.fwFatal.report(description).then((outcome) => {
      if (outcome.reason === 'recover-failed') {
        this.log.error({ err: outcome.error }, 'recovery failed; device stays in error');
      } else if (!outcome.recovered) {
        this.log.warn({ reason: outcome.reason }, 'no automatic recovery');
      }
    });
  }

  private onSyndrome(sample: HealthSample): void {
    const description = describeSyndrome(sample);
    this.log.warn(
      { synd: sample.synd, extSynd: sample.extSynd },
      `firmware syndrome: ${description}`,
    );
    this.events.publish({
      type: 'health',
      core: this.name,
      reporter: 'fw',
      syndrome: sample.synd,
      extSyndrome: sample.extSynd,
      description,
    });
    void this.health.fw.report(description);
  }

  private setState(next: CoreState): void {
    const previous = this.st;
    if (previous === next) return;
    this.st = next;
    this.events.publish({ type: 'state', core: this.name, state: next, previous });
  }
}

/**
 * CoreHandle: the per-driver API a core device lends through each of its
 * auxiliary devices (`adev.shared`).
 *
 * This is the split "by software API" of the auxiliary-bus design: a driver
 * reaches the device only through its handle (send commands, read caps and
 * identity, map memory for the device, follow events, taint). The handle is
 * revoked when its aux device is deleted: from then on every call fails with
 * ENODEV and the driver's event subscriptions are dropped, so a driver that
 * kept a reference too long gets an answer, never a device it no longer owns.
 * Commands already in flight at revocation complete normally.
 *
 * Data path: `compEqn(vector)` names the completion EQ a CQ reports to,
 * `onCompletion(cqn, fn)` registers the CQ's completion handler (removed
 * at revocation), `ringDoorbell(db)` writes the device's UAR (a `virtq`
 * doorbell kicks a virtqueue), `onObjectChange(type, id, fn)` follows a
 * general object's state events. Port link changes arrive through
 * `subscribe` as `port` events.
 *
 * Owns: the driver's event subscriptions. Never: the queue or the device.
 */
import { AuxError, type DeviceIdentity, type DmaSpace, type Doorbell } from '@auxctl/prm';
import type { CmdOptions } from '../cmdq/command-queue.js';
import type { Listener } from '../event-channel.js';
import type { CoreDevice } from './core-device.js';
import type { CoreEvent, CoreState } from './core-events.js';
import type { CqCompletionHandler, ObjectChangeHandler } from './event-queues.js';
import type { CommandExecutor, GeneralCaps } from './firmware-commands.js';
import type { VirtioEmulationCaps } from './virtq-commands.js';

/** CoreHandle: see the module header. */
export class CoreHandle implements CommandExecutor {
  private revoked = false;
  private readonly subscriptions = new Set<() => void>();
  private readonly completions = new Set<() => void>();

  constructor(
    private readonly core: CoreDevice,
    /** The aux device this handle was lent through. */
    readonly auxDevice: string,
  ) {}

  /** coreName / coreId: the core device this handle reaches. */
  get coreName(): string {
    return this.core.name;
  }

  get coreId(): number {
    return this.core.id;
  }

  get identity(): DeviceIdentity {
    return this.live().identity;
  }

  /** caps / maxCaps: general capabilities (current and maximum) as of the last boot. */
  get caps(): GeneralCaps {
    return this.live().caps;
  }

  get maxCaps(): GeneralCaps {
    return this.live().maxCaps;
  }

  /** virtioCaps: the virtio emulation capability (cap_type 0x13) as of the last boot, if offered. */
  get virtioCaps(): VirtioEmulationCaps | undefined {
    return this.live().virtioCaps;
  }

  get state(): CoreState {
    return this.live().state;
  }

  /** dma: the device's DMA space, to map buffers firmware must reach (umem). */
  get dma(): DmaSpace {
    return this.live().backend.dma;
  }

  /** active: false once revoked. */
  get active(): boolean {
    return !this.revoked;
  }

  /** cmdExec: run a command; throws the status's errno (see CommandQueue.cmdExec). */
  cmdExec(inbox: Buffer, outLen: number, opts?: CmdOptions): Promise<Buffer> {
    if (this.revoked) return Promise.reject(this.gone());
    return this.core.queue.cmdExec(inbox, outLen, opts);
  }

  /** cmdDo: run a command; a firmware failure rejects EREMOTEIO with the outbox. */
  cmdDo(inbox: Buffer, outLen: number, opts?: CmdOptions): Promise<Buffer> {
    if (this.revoked) return Promise.reject(this.gone());
    return this.core.queue.cmdDo(inbox, outLen, opts);
  }

  /** subscribe: follow the core device's events until unsubscribed or revoked. */
  subscribe(fn: Listener<CoreEvent>): () => void {
    this.live();
    const off = this.core.events.subscribe(fn);
    const entry = () => {
      off();
      this.subscriptions.delete(entry);
    };
    this.subscriptions.add(entry);
    return entry;
  }

  /** taint: mark the device tainted for `reason` (once per reason); true the first time. */
  taint(reason: string): boolean {
    return this.live().taint(reason);
  }

  /** tainted: the reasons the device is tainted for. */
  get tainted(): readonly string[] {
    return this.live().tainted;
  }

  /**
   * openDataPath: make sure the core's event queues exist (created on first
   * use, shared by every driver of the device); port events flow from then
   * on. EOPNOTSUPP without a data path, EBUSY unless the firmware is up
   * (as it is while a driver is probed or resumed).
   */
  async openDataPath(): Promise<void> {
    const core = this.live();
    if (!core.firmwareUp) throw new AuxError('EBUSY', `${core.name} is ${core.state}; wait for up`);
    await core.eqs.start();
  }

  /** compEqn: the EQ number of completion vector `vector` (default 0), for a CQ's context. */
  compEqn(vector = 0): number {
    return this.live().eqs.compEqn(vector);
  }

  /** compVectors: how many completion vectors the core set up. */
  get compVectors(): number {
    return this.live().eqs.vectors;
  }

  /**
   * onCompletion: call `fn(cqn)` when the device raises a completion event
   * for `cqn` (after the CQ was armed). EEXIST when the CQ has a handler.
   * Returns the remover; revocation removes it too.
   */
  onCompletion(cqn: number, fn: CqCompletionHandler): () => void {
    const off = this.live().eqs.onCompletion(cqn, fn);
    const entry = () => {
      off();
      this.completions.delete(entry);
    };
    this.completions.add(entry);
    return entry;
  }

  /**
   * onObjectChange: call `fn(objType, objId)` when the device reports that
   * general object `objId` changed (OBJECT_CHANGE: a VIRTIO_NET_Q went to
   * ERR; QUERY it for `error_type`). Needs openDataPath() first (ENODEV
   * otherwise). EEXIST when the object has a handler. Returns the remover;
   * revocation removes it too.
   */
  onObjectChange(objType: number, objId: number, fn: ObjectChangeHandler): () => void {
    const core = this.live();
    if (!core.eqs.started) {
      throw new AuxError('ENODEV', 'event queues are not set up; call openDataPath() first');
    }
    const off = core.eqs.onObjectChange(objType, objId, fn);
    const entry = () => {
      off();
      this.completions.delete(entry);
    };
    this.completions.add(entry);
    return entry;
  }

  /** ringDoorbell: write a data-path doorbell to the device (EOPNOTSUPP without a data path). */
  ringDoorbell(db: Doorbell): void {
    const backend = this.live().backend;
    if (!backend.ringDoorbell) {
      throw new AuxError('EOPNOTSUPP', 'the device has no data path');
    }
    backend.ringDoorbell(db);
  }

  /** revoke: called by the core device when the aux device is deleted. */
  revoke(): void {
    this.revoked = true;
    for (const off of [...this.subscriptions]) off();
    for (const off of [...this.completions]) off();
  }

  private live(): CoreDevice {
    if (this.revoked) throw this.gone();
    return this.core;
  }

  private gone(): AuxError {
    return new AuxError('ENODEV', `${this.auxDevice} was removed; reopen the device`);
  }
}

/**
 * SimDevice: the simulated PCI function, transport half (a DeviceBackend).
 *
 * It does what a ConnectX function does with its command queue, and hands
 * the command itself to a `FirmwareEngine`:
 *   doorbell (`post(slot)`): read the entry from the attached page; check
 *   ownership, descriptor, signature, reserved bits, token and lengths;
 *   gather the inbox (16 inline bytes + the input mailbox chain through the
 *   DmaSpace, verifying each block) and check the output chain. A
 *   transport fault completes the command with that delivery status and
 *   never reaches the engine.
 *   completion (later, see LATENCY): run `engine.execute`, scatter the
 *   outbox (16 inline bytes + the output chain, re-signed), write delivery
 *   status OK, clear ownership, re-sign the entry, and raise one completion
 *   vector for every command that finished at the same moment (like the
 *   command EQ's coalesced EQE).
 * A halted engine (fatal error) completes nothing; the driver notices
 * through health. A completion is dropped when the driver has meanwhile
 * reused the slot (the entry's token changed) — it belonged to a command
 * the driver already gave up on.
 *
 * LATENCY
 * See completion-scheduler.ts: `latency: 'none'` (default) completes on the
 * next microtask, `'hardware'` costs about 20 µs per command on 4 parallel
 * command processors, or pass `{ perCommandUs, processors }`. Injected
 * per-opcode delays (faults.delay) add to a command's deadline.
 *
 * Owns: the DmaSpace, the pending work, the fault injector (`faults`).
 * Never: decides what a command does (the engine), or touches the
 * driver's state other than the entries and mailboxes it was given.
 */
// The global `Buffer` is a lazy getter; the hot path takes it from the module.
import { Buffer } from 'node:buffer';
import {
  AuxError,
  type BlockMemory,
  ChainFault,
  CMD_HDR_BYTES,
  CommandEntries,
  type CompletionHandler,
  collect,
  DeliveryStatus,
  type DeviceBackend,
  type DeviceIdentity,
  DmaSpace,
  type Doorbell,
  decodeInto,
  dmaBlockMemory,
  type EventInterrupt,
  fill,
  isSlot,
  type SubFunctionHost,
  type VirtualFunctionHost,
} from '@auxctl/prm';
import {
  CompletionScheduler,
  LATENCY_PROFILES,
  type LatencyModel,
  type Scheduled,
} from './completion-scheduler.js';
import { FaultInjector } from './fault-injector.js';
import type { FirmwareEngine } from './firmware-engine.js';
import { DEFAULT_IDENTITY } from './firmware-options.js';
import { type Logger, silentLogger } from './log.js';

/** SimDeviceOptions: how to build a simulated device. */
export interface SimDeviceOptions {
  readonly identity?: Partial<DeviceIdentity>;
  /** The DMA space the engine resolves addresses in; default a new one (see `createSimDevice`). */
  readonly dma?: DmaSpace;
  /**
   * Verify mailbox block signatures (`cmdif_checksum`); default false, as
   * mlx5 runs. Corrupted mailboxes are detected (SIGNAT_ERR) only when on.
   */
  readonly checksum?: boolean;
  readonly latency?: keyof typeof LATENCY_PROFILES | LatencyModel;
  /** Monotonic clock in ms (performance.now); tests may inject one. */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** SimDeviceCounters: what the device has seen, for tests and diagnostics. */
export interface SimDeviceCounters {
  doorbells: number;
  /** Completions written (delivery OK or not). */
  completed: number;
  /** Completions with a delivery status other than OK. */
  transportErrors: number;
  /** Commands dropped by the lost-completion fault. */
  lost: number;
  /** Results dropped because the driver had reused the slot. */
  stale: number;
  /** Commands never completed because firmware is halted. */
  halted: number;
  /** Doorbells for an entry software still owned (ignored). */
  spurious: number;
}

const BDF_RE = /^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/;
const FW_RE = /^\d{1,3}\.\d{1,3}\.\d{1,5}$/;

export { LATENCY_PROFILES, type LatencyModel } from './completion-scheduler.js';

/** Work: the device's record of the command in one slot. */
class Work implements Scheduled {
  token = 0;
  opcode = 0;
  active = false;
  /** CompletionScheduler bookkeeping. */
  where = 0;
  status = 0;
  inbox: Buffer | undefined = undefined;
  outLen = 0;
  outBlocks: Buffer[] | undefined = undefined;
  due = 0;
  constructor(readonly slot: number) {}
}

/** SimDevice: see the module header. */
export class SimDevice implements DeviceBackend {
  readonly identity: DeviceIdentity;
  readonly dma: DmaSpace;
  readonly faults: FaultInjector;
  readonly checksum: boolean;
  private readonly mem: BlockMemory;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly scheduler: CompletionScheduler<Work>;
  private readonly work: Work[] = Array.from({ length: 32 }, (_, i) => new Work(i));
  private entries: CommandEntries | undefined;
  private handler: CompletionHandler | undefined;
  private isClosed = false;
  private readonly count: SimDeviceCounters = {
    doorbells: 0,
    completed: 0,
    transportErrors: 0,
    lost: 0,
    stale: 0,
    halted: 0,
    spurious: 0,
  };

  constructor(
    readonly engine: FirmwareEngine,
    options: SimDeviceOptions = {},
  ) {
    this.identity = Object.freeze({ ...DEFAULT_IDENTITY, ...options.identity });
    this.dma = options.dma ?? new DmaSpace();
    this.checksum = options.checksum ?? false;
    if (!BDF_RE.test(this.identity.bdf)) {
      throw new AuxError(
        'EINVAL',
        `bdf ${this.identity.bdf} is not a PCI address like 0000:08:00.0`,
      );
    }
    if (!FW_RE.test(this.identity.fwVersion)) {
      throw new AuxError('EINVAL', `fwVersion ${this.identity.fwVersion} is not like 22.39.1002`);
    }
    const model =
      typeof options.latency === 'object'
        ? options.latency
        : LATENCY_PROFILES[options.latency ?? 'none'];
    if (
      !model ||
      !(model.perCommandUs >= 0) ||
      !Number.isInteger(model.processors) ||
      model.processors < 1
    ) {
      throw new AuxError(
        'EINVAL',
        "latency must be 'none', 'hardware' or { perCommandUs >= 0, processors >= 1 }",
      );
    }
    this.now = options.now ?? monotonicClock();
    this.scheduler = new CompletionScheduler(model, this.now, this.runBatch);
    this.log = options.logger ?? silentLogger;
    this.mem = dmaBlockMemory(this.dma);
    this.faults = new FaultInjector(engine);
  }

  /** subFunctions: the engine's sub-functions, when it hosts any. */
  get subFunctions(): SubFunctionHost | undefined {
    return this.engine.subFunctions;
  }

  /** virtualFunctions: the engine's SR-IOV VFs, when it offers SR-IOV. */
  get virtualFunctions(): VirtualFunctionHost | undefined {
    return this.engine.virtualFunctions;
  }

  /** counters: a snapshot of what the device has seen. */
  counters(): SimDeviceCounters {
    return { ...this.count };
  }

  attachQueue(page: Buffer, onCompletion: CompletionHandler): void {
    this.alive();
    this.dropWork();
    this.entries = new CommandEntries(page);
    this.handler = onCompletion;
  }

  detachQueue(): void {
    this.dropWork();
    this.entries = undefined;
    this.handler = undefined;
  }

  post(slot: number): void {
    this.alive();
    if (!isSlot(slot)) throw new AuxError('EINVAL', `slot ${slot} is not 0..31`);
    const e = this.entries;
    if (!e) throw new AuxError('ENODEV', 'no command queue is attached; call attachQueue first');
    this.count.doorbells++;
    if (!e.ownedByHw(slot)) {
      this.count.spurious++;
      return;
    }
    const w = this.work[slot]!;
    w.token = e.token(slot);
    w.opcode = e.opcode(slot);
    w.inbox = undefined;
    w.outBlocks = undefined;
    w.status = this.fetch(e, w);
    const faulty = this.faults.armed;
    if (faulty && this.faults.takeLost(w.opcode)) {
      w.active = false;
      this.scheduler.cancel(w);
      this.count.lost++;
      return;
    }
    w.active = true;
    this.scheduler.schedule(w, faulty ? this.faults.delayMs(w.opcode) : 0);
  }

  readHealth(): Buffer {
    this.alive();
    return this.engine.readHealth();
  }

  readHealthCounter(): number {
    this.alive();
    return this.engine.healthCounter();
  }

  readCrdump(): Buffer | undefined {
    this.alive();
    return this.engine.readCrdump?.();
  }

  /** ringDoorbell: hand a data-path doorbell to the engine (ignored when it has no data path). */
  ringDoorbell(db: Doorbell): void {
    this.alive();
    this.engine.ringDoorbell?.(db);
  }

  /** attachEvents: the interrupt handler for the engine's EQs. */
  attachEvents(onInterrupt: EventInterrupt): void {
    this.alive();
    this.engine.attachEvents?.(onInterrupt);
  }

  detachEvents(): void {
    this.engine.detachEvents?.();
  }

  /** reset: function-level reset: the engine restarts; commands in progress are forgotten. */
  async reset(): Promise<void> {
    this.alive();
    this.dropWork();
    this.engine.reset();
  }

  close(): void {
    if (this.isClosed) return;
    this.detachQueue();
    this.detachEvents();
    this.isClosed = true;
  }

  // ---- doorbell ------------------------------------------------------------

  /** fetch: validate the entry and gather the command; returns its delivery status. */
  private fetch(e: CommandEntries, w: Work): number {
    const slot = w.slot;
    const bad = e.descriptorFault(slot);
    if (bad !== DeliveryStatus.OK) return bad;
    const corrupt = this.faults.armed && this.faults.takeCorrupt(w.opcode);
    const inLen = e.inLen(slot);
    const outLen = e.outLen(slot);
    w.outLen = outLen;
    // An inline-only inbox corrupted in transit fails the entry signature.
    if (corrupt && inLen <= CMD_HDR_BYTES) return DeliveryStatus.SIGNAT_ERR;
    const inbox = Buffer.allocUnsafe(inLen);
    e.readInlineIn(slot, inbox);
    if (inLen > CMD_HDR_BYTES) {
      const mem = corrupt ? corrupting(this.mem) : this.mem;
      const fault = decodeInto(mem, e.inPtr(slot), inLen, w.token, inbox, 'in', this.checksum);
      if (fault) return fault.status;
    }
    if (outLen > CMD_HDR_BYTES) {
      const blocks = collect(this.mem, e.outPtr(slot), outLen, w.token, 'out', this.checksum);
      if (blocks instanceof ChainFault) return blocks.status;
      w.outBlocks = blocks;
    }
    w.inbox = inbox;
    return DeliveryStatus.OK;
  }

  // ---- completion ----------------------------------------------------------

  /** runBatch: run what completed together and raise one vector for it. */
  private readonly runBatch = (due: readonly Work[]): void => {
    let vector = 0;
    for (const w of due) if (this.run(w)) vector |= 1 << w.slot;
    this.deliver(vector);
  };

  /** run: execute one command and write its completion; false when nothing was written. */
  private run(w: Work): boolean {
    if (!w.active) return false;
    w.active = false;
    const e = this.entries;
    if (!e) return false;
    if (this.engine.halted) {
      this.count.halted++;
      return false;
    }
    if (e.token(w.slot) !== w.token || !e.ownedByHw(w.slot)) {
      this.count.stale++;
      return false;
    }
    let status = w.status;
    let out: Buffer | undefined;
    if (status === DeliveryStatus.OK) {
      try {
        out = this.engine.execute(w.inbox!, w.outLen);
      } catch (err) {
        this.log.error({ err, opcode: w.opcode }, 'firmware engine threw; reporting FW_ERR');
        status = DeliveryStatus.FW_ERR;
      }
      if (this.engine.halted) {
        this.count.halted++;
        return false;
      }
      if (out && w.outBlocks) fill(w.outBlocks, out, this.checksum);
    } else {
      this.count.transportErrors++;
    }
    e.complete(w.slot, status, out);
    w.inbox = undefined;
    w.outBlocks = undefined;
    this.count.completed++;
    return true;
  }

  private deliver(vector: number): void {
    if (vector === 0 || !this.handler) return;
    try {
      this.handler(vector >>> 0);
    } catch (err) {
      this.log.error({ err }, 'command completion handler threw');
    }
  }

  private dropWork(): void {
    for (const w of this.work) {
      w.active = false;
      w.inbox = undefined;
      w.outBlocks = undefined;
    }
    this.scheduler.clear();
  }

  private alive(): void {
    if (this.isClosed) throw new AuxError('ENODEV', `device ${this.identity.bdf} is closed`);
  }
}

/** corrupting: block memory whose first block arrives with one data bit flipped. */
function corrupting(mem: BlockMemory): BlockMemory {
  let hit = false;
  return {
    resolve(addr: number): Buffer | undefined {
      const b = mem.resolve(addr);
      if (!b || hit) return b;
      hit = true;
      const copy = Buffer.from(b);
      copy[0] = copy[0]! ^ 0x01;
      return copy;
    },
  };
}

/**
 * monotonicClock: performance.now without the global getter on every call
 * (it shows in profiles); the object is looked up when the clock is made,
 * so fake timers installed before construction still apply.
 */
function monotonicClock(): () => number {
  const perf = globalThis.performance;
  return () => perf.now();
}

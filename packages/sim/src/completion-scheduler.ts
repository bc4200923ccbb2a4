/**
 * CompletionScheduler: when the simulated firmware finishes each command.
 *
 * LATENCY MODEL
 * A command costs `perCommandUs` on one of `processors` parallel command
 * processors; it starts when the processor that frees first is free (FIFO)
 * and completes `perCommandUs` later, plus any injected per-opcode delay
 * (which waits without holding a processor). Named profiles:
 * - `none` (default): cost 0; a command completes on the next microtask,
 *   so everything rung in one synchronous burst completes in one batch;
 * - `hardware`: about a real adapter's command latency, 20 µs per command
 *   on 4 processors.
 *
 * Timers cannot wait 20 µs, so completions are deadlines on a monotonic
 * clock, checked from a setImmediate loop that runs only while work is due
 * within 2 ms; longer waits (injected delays, whole milliseconds) sleep in
 * one setTimeout until the earliest deadline. Work due at the same check is
 * handed over as one batch, in deadline order (the device turns a batch
 * into one completion vector, like the command EQ's coalesced EQE).
 *
 * Owns: the ready and timed lists, the processors' busy times, its timers.
 * Never: runs a command (the batch callback does).
 */

/** LatencyModel: what a command costs and how many run at once. */
export interface LatencyModel {
  /** Cost of one command in microseconds (0 = next microtask). */
  readonly perCommandUs: number;
  /** Parallel command processors of the firmware. */
  readonly processors: number;
}

/** LATENCY_PROFILES: the named latency models. */
export const LATENCY_PROFILES = {
  none: { perCommandUs: 0, processors: 1 },
  hardware: { perCommandUs: 20, processors: 4 },
} as const satisfies Record<string, LatencyModel>;

/** Scheduled: what the scheduler needs of a work item. */
export interface Scheduled {
  /** 0 = not queued, 1 = ready list, 2 = timed list (the scheduler's bookkeeping). */
  where: number;
  /** Completion deadline on the scheduler's clock (ms). */
  due: number;
}

const IMMEDIATE_WINDOW_MS = 2;
// A reaction on a settled promise is the cheapest microtask (queueMicrotask
// wraps each callback in an AsyncResource); the batch callback never throws.
const SETTLED = Promise.resolve();

/** CompletionScheduler: see the module header. */
export class CompletionScheduler<W extends Scheduled> {
  private readonly costMs: number;
  private readonly busyUntil: number[];
  private ready: W[] = [];
  private readySpare: W[] = [];
  private readonly timed: W[] = [];
  private microtaskPending = false;
  private tickAt = Number.POSITIVE_INFINITY;
  private tickTimer: NodeJS.Timeout | undefined;
  private tickImmediate: NodeJS.Immediate | undefined;

  /** `batch` receives the work due together (do not keep the array). */
  constructor(
    model: LatencyModel,
    private readonly now: () => number,
    private readonly batch: (due: readonly W[]) => void,
  ) {
    this.costMs = model.perCommandUs / 1000;
    this.busyUntil = new Array<number>(model.processors).fill(0);
  }

  /** schedule: `w` completes after the model's cost plus `delayMs`; re-scheduling moves it. */
  schedule(w: W, delayMs: number): void {
    if (this.costMs === 0 && delayMs === 0) {
      if (w.where !== 1) {
        this.cancel(w);
        w.where = 1;
        this.ready.push(w);
      }
      if (!this.microtaskPending) {
        this.microtaskPending = true;
        SETTLED.then(this.drainReady);
      }
      return;
    }
    const now = this.now();
    let due = now;
    if (this.costMs > 0) {
      let p = 0;
      for (let i = 1; i < this.busyUntil.length; i++) {
        if (this.busyUntil[i]! < this.busyUntil[p]!) p = i;
      }
      due = Math.max(now, this.busyUntil[p]!) + this.costMs;
      this.busyUntil[p] = due;
    }
    w.due = due + delayMs;
    if (w.where !== 2) {
      this.cancel(w);
      w.where = 2;
      this.timed.push(w);
    }
    this.armTick(w.due);
  }

  /** cancel: `w` will not be handed over (unless scheduled again). */
  cancel(w: W): void {
    const list = w.where === 1 ? this.ready : w.where === 2 ? this.timed : undefined;
    if (list) {
      const i = list.indexOf(w);
      if (i >= 0) list.splice(i, 1);
    }
    w.where = 0;
  }

  /** clear: forget all work, stop the timers, free the processors. */
  clear(): void {
    for (const w of this.ready) w.where = 0;
    for (const w of this.timed) w.where = 0;
    this.ready.length = 0;
    this.timed.length = 0;
    this.busyUntil.fill(0);
    this.cancelTick();
  }

  private readonly drainReady = (): void => {
    this.microtaskPending = false;
    const list = this.ready;
    this.ready = this.readySpare;
    this.readySpare = list;
    if (list.length === 0) return; // cleared since it was queued
    for (const w of list) w.where = 0;
    this.batch(list);
    list.length = 0;
  };

  /** armTick: make sure the timed list is looked at by `due`. */
  private armTick(due: number): void {
    if (due >= this.tickAt) return;
    this.cancelTick();
    this.tickAt = due;
    const wait = due - this.now();
    if (wait > IMMEDIATE_WINDOW_MS) {
      // Timers never fire early, so ms-scale waits (injected delays) sleep here.
      this.tickTimer = setTimeout(this.tick, Math.ceil(wait));
    } else {
      this.tickImmediate = setImmediate(this.tick);
    }
  }

  private cancelTick(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.tickImmediate) clearImmediate(this.tickImmediate);
    this.tickTimer = undefined;
    this.tickImmediate = undefined;
    this.tickAt = Number.POSITIVE_INFINITY;
  }

  private readonly tick = (): void => {
    this.tickTimer = undefined;
    this.tickImmediate = undefined;
    this.tickAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    const due: W[] = [];
    let next = Number.POSITIVE_INFINITY;
    // Keep the rest in order, so equal deadlines stay first-come first-served.
    let kept = 0;
    for (const w of this.timed) {
      if (w.due <= now) {
        due.push(w);
        w.where = 0;
      } else {
        this.timed[kept++] = w;
        next = Math.min(next, w.due);
      }
    }
    this.timed.length = kept;
    if (due.length > 0) {
      due.sort((a, b) => a.due - b.due);
      this.batch(due);
    }
    if (next !== Number.POSITIVE_INFINITY) this.armTick(next);
  };
}

/**
 * HealthPoller: watches a device's health buffer and health counter.
 *
 * Firmware that dies cannot say so through a command; the driver notices by
 * polling what the device exposes outside the command path, as mlx5's
 * poll_health does: the health counter must move between polls (three
 * misses in a row = firmware stopped), and a syndrome with the
 * recovery-flow-required bit (`rfr`) means firmware asserted fatally. A
 * syndrome without `rfr` is reported once per change as a non-fatal
 * firmware event. A fatal condition is reported once until `rearm()`
 * (after recovery), so a dead device does not flood its owner.
 *
 * Owns: the poll timer and miss count. Never: acts on what it finds; it
 * tells its owner, which decides (enter error state, report, recover).
 */
import { HealthBuffer } from '@auxctl/prm';

/** HealthSource: the two things the poller reads (a DeviceBackend is one). */
export interface HealthSource {
  readHealth(): Buffer;
  readHealthCounter(): number;
}

/** HealthSample: one decoded reading. */
export interface HealthSample {
  readonly synd: number;
  readonly extSynd: number;
  readonly rfr: boolean;
  readonly severity: number;
  readonly counter: number;
  readonly misses: number;
  readonly fwVer: number;
  readonly time: number;
  readonly assertVar: readonly number[];
  readonly assertExitPtr: number;
  readonly assertCallra: number;
  readonly irisc: number;
}

/** HealthEvents: what the poller tells its owner. */
export interface HealthEvents {
  /** A fatal condition: `reason` is 'syndrome' (rfr set) or 'counter' (missed polls). */
  onFatal(reason: 'syndrome' | 'counter', sample: HealthSample): void;
  /** A non-fatal syndrome appeared or changed (0 -> x, or x -> y). */
  onSyndrome(sample: HealthSample): void;
}

/** HealthPollerOptions: timing; defaults are mlx5's. */
/** HEALTH_POLLER_DEFAULTS: the poller's values for options left out. */
export const HEALTH_POLLER_DEFAULTS = { intervalMs: 2_000, jitterMs: 1_000, maxMisses: 3 } as const;

export interface HealthPollerOptions {
  /** Base interval between polls (ms); default 2000. */
  intervalMs?: number;
  /** A random extra delay of up to this many ms per poll, spreading devices apart; default 1000. */
  jitterMs?: number;
  /** Misses of the counter that make a fatal error; default 3. */
  maxMisses?: number;
  random?: () => number;
}

/** readHealthSample: decode the health buffer of `source`; `counter` when the caller already read it. */
export function readHealthSample(
  source: HealthSource,
  misses = 0,
  counter = source.readHealthCounter(),
): HealthSample {
  const b = source.readHealth();
  const h = HealthBuffer.decode(b);
  return {
    synd: h.synd,
    extSynd: h.ext_synd,
    rfr: h.rfr === 1,
    severity: h.severity,
    counter,
    misses,
    fwVer: h.fw_ver,
    time: h.time,
    assertVar: h.assert_var,
    assertExitPtr: h.assert_exit_ptr,
    assertCallra: h.assert_callra,
    irisc: h.irisc_index,
  };
}

/** HealthPoller: see the module header. */
export class HealthPoller {
  private timer: NodeJS.Timeout | undefined;
  private active = false;
  private lastCounter: number | undefined;
  private misses = 0;
  private lastSynd = 0;
  private fatalReported = false;
  private readonly interval: number;
  private readonly jitter: number;
  private readonly maxMisses: number;
  private readonly random: () => number;

  constructor(
    private readonly source: HealthSource,
    private readonly events: HealthEvents,
    opts: HealthPollerOptions = {},
  ) {
    this.interval = opts.intervalMs ?? HEALTH_POLLER_DEFAULTS.intervalMs;
    this.jitter = opts.jitterMs ?? HEALTH_POLLER_DEFAULTS.jitterMs;
    this.maxMisses = opts.maxMisses ?? HEALTH_POLLER_DEFAULTS.maxMisses;
    this.random = opts.random ?? Math.random;
  }

  /** start: poll on a timer (unref'd: it never keeps a process alive). Undo with stop(). */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.schedule();
  }

  /** stop: no further polls. */
  stop(): void {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** running: whether polling is scheduled. */
  get running(): boolean {
    return this.active;
  }

  /** rearm: forget history after a recovery so a new fatal error is reported again. */
  rearm(): void {
    this.lastCounter = undefined;
    this.misses = 0;
    this.lastSynd = 0;
    this.fatalReported = false;
  }

  /** poll: take one reading now and report what it shows; returns the sample. */
  poll(): HealthSample {
    const counter = this.source.readHealthCounter();
    if (this.lastCounter !== undefined && counter === this.lastCounter) this.misses++;
    else this.misses = 0;
    this.lastCounter = counter;
    const s = readHealthSample(this.source, this.misses, counter);
    if (!this.fatalReported) {
      if (s.synd !== 0 && s.rfr) {
        this.fatalReported = true;
        this.events.onFatal('syndrome', s);
      } else if (this.misses >= this.maxMisses) {
        this.fatalReported = true;
        this.events.onFatal('counter', s);
      } else if (s.synd !== 0 && s.synd !== this.lastSynd) {
        this.events.onSyndrome(s);
      }
    }
    this.lastSynd = s.synd;
    return s;
  }

  private schedule(): void {
    const delay = this.interval + Math.floor(this.random() * this.jitter);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.poll();
      // An event handler may have stopped the poller; only go on if not.
      if (this.active) this.schedule();
    }, delay);
    this.timer.unref();
  }
}

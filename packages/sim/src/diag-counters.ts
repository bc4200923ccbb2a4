/**
 * DiagCounters: the device's diagnostic counters and their sampler
 * (SET_DIAGNOSTIC_PARAMS / QUERY_DIAGNOSTIC_PARAMS / QUERY_DIAGNOSTIC_COUNTERS).
 *
 * The model, chosen to be deterministic for a given clock and command
 * sequence:
 * - each counter in `DIAG_COUNTERS` is free-running from firmware start:
 *   value = floor(elapsed ms * perMs) + commands executed * perCommand;
 *   SET_DIAGNOSTIC_PARAMS with `clear` restarts all values from zero;
 * - enabling starts a sample buffer of 2^log_num_of_samples samples; a sample
 *   records every configured counter at one instant. Periodic samples fall
 *   every 2^log_sample_period device clocks (device_frequency_khz clocks per
 *   ms) after the SET; `single` stops when the buffer is full, `repetitive`
 *   keeps the newest (index 0 is always the oldest kept); `on_demand` adds a
 *   sample each time counters are queried. `sync` is recorded only: every
 *   sample of this model is synchronous.
 * - samples are produced lazily when firmware sees the clock (each command),
 *   so a sample carries the command count of that moment.
 *
 * Owns: counter values and the sample buffer. Never: command decoding.
 */
import { CmdStatus, Syndrome } from '@auxctl/prm';
import { FwError } from './fw-error.js';

/** DiagCounterInfo: one diagnostic counter of the device. */
export interface DiagCounterInfo {
  readonly id: number;
  readonly name: string;
  readonly unit: string;
  /** Increase per millisecond of firmware time. */
  readonly perMs: number;
  /** Increase per command the firmware executes. */
  readonly perCommand: number;
}

/** DIAG_COUNTERS: the counters the device lists in its debug capability. */
export const DIAG_COUNTERS: readonly DiagCounterInfo[] = [
  {
    id: 0x0401,
    name: 'back pressure from datalink to transport unit',
    unit: 'clocks',
    perMs: 3,
    perCommand: 0,
  },
  { id: 0x0402, name: 'outbound stalled writes', unit: 'clocks', perMs: 5, perCommand: 0 },
  { id: 0x0403, name: 'outbound stalled reads', unit: 'clocks', perMs: 7, perCommand: 0 },
  { id: 0x0406, name: 'rx 128B data', unit: '128 bytes', perMs: 11, perCommand: 4 },
  {
    id: 0x0409,
    name: 'pci read stalled: no read engines',
    unit: 'clocks',
    perMs: 1,
    perCommand: 0,
  },
  {
    id: 0x040a,
    name: 'pci read stalled: no completion buffer',
    unit: 'clocks',
    perMs: 2,
    perCommand: 0,
  },
  { id: 0x040b, name: 'pci read stalled: ordering', unit: 'clocks', perMs: 1, perCommand: 1 },
  { id: 0x1001, name: 'rx steering packets', unit: 'packets', perMs: 100, perCommand: 0 },
  { id: 0x2001, name: 'send queue stopped: limited vl', unit: 'clocks', perMs: 0, perCommand: 1 },
  { id: 0x2006, name: 'tx packets', unit: 'packets', perMs: 120, perCommand: 2 },
  { id: 0x2c02, name: 'line transmitted port 1', unit: 'bytes', perMs: 90, perCommand: 0 },
  { id: 0x2c03, name: 'line transmitted port 2', unit: 'bytes', perMs: 0, perCommand: 0 },
  { id: 0x2c04, name: 'line transmitted loopback', unit: 'bytes', perMs: 10, perCommand: 3 },
];

/** DIAG_LIMITS: the debug capability's sampling limits. */
export const DIAG_LIMITS = { logMaxSamples: 10, logMinSamplePeriod: 10 } as const;

/** DiagParams: the sampler configuration (`diagnostic_params_context`). */
export interface DiagParams {
  readonly enable: boolean;
  readonly single: boolean;
  readonly repetitive: boolean;
  readonly sync: boolean;
  readonly clear: boolean;
  readonly onDemand: boolean;
  readonly logNumOfSamples: number;
  readonly logSamplePeriod: number;
  readonly counterIds: readonly number[];
}

/** DiagSample: one sample; `values[i]` belongs to `counterIds[i]` of the params. */
export interface DiagSample {
  readonly sampleId: number;
  /** Device clocks since firmware start, low 32 bits. */
  readonly timeStamp: number;
  readonly values: readonly bigint[];
}

const DISABLED: DiagParams = {
  enable: false,
  single: false,
  repetitive: false,
  sync: false,
  clear: false,
  onDemand: false,
  logNumOfSamples: 0,
  logSamplePeriod: 0,
  counterIds: [],
};

const byId = new Map(DIAG_COUNTERS.map((c) => [c.id, c]));
const bad = (msg: string) => new FwError(CmdStatus.BAD_PARAM, Syndrome.BAD_FIELD, msg);

/** DiagCounters: see the module header. */
export class DiagCounters {
  private p: DiagParams = DISABLED;
  private bootMs: number;
  private baseMs: number;
  private baseCommands = 0;
  private startMs = 0;
  private periodic = 0;
  private seq = 0;
  private buffer: DiagSample[] = [];

  constructor(
    private readonly freqKhz: number,
    now: number,
  ) {
    this.bootMs = now;
    this.baseMs = now;
  }

  /** params: the current configuration. */
  params(): DiagParams {
    return this.p;
  }

  /** enabled: whether sampling is on. */
  get enabled(): boolean {
    return this.p.enable;
  }

  /** capacity: samples the buffer holds (0 while disabled). */
  get capacity(): number {
    return this.p.enable ? 2 ** this.p.logNumOfSamples : 0;
  }

  /** set: validate and apply `p` (throws FwError, changing nothing, when invalid). */
  set(p: DiagParams, now: number, commands: number): void {
    if (p.enable) validate(p);
    if (p.clear) {
      this.baseMs = now;
      this.baseCommands = commands;
    }
    this.p = p.enable ? { ...p, counterIds: [...p.counterIds] } : DISABLED;
    this.buffer = [];
    this.periodic = 0;
    this.startMs = now;
  }

  /** advance: take the periodic samples due by `now`. */
  advance(now: number, commands: number): void {
    const p = this.p;
    if (!p.enable || !(p.single || p.repetitive)) return;
    const cap = this.capacity;
    const periodMs = 2 ** p.logSamplePeriod / this.freqKhz;
    let due = Math.floor((now - this.startMs) / periodMs);
    if (p.single) due = Math.min(due, cap);
    let missing = due - this.periodic;
    if (missing <= 0) return;
    if (missing > cap) {
      // Older samples would be overwritten anyway; skip them without computing.
      this.seq += missing - cap;
      this.periodic += missing - cap;
      missing = cap;
    }
    for (let i = 0; i < missing; i++) {
      this.periodic++;
      this.push(this.startMs + this.periodic * periodMs, commands);
    }
  }

  /** sampleOnDemand: with `on_demand`, record a sample now. */
  sampleOnDemand(now: number, commands: number): void {
    if (this.p.enable && this.p.onDemand) this.push(now, commands);
  }

  /**
   * read: `count` samples from buffer index `index` (0 = oldest kept);
   * undefined for slots not filled yet. Throws BAD_RES_STATE /
   * DIAG_NOT_ENABLED while disabled and BAD_PARAM / BAD_FIELD for a range
   * outside the buffer.
   */
  read(index: number, count: number): (DiagSample | undefined)[] {
    if (!this.p.enable) {
      throw new FwError(
        CmdStatus.BAD_RES_STATE,
        Syndrome.DIAG_NOT_ENABLED,
        'diagnostic counters are not enabled; SET_DIAGNOSTIC_PARAMS with enable first',
      );
    }
    if (count < 1 || index + count > this.capacity) {
      throw bad(
        `samples ${index}..${index + count - 1} outside the ${this.capacity}-sample buffer`,
      );
    }
    return Array.from({ length: count }, (_, i) => this.buffer[index + i]);
  }

  /** stop: sampling off, buffer dropped (TEARDOWN_HCA); counter values run on. */
  stop(): void {
    this.p = DISABLED;
    this.buffer = [];
    this.periodic = 0;
  }

  /** reset: disabled, values restart (function reset). */
  reset(now: number): void {
    this.p = DISABLED;
    this.buffer = [];
    this.bootMs = now;
    this.baseMs = now;
    this.baseCommands = 0;
    this.periodic = 0;
    this.seq = 0;
  }

  private push(at: number, commands: number): void {
    const elapsed = Math.max(0, at - this.baseMs);
    const n = Math.max(0, commands - this.baseCommands);
    const values = this.p.counterIds.map((id) => {
      const c = byId.get(id)!;
      return BigInt(Math.floor(elapsed * c.perMs)) + BigInt(n * c.perCommand);
    });
    const clocks = Math.floor(Math.max(0, at - this.bootMs) * this.freqKhz);
    if (this.buffer.length >= this.capacity) {
      if (this.p.single) return; // single mode keeps the first samples
      this.buffer.shift();
    }
    this.buffer.push({ sampleId: this.seq++ & 0xffff, timeStamp: clocks % 2 ** 32, values });
  }
}

function validate(p: DiagParams): void {
  const n = p.counterIds.length;
  if (n < 1 || n > DIAG_COUNTERS.length) {
    throw bad(`num_of_counters ${n} outside 1..${DIAG_COUNTERS.length}`);
  }
  const unknown = p.counterIds.find((id) => !byId.has(id));
  if (unknown !== undefined) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.DIAG_UNKNOWN_COUNTER,
      `unknown diagnostic counter 0x${unknown.toString(16)}; the debug capability lists the valid ids`,
    );
  }
  if (new Set(p.counterIds).size !== n) throw bad('a counter id is listed twice');
  if (p.single && p.repetitive) throw bad('single and repetitive exclude each other');
  if (!p.single && !p.repetitive && !p.onDemand) {
    throw bad('choose a sampling mode: single, repetitive or on_demand');
  }
  if (p.logNumOfSamples > DIAG_LIMITS.logMaxSamples) {
    throw bad(`log_num_of_samples ${p.logNumOfSamples} above ${DIAG_LIMITS.logMaxSamples}`);
  }
  if ((p.single || p.repetitive) && p.logSamplePeriod < DIAG_LIMITS.logMinSamplePeriod) {
    throw bad(`log_sample_period ${p.logSamplePeriod} below ${DIAG_LIMITS.logMinSamplePeriod}`);
  }
}

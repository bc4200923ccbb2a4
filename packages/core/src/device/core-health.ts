/**
 * CoreHealth: a core device's health poller and its two devlink-style
 * reporters, wired to the backend.
 *
 * - `fw`: diagnose reads the health buffer now; dump keeps the health sample
 *   of the first non-fatal syndrome; no recovery (firmware still runs).
 * - `fw_fatal`: diagnose is the owner's (state, last fatal syndrome); dump is
 *   the crdump read through the backend's crspace path (works with firmware
 *   dead); recovery is the owner's (reset and reload).
 *
 * Owns: construction of the three. Never: acts on a fatal error itself;
 * the poller tells the owner through `hooks`.
 */
import { AuxError, type DeviceBackend, healthSyndromeText } from '@auxctl/prm';
import {
  HEALTH_POLLER_DEFAULTS,
  HealthPoller,
  type HealthPollerOptions,
  type HealthSample,
  readHealthSample,
} from '../health/health-poller.js';
import { HealthReporter } from '../health/health-reporter.js';

/** CoreHealthOptions: health polling and reporter behaviour. */
export interface CoreHealthOptions extends HealthPollerOptions {
  /** Poll on a timer (default true); tests may poll by hand with `health.poller.poll()`. */
  readonly poll?: boolean;
  /** Minimum time between automatic recoveries (ms); default 60 s. */
  readonly gracePeriodMs?: number;
  /** Recover automatically after a fatal error; default true. */
  readonly autoRecover?: boolean;
  readonly now?: () => number;
}

/** CORE_HEALTH_DEFAULTS: the values a core device's health uses for options left out. */
export const CORE_HEALTH_DEFAULTS = {
  ...HEALTH_POLLER_DEFAULTS,
  gracePeriodMs: 60_000,
  autoRecover: true,
} as const;

/** CoreHealth: the poller and the two reporters. */
export interface CoreHealth {
  readonly poller: HealthPoller;
  readonly fw: HealthReporter<HealthSample>;
  readonly fwFatal: HealthReporter<Buffer>;
}

/** CoreHealthHooks: what the owning core device supplies. */
export interface CoreHealthHooks {
  onFatal(reason: 'syndrome' | 'counter', sample: HealthSample): void;
  onSyndrome(sample: HealthSample): void;
  fatalDiagnose(): Record<string, unknown>;
  recover(): Promise<void>;
}

/** describeSyndrome: a human description of a health sample's syndrome. */
export function describeSyndrome(s: HealthSample): string {
  return s.synd === 0 ? 'healthy' : healthSyndromeText(s.synd);
}

/** createCoreHealth: see the module header. */
export function createCoreHealth(
  backend: DeviceBackend,
  opts: CoreHealthOptions,
  hooks: CoreHealthHooks,
): CoreHealth {
  const reporterOpts = {
    gracePeriodMs: opts.gracePeriodMs ?? CORE_HEALTH_DEFAULTS.gracePeriodMs,
    ...(opts.now && { now: opts.now }),
  };
  return {
    poller: new HealthPoller(
      backend,
      { onFatal: (r, s) => hooks.onFatal(r, s), onSyndrome: (s) => hooks.onSyndrome(s) },
      opts,
    ),
    fw: new HealthReporter<HealthSample>(
      'fw',
      {
        diagnose: () => {
          const s = readHealthSample(backend);
          return { syndrome: s.synd, extSyndrome: s.extSynd, description: describeSyndrome(s) };
        },
        dump: async () => readHealthSample(backend),
      },
      reporterOpts,
    ),
    fwFatal: new HealthReporter<Buffer>(
      'fw_fatal',
      {
        diagnose: () => hooks.fatalDiagnose(),
        dump: async () => {
          const crdump = backend.readCrdump?.();
          if (!crdump) throw new AuxError('EOPNOTSUPP', 'the backend cannot read a crdump');
          return crdump;
        },
        recover: () => hooks.recover(),
      },
      { ...reporterOpts, autoRecover: opts.autoRecover ?? CORE_HEALTH_DEFAULTS.autoRecover },
    ),
  };
}

/**
 * Server options: what an AuxctlServer can be told — listen address,
 * authentication, limits, dump store bounds, simulated devices — and the
 * defaults the server and auxctld's flags share.
 *
 * Owns the option shapes and the shared defaults. Never: acting on them
 * (the server does).
 */
import type { CoreHealthOptions, Logger } from '@auxctl/core';
import { DEFAULT_STREAMS_PER_CONNECTION, DEFAULT_STREAMS_PER_PRINCIPAL } from './limits/index.js';
import type { BearerConfig } from './security/index.js';
import type { FwctlSourceOptions } from './sources/fwctl/fwctl-source.js';
import type { SourceChoice } from './sources/open-sources.js';
import type { SimLatencyProfile, SimWireOptions } from './sources/sim/sim-source.js';

/** ServerLimits: per-principal and per-session bounds. */
export interface ServerLimits {
  /** Calls per second per principal (default 200) and burst (default 400). */
  readonly ratePerSec?: number;
  readonly rateBurst?: number;
  /** Open sessions per principal (default 16) and in total (default 256). */
  readonly sessionsPerPrincipal?: number;
  readonly sessionsTotal?: number;
  /** RPCs running at once per session (default 16). */
  readonly maxInFlight?: number;
  /** Largest request message in bytes (default 1 MiB; the largest command is 256 KiB + 16). */
  readonly maxMessageBytes?: number;
  /**
   * Open streaming calls (Session, WatchDevices, Coredump, ResourceDump)
   * per connection (default 32) and per principal (default 64); beyond
   * them a new stream is refused with RESOURCE_EXHAUSTED.
   */
  readonly streamsPerConnection?: number;
  readonly streamsPerPrincipal?: number;
  /** HTTP/2 streams (calls of any kind) open at once per connection (default 100). */
  readonly maxConcurrentStreams?: number;
  /**
   * Bytes of umem one ctl context (a Session's, a dump capture's) may hold
   * at once, allocated in the server for Session umem_reg (default 64 MiB:
   * one largest coredump); ENOMEM beyond.
   */
  readonly umemBytesPerContext?: number;
}

/** DumpLimits: the dump store's bounds and how many dump calls run at once. */
export interface DumpLimits {
  /** Bytes the dump store keeps (default 256 MiB). */
  readonly storeBytes?: number;
  /** How long a stored dump can be resumed, in ms (default 10 min). */
  readonly maxAgeMs?: number;
  /** Dump calls running at once in total (default 4) and per principal (default 2). */
  readonly concurrent?: number;
  readonly concurrentPerPrincipal?: number;
}

/** AuxctlServerOptions: see the module header; only `stateDir` is required. */
export interface AuxctlServerOptions {
  readonly stateDir: string;
  /** Device sources, in order (default `['sim']`; see sources/open-sources.ts). */
  readonly sources?: readonly SourceChoice[];
  /** Number of simulated devices (default 2). */
  readonly devices?: number;
  /** Where the fwctl source looks and how it reaches the kernel (sysfs root, syscalls, devlink). */
  readonly fwctl?: Omit<FwctlSourceOptions, 'logger' | 'auditLogger' | 'onClose'>;
  /**
   * Serve this many simulated mlx5 functions through a kernel double of
   * Linux fwctl instead of the host's kernel (the fwctl source without the
   * hardware; `@auxctl/server/testing`'s startFwctlDouble).
   */
  readonly fwctlKernelDouble?: number;
  /** host:port (default 127.0.0.1:9339; port 0 picks a free one). */
  readonly listen?: string;
  /** Policy file (default `<stateDir>/policy.json`, created on first start: admin only). */
  readonly policyPath?: string;
  /** Plaintext; refused unless `listen` is loopback. */
  readonly insecure?: boolean;
  /** Accept bearer tokens (TLS with an optional client certificate). */
  readonly bearer?: BearerConfig;
  /** Principal of credential-less calls on a plaintext server (default "anonymous"). */
  readonly anonymousPrincipal?: string;
  readonly logger?: Logger;
  readonly auditLogger?: Logger;
  readonly limits?: ServerLimits;
  readonly dumps?: DumpLimits;
  /** Core dump size of the simulated devices (default: the simulator's). */
  readonly crdumpSize?: number;
  /** sriov_totalvfs of each simulated PF (default SimSource's, 4). */
  readonly simVfs?: number;
  /** A cable from the first simulated PF's port 1 to another auxctld's (see SimSourceOptions.wire). */
  readonly simWire?: SimWireOptions;
  /** Command latency profile of the simulated devices (default: the simulator's, `none`). */
  readonly simLatency?: SimLatencyProfile;
  readonly health?: CoreHealthOptions;
  /** How long stop() lets calls finish before cancelling them (default 5000 ms). */
  readonly drainTimeoutMs?: number;
  /**
   * How long Exec keeps a pristine context for the next Exec of the same
   * principal, device and privileges (default 2000 ms; 0 = open and close
   * one per call). See services/exec-contexts.ts.
   */
  readonly execContextIdleMs?: number;
  /**
   * host:port of a plain-HTTP `GET /metrics` endpoint (Prometheus text
   * format; default: none). It has no authentication or TLS: use a
   * loopback address, or one only the scraper can reach.
   */
  readonly metricsListen?: string;
}

/** DEFAULT_DUMP_STORE_BYTES / DEFAULT_DUMP_MAX_AGE_MS: the dump store's default bounds. */
export const DEFAULT_DUMP_STORE_BYTES = 256 * 1024 * 1024;
export const DEFAULT_DUMP_MAX_AGE_MS = 10 * 60 * 1000;

/** DEFAULT_MAX_CONCURRENT_STREAMS: HTTP/2 streams one connection may have open at once. */
export const DEFAULT_MAX_CONCURRENT_STREAMS = 100;

/** DEFAULT_LISTEN: where auxctld listens unless told otherwise. */
export const DEFAULT_LISTEN = '127.0.0.1:9339';

/**
 * SERVER_DEFAULTS: what the server uses for each option left out. auxctld's
 * flags take their defaults from here, so `auxctld --help` shows what the
 * server does.
 */
export const SERVER_DEFAULTS = {
  sources: ['sim'] as readonly SourceChoice[],
  devices: 2,
  anonymousPrincipal: 'anonymous',
  drainTimeoutMs: 5000,
  execContextIdleMs: 2000,
  limits: {
    ratePerSec: 200,
    rateBurst: 400,
    sessionsPerPrincipal: 16,
    sessionsTotal: 256,
    maxInFlight: 16,
    maxMessageBytes: 1024 * 1024,
    streamsPerConnection: DEFAULT_STREAMS_PER_CONNECTION,
    streamsPerPrincipal: DEFAULT_STREAMS_PER_PRINCIPAL,
    maxConcurrentStreams: DEFAULT_MAX_CONCURRENT_STREAMS,
    umemBytesPerContext: 64 * 1024 * 1024,
  },
  dumps: {
    storeBytes: DEFAULT_DUMP_STORE_BYTES,
    maxAgeMs: DEFAULT_DUMP_MAX_AGE_MS,
    concurrent: 4,
    concurrentPerPrincipal: 2,
  },
} as const satisfies {
  sources: readonly SourceChoice[];
  devices: number;
  anonymousPrincipal: string;
  drainTimeoutMs: number;
  execContextIdleMs: number;
  limits: Required<ServerLimits>;
  dumps: Required<DumpLimits>;
};

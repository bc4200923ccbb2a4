/**
 * AuxctldFlags: auxctld's parsed command line and the server options it
 * stands for (sizes in MiB / KiB and times in seconds become bytes and ms).
 *
 * Owns the flag -> option translation. Never: parsing or checking values
 * (option-values.ts, flag-requirements.ts), or what needs I/O (the bearer
 * key, the log destinations: bin/auxctld.ts).
 */
import type { AuxctlServerOptions } from '../server-options.js';
import type { SourceChoice } from '../sources/open-sources.js';
import type { SimLatencyProfile } from '../sources/sim/sim-source.js';

const MiB = 1024 * 1024;

/** AuxctldFlags: the parsed command line. */
export interface AuxctldFlags {
  source: SourceChoice[];
  fwctlSysfsRoot: string;
  fwctlDevRoot: string;
  fwctlProcRoot: string;
  fwctlPoll: number;
  fwctlKernelDouble?: number;
  devlink: string;
  devices: number;
  simVfs: number;
  simWireListen?: string;
  simWireConnect?: string;
  simCrdumpSize: number;
  simLatency: SimLatencyProfile;
  listen: string;
  stateDir: string;
  policy?: string;
  insecure?: boolean;
  anonymousPrincipal: string;
  auditLog?: string;
  drainTimeout: number;
  dumpStoreMib: number;
  dumpMaxAge: number;
  dumps: number;
  dumpsPerPrincipal: number;
  streamsPerConnection: number;
  streamsPerPrincipal: number;
  maxConcurrentStreams: number;
  bearerKey?: string;
  bearerAlgorithms?: string[];
  bearerIssuer?: string[];
  bearerAudience?: string[];
  bearerClockTolerance: number;
  rate: number;
  rateBurst: number;
  sessionsPerPrincipal: number;
  sessions: number;
  maxInFlight: number;
  maxMessageKib: number;
  umemMibPerContext: number;
  execContextIdle: number;
  healthInterval: number;
  healthMisses: number;
  recoverGrace: number;
  autoRecover: boolean;
  logFormat: 'auto' | 'json' | 'pretty';
  metricsListen?: string;
}

/** serverOptionsOf: the AuxctlServer options `o` stands for, loggers and bearer aside. */
export function serverOptionsOf(
  o: AuxctldFlags,
): Omit<AuxctlServerOptions, 'logger' | 'auditLogger' | 'bearer'> {
  return {
    stateDir: o.stateDir,
    sources: o.source,
    ...(o.fwctlKernelDouble !== undefined && { fwctlKernelDouble: o.fwctlKernelDouble }),
    fwctl: {
      sysfsRoot: o.fwctlSysfsRoot,
      devRoot: o.fwctlDevRoot,
      procRoot: o.fwctlProcRoot,
      pollMs: o.fwctlPoll,
      devlink: { path: o.devlink },
    },
    devices: o.devices,
    simVfs: o.simVfs,
    ...((o.simWireListen !== undefined || o.simWireConnect !== undefined) && {
      simWire: {
        ...(o.simWireListen !== undefined && { listen: o.simWireListen }),
        ...(o.simWireConnect !== undefined && { connect: o.simWireConnect }),
      },
    }),
    crdumpSize: o.simCrdumpSize,
    simLatency: o.simLatency,
    listen: o.listen,
    ...(o.policy !== undefined && { policyPath: o.policy }),
    insecure: o.insecure === true,
    ...(o.insecure && { anonymousPrincipal: o.anonymousPrincipal }),
    drainTimeoutMs: o.drainTimeout,
    execContextIdleMs: o.execContextIdle,
    health: {
      intervalMs: o.healthInterval,
      maxMisses: o.healthMisses,
      gracePeriodMs: o.recoverGrace,
      autoRecover: o.autoRecover,
    },
    ...(o.metricsListen !== undefined && { metricsListen: o.metricsListen }),
    dumps: {
      storeBytes: o.dumpStoreMib * MiB,
      maxAgeMs: o.dumpMaxAge * 1000,
      concurrent: o.dumps,
      concurrentPerPrincipal: o.dumpsPerPrincipal,
    },
    limits: {
      ratePerSec: o.rate,
      rateBurst: o.rateBurst,
      sessionsPerPrincipal: o.sessionsPerPrincipal,
      sessionsTotal: o.sessions,
      maxInFlight: o.maxInFlight,
      maxMessageBytes: o.maxMessageKib * 1024,
      umemBytesPerContext: o.umemMibPerContext * MiB,
      streamsPerConnection: o.streamsPerConnection,
      streamsPerPrincipal: o.streamsPerPrincipal,
      maxConcurrentStreams: o.maxConcurrentStreams,
    },
  };
}

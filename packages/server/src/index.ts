/**
 * @auxctl/server: auxctld — authenticated, authorized gRPC access to ctl
 * devices, with a bounded dump store and per-principal limits.
 */

export {
  AuxctlServer,
  type AuxctlServerOptions,
  DEFAULT_DUMP_MAX_AGE_MS,
  DEFAULT_DUMP_STORE_BYTES,
  DEFAULT_LISTEN,
  type DumpLimits,
  SERVER_DEFAULTS,
  type ServerLimits,
} from './auxctl-server.js';
export { defaultPolicyDocument, ensureDefaultPolicy } from './default-policy.js';
export { DeviceSources } from './devices/device-sources.js';
export * from './dump-store/index.js';
export * from './dumps/index.js';
export { ERRNO_STATUS, type GrpcFailure, grpcFailureOf } from './grpc/grpc-status.js';
export * from './limits/index.js';
export * from './metrics/index.js';
export * from './policy/index.js';
export * from './security/index.js';
export type {
  DeviceSource,
  DumpModes,
  HostCoredump,
  ServedDevice,
  SourceContext,
  SourceKind,
} from './sources/device-source.js';
export {
  SIM_LATENCY_PROFILES,
  type SimLatencyProfile,
  SimSource,
  type SimSourceOptions,
} from './sources/sim/sim-source.js';

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
export {
  DeviceFleet,
  type DeviceFleetOptions,
  SIM_LATENCY_PROFILES,
  type SimLatencyProfile,
} from './devices/device-fleet.js';
export * from './dump-store/index.js';
export * from './dumps/index.js';
export { ERRNO_STATUS, type GrpcFailure, grpcFailureOf } from './grpc/grpc-status.js';
export * from './limits/index.js';
export * from './metrics/index.js';
export * from './policy/index.js';
export * from './security/index.js';

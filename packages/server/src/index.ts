/**
 * @auxctl/server: auxctld — authenticated, authorized gRPC access to ctl
 * devices, with a bounded dump store and per-principal limits.
 *
 * The public surface is what runs and configures a server: the server and
 * its limits, device sources (the seam and the simulated source), policy
 * documents, the state directory with its certificates and client config,
 * credentials, metrics, and the errno -> gRPC status table. The parts it is
 * built from (dump capture and streaming, limiters, the gRPC call layer)
 * stay inside. Test doubles are in `@auxctl/server/testing`.
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
export { type DaemonLogOptions, type DaemonLogs, daemonLogs } from './daemon/daemon-logs.js';
export { defaultPolicyDocument, ensureDefaultPolicy } from './default-policy.js';
export { DeviceSources } from './devices/device-sources.js';
export { DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from './dump-store/index.js';
// The keys of the lines written on every call, for tools that read or measure them.
export { AUTHZ_LINE_KEYS, CALL_LINE_KEYS } from './grpc/call-middleware.js';
export { ERRNO_STATUS, type GrpcFailure, grpcFailureOf } from './grpc/grpc-status.js';
export {
  type MetricsHttp,
  type MetricsSources,
  ServerMetrics,
  serveMetrics,
} from './metrics/index.js';
export {
  AUXCTL_METHODS,
  POLICY_LIMITS,
  POLICY_VERSION,
  Policy,
  type PolicyDecision,
  type PolicyDocument,
  type PolicyList,
  type PolicyParseOptions,
  type PolicyReloadResult,
  type PolicyRequest,
  type PolicyRule,
  PolicyStore,
  type PolicyStoreOptions,
  parsePolicy,
  RESUME_ANY_DUMP,
  validatePolicy,
} from './policy/index.js';
export {
  type BearerConfig,
  type BearerKey,
  bearerCallCredentials,
  type CaCreateRequest,
  CertAuthority,
  CLIENT_CONFIG_VERSION,
  type ClientCertificateRequest,
  type ClientConfig,
  type ClientConnection,
  clientConnectionFromConfig,
  DEFAULT_ADMIN_PRINCIPAL,
  DEFAULT_CLIENT_ADDRESS,
  DEFAULT_SERVER_NAMES,
  defaultStateDir,
  type EnsureStateOptions,
  ensureState,
  type IssuedCertificate,
  type ListenAddress,
  loadClientConfig,
  type MintKey,
  type MintRequest,
  mintBearer,
  mtlsServerCredentials,
  optionalClientCertServerCredentials,
  type PeerIdentity,
  parseClientConfig,
  parseListenAddress,
  principalOfCall,
  type ServerCertificateRequest,
  type ServerTlsMaterial,
  type StatePaths,
  type StateReport,
  statePaths,
} from './security/index.js';
export type {
  DeviceSource,
  DumpModes,
  HostCoredump,
  ServedDevice,
  SourceContext,
  SourceKind,
} from './sources/device-source.js';
export {
  SIM_DEFAULT_VFS,
  SIM_LATENCY_PROFILES,
  type SimLatencyProfile,
  SimSource,
  type SimSourceOptions,
  type SimWireOptions,
} from './sources/sim/sim-source.js';

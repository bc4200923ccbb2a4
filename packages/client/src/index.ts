/**
 * @auxctl/client: the typed client library of auxctld — connection settings
 * (options > environment > client.json), a promise-based client, pipelined
 * sessions, resumable verified dump downloads, and bounded fan-out over many
 * hosts.
 */

export { CLIENT_CONFIG_VERSION, type ClientConfig } from '@auxctl/proto/client-config';
export { AuxctlClient, type AuxctlClientOptions, DEFAULT_DEADLINE_MS } from './auxctl-client.js';
export { AuxctlError, grpcCodeName, isAuxctlError, toAuxctlError } from './auxctl-error.js';
export type { CliIo } from './cli/cli-io.js';
export { main as auxctlMain } from './cli/cli-program.js';
export { ExitCode, type ExitCodeValue } from './cli/exit-codes.js';
export {
  defaultClientConfigPath,
  type Env,
  parseClientConfig,
  readClientConfig,
} from './client-config.js';
export {
  CHANNEL_OPTIONS,
  type ChannelTarget,
  type ConnectionOptions,
  type ConnectionSettings,
  channelTarget,
  DEFAULT_PORT,
  loadConnectionSettings,
  normalizeAddress,
  type ResolveInput,
  resolveConnectionSettings,
  type Source,
} from './connection.js';
export {
  type DownloadOptions,
  type DownloadResult,
  type DumpProgress,
  type DumpSource,
  downloadDump,
} from './dump-download.js';
export { type DumpPartState, dumpPartPaths } from './dump-part-file.js';
export {
  DEFAULT_FAN_OUT_CONCURRENCY,
  type FanOutOptions,
  type FanOutResult,
  fanOut,
} from './fan-out.js';
export {
  type MigrateOptions,
  type MigrateProgress,
  type MigrateResult,
  migrateVf,
} from './migrate-vf.js';
export {
  openSession,
  type Session,
  type SessionOptions,
  type SessionUmem,
  type UmemReadOptions,
} from './session.js';

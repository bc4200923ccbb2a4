/**
 * @auxctl/ctl-aux: the ctl driver for `mlx5_core.ctl` aux devices (mlx5ctl
 * with Linux fwctl scope semantics): scoped, audited firmware RPCs from
 * user contexts, user memory registration, and the mlx5ctlu helpers
 * (capabilities, registers, coredump, resource dump, diagnostic counters).
 */

export { type RpcLine, RpcLineWriter, rpcRecord } from './audit-line.js';
export {
  type AuditCommand,
  AuditLog,
  type AuditSubject,
  ContextAudit,
  errnoOf,
  rpcOutcome,
} from './audit-log.js';
export {
  type CtlCredentials,
  type CtlPrivileges,
  checkCredentials,
  PRIVILEGE_CAPS,
  privilegeCaps,
} from './credentials.js';
export {
  CTL_TAINT,
  type CtlChannel,
  CtlContext,
  type CtlInfo,
} from './ctl-context.js';
export { CtlDevice, type CtlDeviceInfo, ctlDeviceName } from './ctl-device.js';
export {
  CTL_DRIVER_NAME,
  CTL_MATCH_NAME,
  type CtlDriverOptions,
  createCtlDriver,
} from './ctl-driver.js';
export { CtlRegistry, type CtlRegistryEvent } from './ctl-registry.js';
export {
  type CheckedRpc,
  checkRpcRequest,
  RPC_CHECK_ERRNOS,
  type RpcRefusal,
  type RpcRequest,
} from './rpc-request.js';
export {
  LOCAL_UMEM_CALLS,
  REJECTED_OPCODES,
  type RejectedOpcode,
  rejection,
  requiredScope,
  SCOPE_TABLE,
  type ScopeRule,
  scopeRule,
} from './scope-table.js';
export { type CapWhich, type DebugCaps, debugCaps, generalCaps, queryCap } from './tools/caps.js';
export {
  type CoredumpOptions,
  type CoredumpProgress,
  type CoredumpResult,
  coredump,
  DEFAULT_WINDOW_BYTES,
  INLINE_PIECE_DEFAULT,
  INLINE_PIECE_MAX,
} from './tools/coredump.js';
export {
  type DiagCap,
  type DiagParams,
  type DiagSample,
  type DiagSetup,
  diagCap,
  diagDisable,
  diagDump,
  diagParams,
  diagSet,
} from './tools/diag-counters.js';
export {
  type DumpWindow,
  type OpenDumpWindow,
  openDumpWindow,
  withDumpWindow,
} from './tools/dump-window.js';
export { fwCall } from './tools/fw-call.js';
export {
  accessRegisterRaw,
  PPCNT_DECODERS,
  type PpcntQuery,
  REGISTERS,
  type RegisterAccessOptions,
  type RegisterName,
  type RegisterValues,
  readPpcnt,
  readRegister,
  writeRegister,
} from './tools/registers.js';
export {
  type DumpError,
  type ResourceDumpObjects,
  type ResourceDumpRequest,
  type ResourceDumpResult,
  RSC_MAX_BYTES_DEFAULT,
  RSC_WINDOW_DEFAULT,
  resourceDump,
  resourceDumpMenu,
  resourceDumpObjects,
} from './tools/resource-dump.js';
export {
  checkUmemBuffer,
  DEFAULT_UMEM_BYTES_PER_CONTEXT,
  UMEM_MAX_BYTES,
} from './umem-registry.js';

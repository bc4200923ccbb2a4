/**
 * @auxctl/proto/ctl: CtlService (Exec, Session, the dumps, Info) with the
 * messages it carries — dumps, health reporter names, the wire RpcScope —
 * and the fast codecs of its dump and Session frames. The CtlService
 * definition and client are the ones of ctl-service.ts, not the generated
 * ones of the same names (an explicit export wins over `export *`).
 */

export { CtlServiceClient, CtlServiceService } from '../ctl-service.js';
export {
  coredumpFrameCodec,
  encodeChunkFrame,
  resourceDumpFrameCodec,
} from '../dump-frame-codec.js';
export * from '../gen/auxctl/v1/ctl_service.js';
export * from '../gen/auxctl/v1/dump.js';
export * from '../gen/auxctl/v1/health.js';
export * from '../gen/auxctl/v1/scope.js';
export { sessionRequestCodec, sessionResponseCodec } from '../session-frame-codec.js';
export type { FrameBuffer } from '../wire-frame.js';

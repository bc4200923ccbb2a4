/**
 * CtlService with the hand-written codecs: the generated grpc-js service
 * definition and client constructor, with the dump data frames
 * (dump-frame-codec.ts), the Session's per-RPC frames
 * (session-frame-codec.ts) and Exec's request and response (exec-codec.ts)
 * coded by the fast paths. Same paths and
 * messages, byte-identical encodings, so either side may use the generated
 * definition against this one.
 *
 * Owns: which methods use which codec. Never: a codec.
 */
import { makeGenericClientConstructor } from '@grpc/grpc-js';
import { coredumpFrameCodec, resourceDumpFrameCodec } from './dump-frame-codec.js';
import { execRequestCodec, execResponseCodec } from './exec-codec.js';
import {
  type CtlServiceClient as GeneratedCtlClient,
  CtlServiceService as GeneratedCtlService,
} from './gen/auxctl/v1/ctl_service.js';
import { sessionRequestCodec, sessionResponseCodec } from './session-frame-codec.js';

/** CtlServiceService: the generated definition with the fast codecs (see the module header). */
export const CtlServiceService = {
  ...GeneratedCtlService,
  exec: {
    ...GeneratedCtlService.exec,
    requestSerialize: execRequestCodec.encode,
    requestDeserialize: execRequestCodec.decode,
    responseSerialize: execResponseCodec.encode,
    responseDeserialize: execResponseCodec.decode,
  },
  session: {
    ...GeneratedCtlService.session,
    requestSerialize: sessionRequestCodec.encode,
    requestDeserialize: sessionRequestCodec.decode,
    responseSerialize: sessionResponseCodec.encode,
    responseDeserialize: sessionResponseCodec.decode,
  },
  coredump: {
    ...GeneratedCtlService.coredump,
    responseSerialize: coredumpFrameCodec.serialize,
    responseDeserialize: coredumpFrameCodec.decode,
  },
  resourceDump: {
    ...GeneratedCtlService.resourceDump,
    responseSerialize: resourceDumpFrameCodec.serialize,
    responseDeserialize: resourceDumpFrameCodec.decode,
  },
} as const satisfies typeof GeneratedCtlService;

/** CtlServiceClient: the generated client constructor over {@link CtlServiceService}. */
export const CtlServiceClient = makeGenericClientConstructor(
  CtlServiceService,
  'auxctl.v1.CtlService',
) as unknown as typeof GeneratedCtlClient;
/** CtlServiceClient: the generated client interface. */
export type CtlServiceClient = GeneratedCtlClient;

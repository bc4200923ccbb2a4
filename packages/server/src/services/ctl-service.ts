/**
 * CtlService: Exec and Session over a DeviceFleet; Coredump and
 * ResourceDump through the DumpService (capture into the dump store, then
 * stream with backpressure, or resume).
 *
 * Owns the per-principal session cap and Exec's open -> rpc -> close (the
 * close may be deferred by ExecContexts). It must never leave a context
 * open that nobody will close, on success or failure.
 */
import { AuxError } from '@auxctl/prm';
import type {
  CoredumpRequest,
  CoredumpResponse,
  CtlServiceServer,
  ExecRequest,
  ExecResponse,
  HealthDumpRequest,
  HealthDumpResponse,
  ResourceDumpRequest,
  ResourceDumpResponse,
  SessionRequest,
  SessionResponse,
} from '@auxctl/proto';
import type { DeviceSources } from '../devices/device-sources.js';
import type { DumpService } from '../dumps/index.js';
import type { CallContext } from '../grpc/call-context.js';
import type { RpcAdmission } from '../grpc/call-middleware.js';
import { type AdapterEnv, bidiStream, serverStream, unary } from '../grpc/handler-adapters.js';
import type { ConcurrencyLimiter } from '../limits/index.js';
import { type FwCommandObserver, meteredRpc } from '../metrics/metered-channel.js';
import { authorizeCtl } from './ctl-access.js';
import { runSession, type SessionLimits } from './ctl-session.js';
import { type ExecContexts, execContextKey } from './exec-contexts.js';

const SERVICE = 'auxctl.v1.CtlService';

/** CtlServiceDeps: what the handlers use. */
export interface CtlServiceDeps {
  readonly devices: DeviceSources;
  /** Sessions per principal (and in total). */
  readonly sessions: ConcurrencyLimiter;
  readonly session: SessionLimits;
  /** Coredump and ResourceDump. */
  readonly dumps: DumpService;
  /** Receives every firmware RPC of Exec and Session (metrics). */
  readonly fw?: FwCommandObserver;
  /** The contexts Exec keeps between calls. */
  readonly execContexts: ExecContexts;
  /** The per-principal rate limit of each RPC inside a Session (Exec's is the call's own). */
  readonly rpcRate?: (ctx: CallContext) => RpcAdmission;
}

/** ctlServiceImpl: the CtlService handlers. */
export function ctlServiceImpl(env: AdapterEnv, deps: CtlServiceDeps): CtlServiceServer {
  const { devices } = deps;
  return {
    exec: unary<ExecRequest, ExecResponse>(env, `${SERVICE}/Exec`, async (req, cctx) => {
      const { device, scope, principal, caps } = authorizeCtl(devices, cctx, req.device, req.scope);
      const key = execContextKey(principal, req.device, caps.sys_rawio);
      const ctx = deps.execContexts.take(key) ?? (await device.open({ principal, caps }));
      let answered = false;
      try {
        if (cctx.cancel.aborted) throw new AuxError('ECANCELED', 'the call was cancelled');
        const outbox = await meteredRpc(ctx, req.device, deps.fw, {
          scope,
          inbox: req.inbox,
          outLen: req.outLen,
        });
        answered = true;
        return { outbox };
      } finally {
        // Kept for the next Exec only when the RPC went through and left nothing behind.
        if (!(answered && deps.execContexts.keep(key, ctx))) await ctx.close();
      }
    }),
    session: bidiStream<SessionRequest, SessionResponse>(
      env,
      `${SERVICE}/Session`,
      async (call, cctx) => {
        const release = deps.sessions.acquire(cctx.principal ?? '');
        try {
          const limits = deps.rpcRate
            ? { ...deps.session, admitRpc: deps.rpcRate(cctx) }
            : deps.session;
          await runSession(call, cctx, devices, limits, cctx.log, deps.fw);
        } finally {
          release();
        }
      },
    ),
    coredump: serverStream<CoredumpRequest, CoredumpResponse>(
      env,
      `${SERVICE}/Coredump`,
      (call, cctx) => deps.dumps.coredump(call, cctx, call.request),
    ),
    resourceDump: serverStream<ResourceDumpRequest, ResourceDumpResponse>(
      env,
      `${SERVICE}/ResourceDump`,
      (call, cctx) => deps.dumps.resourceDump(call, cctx, call.request),
    ),
    healthDump: serverStream<HealthDumpRequest, HealthDumpResponse>(
      env,
      `${SERVICE}/HealthDump`,
      (call, cctx) => deps.dumps.healthDump(call, cctx, call.request),
    ),
  };
}

/**
 * CtlSession: one CtlService.Session stream — a ctl context (the fwctl
 * file descriptor) and the RPCs pipelined on it.
 *
 * Owns the session's life: the first message opens the context (after the
 * policy allowed the device and scope), then at most `maxInFlight` RPCs run
 * at once; reading stops while that many are outstanding or while the
 * transport refuses writes, so HTTP/2 flow control pushes back on the
 * client instead of the server queueing. Half-close finishes outstanding
 * RPCs and closes the context; cancellation closes it at once. When the
 * context is lost with its device (fatal error, reload, recovery, removal,
 * the ctl device unbound, an SF deactivated: `watchDeviceLoss` on the core
 * and the context's revocation), the session ends at once with that ENODEV
 * (UNAVAILABLE): RPCs still outstanding are failed by the stream's status,
 * the context is closed and the caller's session slot is freed. It must
 * never leave a context open after the stream is gone, keep a stream open
 * on a context that is gone, or queue requests or answers without bound.
 */
import { AuxError, isAuxError, type Logger } from '@auxctl/core';
import type { SessionRequest, SessionResponse } from '@auxctl/proto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { DeviceFleet } from '../devices/device-fleet.js';
import { type DeviceLossWatch, watchDeviceLoss } from '../dumps/device-loss.js';
import type { CallContext } from '../grpc/call-context.js';
import { requestOf } from '../grpc/request-guard.js';
import type { FwCommandObserver } from '../metrics/metered-channel.js';
import { type AuthorizedContext, openAuthorized } from './ctl-access.js';

/** SessionLimits: per-session bounds. */
export interface SessionLimits {
  /** RPCs of one session running at once (default 16). */
  readonly maxInFlight: number;
  /** Takes one token of the principal's rate limit per RPC on the device; throws EBUSY (audited) when empty. */
  readonly admitRpc?: (device: string) => void;
}

type Duplex = ServerDuplexStream<SessionRequest, SessionResponse>;

/** runSession: serve one Session stream; resolves when it is over and its context closed. */
export function runSession(
  call: Duplex,
  cctx: CallContext,
  fleet: DeviceFleet,
  limits: SessionLimits,
  log: Logger,
  fw?: FwCommandObserver,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let opened: AuthorizedContext | undefined;
    let opening = false;
    let ended = false;
    let finished = false;
    let writeBlocked = false;
    let loss: DeviceLossWatch | undefined;
    const inFlight = new Set<number>();

    const flowControl = (): void => {
      if (finished) return;
      const full = inFlight.size >= limits.maxInFlight || writeBlocked || opening;
      if (full) call.pause();
      else call.resume();
    };
    const write = (msg: SessionResponse): void => {
      if (finished || cctx.cancel.aborted) return;
      if (!call.write(msg)) {
        writeBlocked = true;
        flowControl();
        call.once('drain', () => {
          writeBlocked = false;
          flowControl();
        });
      }
    };
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      loss?.stop();
      call.removeListener('data', onData);
      const done = opened ? opened.ctx.close() : Promise.resolve();
      done.then(
        () => (err === undefined ? resolve() : reject(err)),
        (closeErr: unknown) => reject(err ?? closeErr),
      );
    };
    const maybeDone = (): void => {
      if (ended && inFlight.size === 0 && !opening) finish();
    };

    const onOpen = (req: Extract<SessionRequest['kind'], { $case: 'open' }>['open']): void => {
      opening = true;
      flowControl();
      openAuthorized(fleet, cctx, req.device, req.scope, fw).then(
        (a) => {
          opening = false;
          opened = a;
          if (finished || cctx.cancel.aborted) {
            // The stream went away while opening: the context must not outlive it.
            void a.ctx.close();
            return;
          }
          loss = watchDeviceLoss(a.core, a.ctx.signal);
          if (loss.signal.aborted) {
            finish(loss.signal.reason);
            return;
          }
          loss.signal.addEventListener('abort', () => finish(loss?.signal.reason), { once: true });
          const info = a.ctx.info();
          write({
            kind: {
              $case: 'info',
              info: {
                uid: info.uid,
                uctxCap: info.uctxCap,
                devUctxCap: info.devUctxCap,
                ucap: info.ucap,
                tainted: [...info.tainted],
                maxInFlight: limits.maxInFlight,
              },
            },
          });
          flowControl();
          maybeDone();
        },
        (err: unknown) => {
          opening = false;
          finish(err);
        },
      );
    };

    const onRpc = (rpc: Extract<SessionRequest['kind'], { $case: 'rpc' }>['rpc']): void => {
      const id = rpc.requestId;
      const fail = (code: string, message: string): void =>
        write({ kind: { $case: 'error', error: { requestId: id, code, message } } });
      if (inFlight.has(id)) {
        fail('EINVAL', `request id ${id} is already outstanding; use a fresh id per RPC`);
        return;
      }
      const a = opened;
      if (!a) {
        fail('EINVAL', 'send RPCs only after the session info arrived');
        return;
      }
      try {
        limits.admitRpc?.(a.ctx.coreDevice);
      } catch (err) {
        // Only this RPC is refused (EBUSY -> RESOURCE_EXHAUSTED); the session goes on.
        fail(isAuxError(err) ? err.code : 'EIO', isAuxError(err) ? err.message : 'internal error');
        return;
      }
      inFlight.add(id);
      flowControl();
      a.channel
        .rpc({ scope: a.scope, inbox: rpc.inbox, outLen: rpc.outLen })
        .then(
          (outbox) => write({ kind: { $case: 'result', result: { requestId: id, outbox } } }),
          (err: unknown) => {
            if (isAuxError(err)) fail(err.code, err.message);
            else {
              log.error({ err, requestId: id }, 'session rpc failed unexpectedly');
              fail('EIO', 'internal error');
            }
          },
        )
        .finally(() => {
          inFlight.delete(id);
          flowControl();
          maybeDone();
        });
    };

    function onData(raw: SessionRequest): void {
      if (finished) return;
      let msg: SessionRequest;
      try {
        msg = requestOf(raw);
      } catch (err) {
        finish(err);
        return;
      }
      const kind = msg.kind;
      if (opened === undefined && !opening) {
        if (kind?.$case !== 'open') {
          finish(new AuxError('EINVAL', 'the first Session message must be "open"'));
          return;
        }
        onOpen(kind.open);
        return;
      }
      if (kind?.$case !== 'rpc') {
        finish(new AuxError('EINVAL', 'after "open", a Session takes only "rpc" messages'));
        return;
      }
      onRpc(kind.rpc);
    }

    call.on('data', onData);
    call.on('end', () => {
      ended = true;
      maybeDone();
    });
    call.on('error', () => finish());
    if (cctx.cancel.aborted) finish();
    else cctx.cancel.signal.addEventListener('abort', () => finish(), { once: true });
  });
}

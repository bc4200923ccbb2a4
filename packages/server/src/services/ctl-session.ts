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
 *
 * `umem_reg`, `umem_read` and `umem_unreg` (session-umem.ts) are requests
 * like RPCs: request ids, the in-flight bound and error answers are shared;
 * a read's chunks go out one at a time, each after the transport took the
 * one before.
 */

import type { Logger } from '@auxctl/core';
import { AuxError, isAuxError } from '@auxctl/prm';
import type { SessionRequest, SessionResponse } from '@auxctl/proto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { type DeviceLossWatch, watchDeviceLoss } from '../devices/device-loss.js';
import type { DeviceSources } from '../devices/device-sources.js';
import type { CallContext } from '../grpc/call-context.js';
import { requestOf } from '../grpc/request-guard.js';
import type { FwCommandObserver } from '../metrics/metered-channel.js';
import { type AuthorizedContext, openAuthorized } from './ctl-access.js';
import { SessionUmems } from './session-umem.js';

/** SessionLimits: per-session bounds. */
export interface SessionLimits {
  /** RPCs of one session running at once (default 16). */
  readonly maxInFlight: number;
  /** Takes one token of the principal's rate limit per RPC on the device; throws EBUSY (audited) when empty. */
  readonly admitRpc?: (device: string) => void;
}

type Duplex = ServerDuplexStream<SessionRequest, SessionResponse>;
type Kind = NonNullable<SessionRequest['kind']>;
type UmemKind = Extract<Kind, { $case: 'umemReg' | 'umemRead' | 'umemUnreg' }>;
type Fail = (code: string, message: string) => void;

/** runSession: serve one Session stream; resolves when it is over and its context closed. */
export function runSession(
  call: Duplex,
  cctx: CallContext,
  devices: DeviceSources,
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
    let umems: SessionUmems | undefined;
    const inFlight = new Set<number>();
    /** Writes waiting for the transport to take them (umem chunks); settled false at the end. */
    const flushWaiters = new Set<(taken: boolean) => void>();

    const flowControl = (): void => {
      if (finished) return;
      const full = inFlight.size >= limits.maxInFlight || writeBlocked || opening;
      if (full) call.pause();
      else call.resume();
    };
    /** write: send `msg` (false: the session is over, nothing sent); `flushed` once the transport took it. */
    const write = (msg: SessionResponse, flushed?: () => void): boolean => {
      if (finished || cctx.cancel.aborted) return false;
      // One drain listener at a time: while blocked, the one already waiting unblocks.
      if (!call.write(msg, flushed) && !writeBlocked) {
        writeBlocked = true;
        flowControl();
        call.once('drain', () => {
          writeBlocked = false;
          flowControl();
        });
      }
      return true;
    };
    /** writeFlushed: write `msg`; true once the transport took it, false when the session ended first. */
    const writeFlushed = (msg: SessionResponse): Promise<boolean> =>
      new Promise((resolve) => {
        const settle = (taken: boolean): void => {
          if (flushWaiters.delete(settle)) resolve(taken);
        };
        flushWaiters.add(settle);
        if (!write(msg, () => settle(!finished))) settle(false);
      });
    const finish = (err?: unknown): void => {
      if (finished) return;
      finished = true;
      loss?.stop();
      umems?.forget();
      for (const settle of [...flushWaiters]) settle(false);
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
      openAuthorized(devices, cctx, req.device, req.scope, fw).then(
        (a) => {
          opening = false;
          opened = a;
          if (finished || cctx.cancel.aborted) {
            // The stream went away while opening: the context must not outlive it.
            void a.ctx.close();
            return;
          }
          loss = watchDeviceLoss(a.device, a.ctx.signal);
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

    /** failer: how request `id` is answered when it fails (an `error` with its id). */
    const failer =
      (id: number): Fail =>
      (code, message) =>
        write({ kind: { $case: 'error', error: { requestId: id, code, message } } });

    /**
     * admit: the open context for request `id` — after the duplicate-id and
     * session-opened checks and, for a request that sends firmware commands,
     * the principal's rate limit — or undefined once `fail` answered it.
     */
    const admit = (id: number, fail: Fail, firmware: boolean): AuthorizedContext | undefined => {
      if (inFlight.has(id)) {
        fail('EINVAL', `request id ${id} is already outstanding; use a fresh id per RPC`);
        return undefined;
      }
      const a = opened;
      if (!a) {
        fail('EINVAL', 'send RPCs only after the session info arrived');
        return undefined;
      }
      if (!firmware) return a;
      try {
        limits.admitRpc?.(a.ctx.coreDevice);
      } catch (err) {
        // Only this RPC is refused (EBUSY -> RESOURCE_EXHAUSTED); the session goes on.
        fail(isAuxError(err) ? err.code : 'EIO', isAuxError(err) ? err.message : 'internal error');
        return undefined;
      }
      return a;
    };

    /** track: run `work` as request `id` in flight; a failure is the request's `error` answer. */
    const track = (id: number, fail: Fail, work: () => Promise<void>): void => {
      inFlight.add(id);
      flowControl();
      work()
        .catch((err: unknown) => {
          if (isAuxError(err)) fail(err.code, err.message);
          else {
            log.error({ err, requestId: id }, 'session request failed unexpectedly');
            fail('EIO', 'internal error');
          }
        })
        .finally(() => {
          inFlight.delete(id);
          flowControl();
          maybeDone();
        });
    };

    const onRpc = (rpc: Extract<Kind, { $case: 'rpc' }>['rpc']): void => {
      const id = rpc.requestId;
      const fail = failer(id);
      const a = admit(id, fail, true);
      if (!a) return;
      track(id, fail, async () => {
        const outbox = await a.channel.rpc({
          scope: a.scope,
          inbox: rpc.inbox,
          outLen: rpc.outLen,
        });
        write({ kind: { $case: 'result', result: { requestId: id, outbox } } });
      });
    };

    /** onUmem: umem_reg / umem_read / umem_unreg (see session-umem.ts), tracked like RPCs. */
    const onUmem = (kind: UmemKind): void => {
      const id =
        kind.$case === 'umemReg'
          ? kind.umemReg.requestId
          : kind.$case === 'umemRead'
            ? kind.umemRead.requestId
            : kind.umemUnreg.requestId;
      const fail = failer(id);
      const a = admit(id, fail, kind.$case !== 'umemRead');
      if (!a) return;
      umems ??= new SessionUmems(a.channel, a.scope, a.ctx);
      const u = umems;
      track(id, fail, async () => {
        if (kind.$case === 'umemReg') {
          const umem = await u.register(kind.umemReg.bytes);
          write({ kind: { $case: 'umem', umem: { requestId: id, ...umem } } });
        } else if (kind.$case === 'umemRead') {
          await u.read(kind.umemRead, (chunk) =>
            writeFlushed({ kind: { $case: 'umemChunk', umemChunk: { requestId: id, ...chunk } } }),
          );
        } else {
          const { umemId } = kind.umemUnreg;
          await u.unregister(umemId);
          write({
            kind: { $case: 'umemUnregistered', umemUnregistered: { requestId: id, umemId } },
          });
        }
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
      switch (kind?.$case) {
        case 'rpc':
          onRpc(kind.rpc);
          return;
        case 'umemReg':
        case 'umemRead':
        case 'umemUnreg':
          onUmem(kind);
          return;
        default:
          finish(
            new AuxError(
              'EINVAL',
              'after "open", a Session takes "rpc", "umem_reg", "umem_read" and "umem_unreg" messages',
            ),
          );
      }
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

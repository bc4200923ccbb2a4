/**
 * DeviceLoss: notices that a device stopped being usable (fatal firmware
 * error, reload, recovery, removal, close) while a dump is captured or
 * streamed, or while a Session holds a context on it, so the call ends with
 * ENODEV (UNAVAILABLE) instead of hanging on, or answering ENODEV from, a
 * device that will answer nothing.
 *
 * A fatal error leaves a ctl context open until recovery detaches it, so
 * the device's events are watched; a context can also be revoked while its
 * core stays up (the ctl driver unbound, a reload done between two looks),
 * so a watch may also follow the context's own revocation signal
 * (`CtlContext.signal`). Either one aborts the watch, once.
 *
 * Owns one subscription to a device's events per watch (the ENODEV of a
 * device that is not up is device-up.ts's `notUpError`).
 * Never: acts on the device itself; it only reports, and its subscription
 * ends with `stop()`.
 */

import type { CoreEvent } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type { ServedDevice } from '../sources/device-source.js';
import { notUpError } from './device-up.js';

/** WatchedDevice: what a loss watch reads of a device. */
export type WatchedDevice = Pick<ServedDevice, 'name' | 'state' | 'events'>;

/** DeviceLossWatch: an AbortSignal that fires with an ENODEV reason when the device is lost. */
export interface DeviceLossWatch {
  readonly signal: AbortSignal;
  /** Unsubscribe; idempotent. */
  stop(): void;
}

/** lossOf: the ENODEV a lost device reports, or undefined when `event` does not end its usability. */
function lossOf(device: string, event: CoreEvent): AuxError | undefined {
  if (event.type === 'health' && event.reporter === 'fw_fatal') {
    return new AuxError(
      'ENODEV',
      `device ${device} hit a fatal firmware error (${event.description}); retry after it recovers`,
    );
  }
  if (event.type === 'state' && event.state !== 'up') {
    return new AuxError(
      'ENODEV',
      `device ${device} went ${event.state}; retry after it is up again`,
    );
  }
  return undefined;
}

/**
 * watchDeviceLoss: watch `device` and, when given, the `revoked` signal of a
 * context on it (its reason becomes the watch's); the signal is already
 * aborted when the device is not up or the context revoked now.
 */
export function watchDeviceLoss(device: WatchedDevice, revoked?: AbortSignal): DeviceLossWatch {
  const abort = new AbortController();
  const down = notUpError(device) ?? (revoked?.aborted ? revocationError(revoked) : undefined);
  if (down) {
    abort.abort(down);
    return { signal: abort.signal, stop: () => {} };
  }
  const unsubscribe = device.events.subscribe((event) => {
    const lost = lossOf(device.name, event);
    if (lost && !abort.signal.aborted) abort.abort(lost);
  });
  const onRevoked = (): void => {
    if (revoked && !abort.signal.aborted) abort.abort(revocationError(revoked));
  };
  revoked?.addEventListener('abort', onRevoked, { once: true });
  return {
    signal: abort.signal,
    stop: () => {
      unsubscribe();
      revoked?.removeEventListener('abort', onRevoked);
    },
  };
}

/** revocationError: the ENODEV a revoked context's signal carries. */
function revocationError(revoked: AbortSignal): AuxError {
  const reason: unknown = revoked.reason;
  return reason instanceof AuxError
    ? reason
    : new AuxError('ENODEV', 'the device context was revoked; open a new one');
}

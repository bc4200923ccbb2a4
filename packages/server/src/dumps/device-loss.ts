/**
 * DeviceLoss: notices that a device stopped being usable (fatal firmware
 * error, reload, recovery, removal, close) while a dump is captured or
 * streamed, so the call ends with ENODEV (UNAVAILABLE) instead of hanging on
 * a device that will answer nothing.
 *
 * Owns one subscription to a core's events per watch, and the ENODEV of a
 * device that is not up (`notUpError`, which the capture reports too).
 * Never: acts on the device itself; it only reports, and its subscription
 * ends with `stop()`.
 */
import { AuxError, type CoreDevice, type CoreEvent } from '@auxctl/core';

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

/** notUpError: the ENODEV of `core` when it is not up now (fatal, recovering, removed), else undefined. */
export function notUpError(core: CoreDevice): AuxError | undefined {
  if (core.state === 'up') return undefined;
  return new AuxError('ENODEV', `device ${core.name} is ${core.state}; retry after it is up again`);
}

/** watchDeviceLoss: watch `core`; the signal is already aborted when the core is not up now. */
export function watchDeviceLoss(core: CoreDevice): DeviceLossWatch {
  const abort = new AbortController();
  const down = notUpError(core);
  if (down) {
    abort.abort(down);
    return { signal: abort.signal, stop: () => {} };
  }
  const unsubscribe = core.events.subscribe((event) => {
    const lost = lossOf(core.name, event);
    if (lost && !abort.signal.aborted) abort.abort(lost);
  });
  return { signal: abort.signal, stop: unsubscribe };
}

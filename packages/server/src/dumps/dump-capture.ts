/**
 * Dump capture: one firmware dump (coredump or resource dump) taken through
 * a ctl context of its own, opened with sys_admin (TOOLS_RESOURCES) and
 * closed whatever happens.
 *
 * A capture stops early when the call is cancelled or the device is lost:
 * closing the context makes its in-flight command fail, and closing
 * destroys what the dump created (PD, umem, mkey), so the firmware's object
 * counts return to where they were. A failure while the device is not up
 * (fatal error, recovery, removal) is ENODEV whatever the command reported.
 *
 * A device whose source takes its coredump on the host (a Linux fwctl
 * device: devlink health) has it taken there (`captureOnHost`), and a mode
 * the device's source cannot do is refused with EOPNOTSUPP saying why.
 *
 * Owns the context's lifetime, the mode choice and the segment lookup by name. Never: keeps
 * a context or dump bytes after returning, or opens a context for a caller
 * the policy has not allowed (the caller authorizes first).
 */

import {
  type CtlChannel,
  coredump,
  INLINE_PIECE_MAX,
  resourceDump,
  resourceDumpMenu,
} from '@auxctl/ctl-aux';
import { AuxError, isAuxError, SegmentType } from '@auxctl/prm';
import { notUpError } from '../devices/device-up.js';
import { type FwCommandObserver, meteredChannel } from '../metrics/metered-channel.js';
import type { HostCoredump, ServedDevice } from '../sources/device-source.js';
import type { CaptureMode, ContextMode } from './dump-frames.js';

/** CapturedDump: the bytes of one capture and how it was taken. */
export interface CapturedDump {
  readonly data: Buffer;
  readonly mode: CaptureMode;
}

/** CaptureTarget: where and for whom to capture. */
export interface CaptureTarget {
  readonly device: ServedDevice;
  readonly principal: string;
  /** Aborted when the call is cancelled (reason: an AuxError, else ECANCELED). */
  readonly signal: AbortSignal;
  /** Receives the capture's firmware RPCs (metrics). */
  readonly fw?: FwCommandObserver;
}

/** abortErrorOf: the AuxError a call ends with once `signal` fired. */
export function abortErrorOf(signal: AbortSignal): AuxError {
  const reason: unknown = signal.reason;
  return reason instanceof AuxError ? reason : new AuxError('ECANCELED', 'the call was cancelled');
}

/**
 * contextMode: the mode to take a dump of `device` through a ctl context:
 * `asked`, or the device's default when nothing was asked; EOPNOTSUPP for a
 * mode its source cannot do.
 */
export function contextMode(device: ServedDevice, asked: CaptureMode | undefined): ContextMode {
  const { modes, why } = device.dumps;
  const mode = asked ?? modes[0];
  if (mode !== undefined && mode !== 'host' && modes.includes(mode)) return mode;
  const reason =
    mode === 'host'
      ? 'host dumps are the coredumps of Linux fwctl devices'
      : (why ?? `its source offers ${modes.join(', ') || 'no'} dumps`);
  throw new AuxError(
    'EOPNOTSUPP',
    `${mode ?? 'no'} dumps are not available on ${device.name}: ${reason}`,
  );
}

/** captureOnHost: the coredump `host` takes for `t.device`, outside any ctl context. */
export async function captureOnHost(t: CaptureTarget, host: HostCoredump): Promise<CapturedDump> {
  if (t.signal.aborted) throw abortErrorOf(t.signal);
  try {
    return { data: await host.take(t.signal), mode: 'host' };
  } catch (err) {
    if (t.signal.aborted) throw abortErrorOf(t.signal);
    throw err;
  }
}

/** captureWith: run `take` on a fresh sys_admin context of `t.device`; see the module header. */
export async function captureWith(
  t: CaptureTarget,
  take: (ch: CtlChannel) => Promise<CapturedDump>,
): Promise<CapturedDump> {
  const { device } = t;
  if (t.signal.aborted) throw abortErrorOf(t.signal);
  // open refuses a device that is not up (ENODEV).
  const ctx = await device.open({
    principal: t.principal,
    caps: { sys_admin: true },
  });
  const stop = (): void => {
    void ctx.close();
  };
  t.signal.addEventListener('abort', stop, { once: true });
  try {
    return await take(meteredChannel(ctx, device.name, t.fw));
  } catch (err) {
    if (t.signal.aborted) throw abortErrorOf(t.signal);
    const lost = notUpError(device);
    if (lost && !isAuxError(err, 'ENODEV')) throw lost;
    throw err;
  } finally {
    t.signal.removeEventListener('abort', stop);
    await ctx.close();
  }
}

/**
 * takeCoredump: the device's crdump, in `mode`. Inline reads take the
 * largest piece a command carries, so a dump costs a few commands, not
 * thousands of register-sized ones.
 */
export function takeCoredump(mode: ContextMode): (ch: CtlChannel) => Promise<CapturedDump> {
  return async (ctx) => {
    const r = await coredump(ctx, {
      mode,
      ...(mode === 'inline' && { pieceBytes: INLINE_PIECE_MAX }),
    });
    return { data: r.data, mode: r.mode };
  };
}

/** SegmentChoice: which resource dump segment, as the request names it. */
export type SegmentChoice =
  | { readonly $case: 'segmentName'; readonly segmentName: string }
  | { readonly $case: 'segmentType'; readonly segmentType: number }
  | undefined;

/** ResourceDumpTarget: what to dump; counts of 0 mean every object. */
export interface ResourceDumpTarget {
  readonly segment: SegmentChoice;
  readonly index1: number;
  readonly index2: number;
  readonly numOfObj1: number;
  readonly numOfObj2: number;
}

function checkField(name: string, v: number, max: number): void {
  if (!Number.isSafeInteger(v) || v < 0 || v > max) {
    throw new AuxError('EINVAL', `${name} must be 0..${max}, got ${v}`);
  }
}

/** checkResourceDumpTarget: EINVAL for fields the RESOURCE_DUMP register cannot carry. */
export function checkResourceDumpTarget(t: ResourceDumpTarget): void {
  if (t.segment?.$case === 'segmentType') checkField('segment_type', t.segment.segmentType, 0xffff);
  if (t.segment?.$case === 'segmentName' && t.segment.segmentName.length === 0) {
    throw new AuxError('EINVAL', 'segment_name is empty; name a segment from the menu dump');
  }
  checkField('index1', t.index1, 0xffff_ffff);
  checkField('index2', t.index2, 0xffff_ffff);
  checkField('num_of_obj1', t.numOfObj1, 0xffff);
  checkField('num_of_obj2', t.numOfObj2, 0xffff);
}

/** segmentTypeOf: the segment type the request names; a name is looked up in the device's menu. */
async function segmentTypeOf(
  ctx: CtlChannel,
  segment: SegmentChoice,
  mode: ContextMode,
): Promise<number> {
  if (segment === undefined) return SegmentType.MENU;
  if (segment.$case === 'segmentType') return segment.segmentType;
  const menu = await resourceDumpMenu(ctx, mode);
  const want = segment.segmentName.toUpperCase();
  const hit = menu.find((e) => e.segmentName.toUpperCase() === want);
  if (!hit) {
    const names = menu.map((e) => e.segmentName).join(', ');
    throw new AuxError(
      'EINVAL',
      `the device offers no segment named ${JSON.stringify(segment.segmentName.slice(0, 64))}; its menu has ${names}`,
    );
  }
  return hit.segmentType;
}

/** takeResourceDump: one resource dump stream of `t`, in `mode`. */
export function takeResourceDump(
  t: ResourceDumpTarget,
  mode: ContextMode,
): (ch: CtlChannel) => Promise<CapturedDump> {
  return async (ctx) => {
    const segmentType = await segmentTypeOf(ctx, t.segment, mode);
    const r = await resourceDump(ctx, {
      segmentType,
      index1: t.index1,
      index2: t.index2,
      numOfObj1: t.numOfObj1,
      numOfObj2: t.numOfObj2,
      mode,
    });
    return { data: r.stream, mode };
  };
}

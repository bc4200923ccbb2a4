/**
 * DumpService: CtlService.Coredump, ResourceDump and HealthDump — capture a
 * dump once into the DumpStore, then stream it from there; or resume a
 * stored dump from an offset. A health dump is the reporter's, read by the
 * host (mode HOST), not through a ctl context.
 *
 * Order of a fresh dump: check the request, authorize the device at
 * DEBUG_READ_ONLY (CORE_DUMP and RESOURCE_DUMP are ACCESS_REG reads, which
 * ctl-aux allows at that scope), take a slot of the concurrent-dump limits
 * (EBUSY), capture through a context of its own (closed before streaming),
 * store (kind, device, firmware version, owner: the capturing principal),
 * stream. A dump id is not a password: a resume is served only to the
 * principal that captured the dump, or to one the policy allows
 * RESUME_ANY_DUMP on the dump's device; anyone else gets the very answer
 * an unknown id gets (ENOENT, NOT_FOUND), so a refusal reveals neither the
 * dump nor its device, and the audit log records the truth. The owner's
 * resume is then authorized against the stored dump's device; an id of
 * another kind is as unknown as a missing one. The slot is held for the
 * whole call, streaming included. A fatal error, reload or removal of the
 * device while a dump is captured or streamed ends the call with ENODEV
 * (UNAVAILABLE). A download counts as delivered (the `dump delivered` log
 * line and metric) only once the transport took its trailer.
 *
 * Owns the concurrent-dump limits, dump ownership and the capture mode of
 * stored dumps. Never: opens a context before the policy allowed the call,
 * or returns with a context, a store pin, a limiter slot or an event
 * subscription held.
 */

import { type Logger, printable, silentLogger } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type {
  CoredumpRequest,
  DumpResume,
  HealthDumpRequest,
  HealthReporterName,
  ResourceDumpRequest,
} from '@auxctl/proto';
import { type DeviceLossWatch, watchDeviceLoss } from '../devices/device-loss.js';
import type { DeviceSources } from '../devices/device-sources.js';
import type { DumpEntry, DumpKind, DumpReader, DumpStore } from '../dump-store/index.js';
import { authorizeTarget, type CallContext } from '../grpc/call-context.js';
import type { ConcurrencyLimiter } from '../limits/index.js';
import type { FwCommandObserver } from '../metrics/metered-channel.js';
import { type PolicyDecision, type PolicyRequest, RESUME_ANY_DUMP } from '../policy/index.js';
import type { ServedDevice } from '../sources/device-source.js';
import {
  type CapturedDump,
  type CaptureTarget,
  captureOnHost,
  captureWith,
  checkResourceDumpTarget,
  contextMode,
  takeCoredump,
  takeResourceDump,
} from './dump-capture.js';
import { type CaptureMode, captureModeOf } from './dump-frames.js';
import { DumpStreamer, type FrameSink } from './dump-streamer.js';

/** DumpServiceOptions: the devices, where dumps are kept and how many may run at once. */
export interface DumpServiceOptions {
  readonly devices: DeviceSources;
  readonly store: DumpStore;
  /** Concurrent dump calls per principal and in total. */
  readonly limiter: ConcurrencyLimiter;
  readonly logger?: Logger;
  /** Decides RESUME_ANY_DUMP (resuming another principal's dump); without it only owners resume. */
  readonly policy?: { evaluate(req: PolicyRequest): PolicyDecision };
  /** Receives capture RPCs and streamed bytes (metrics). */
  readonly metrics?: DumpMetrics;
}

/** DumpMetrics: what the dump service reports. */
export interface DumpMetrics extends FwCommandObserver {
  /** `bytes` of dump data of `kind` the transport took for a client. */
  dumpBytes(kind: DumpKind, bytes: number): void;
  /** One download of `kind` delivered: the transport took its trailer. */
  dumpDelivered(kind: DumpKind): void;
}

type Capture = (t: CaptureTarget) => Promise<CapturedDump>;

/**
 * DumpPlan: what a checked and authorized call streams: a stored dump (its
 * reader already open at the resume offset), or one to capture on a core.
 */
type DumpPlan =
  | { readonly device: string; readonly reader: DumpReader }
  | { readonly target: ServedDevice; readonly capture: Capture };

interface DumpCall {
  readonly kind: DumpKind;
  readonly device: string;
  readonly chunkSize: number;
  readonly resume: DumpResume | undefined;
  /** Checks the fresh-capture fields (before authorization) and returns the capture. */
  readonly prepare: () => Capture;
  /**
   * The dump needs no firmware (the host holds it): a device in error or
   * reloading does not end the call, which is when a health dump matters.
   */
  readonly hostHeld?: true;
}

/** DumpService: see the module header. */
export class DumpService {
  readonly store: DumpStore;
  readonly streams = new DumpStreamer();
  private readonly devices: DeviceSources;
  private readonly limiter: ConcurrencyLimiter;
  private readonly log: Logger;
  private readonly policy: DumpServiceOptions['policy'];
  private readonly metrics: DumpMetrics | undefined;
  private readonly modes = new WeakMap<DumpEntry, CaptureMode>();

  constructor(opts: DumpServiceOptions) {
    this.devices = opts.devices;
    this.store = opts.store;
    this.limiter = opts.limiter;
    this.log = opts.logger ?? silentLogger;
    this.policy = opts.policy;
    this.metrics = opts.metrics;
  }

  /** inUse: dump calls running now (all principals). */
  get inUse(): number {
    return this.limiter.inUse();
  }

  /** coredump: serve one Coredump call on `sink`. */
  coredump(sink: FrameSink, call: CallContext, req: CoredumpRequest): Promise<void> {
    return this.serve(sink, call, {
      kind: 'coredump',
      device: req.device,
      chunkSize: req.chunkSize,
      resume: req.resume,
      prepare: () => {
        const asked = captureModeOf(req.mode);
        return (t) => {
          const host = t.device.dumps.hostCoredump;
          if (host && (asked === undefined || asked === 'host')) return captureOnHost(t, host);
          return captureWith(t, takeCoredump(contextMode(t.device, asked)));
        };
      },
    });
  }

  /** resourceDump: serve one ResourceDump call on `sink`. */
  resourceDump(sink: FrameSink, call: CallContext, req: ResourceDumpRequest): Promise<void> {
    return this.serve(sink, call, {
      kind: 'resource-dump',
      device: req.device,
      chunkSize: req.chunkSize,
      resume: req.resume,
      prepare: () => {
        const asked = captureModeOf(req.mode);
        const target = {
          segment: req.segment,
          index1: req.index1,
          index2: req.index2,
          numOfObj1: req.numOfObj1,
          numOfObj2: req.numOfObj2,
        };
        checkResourceDumpTarget(target);
        return (t) => captureWith(t, takeResourceDump(target, contextMode(t.device, asked)));
      },
    });
  }

  /** healthDump: serve one HealthDump call on `sink` (the reporter's dump, taken by the host). */
  healthDump(sink: FrameSink, call: CallContext, req: HealthDumpRequest): Promise<void> {
    return this.serve(sink, call, {
      kind: 'health-dump',
      device: req.device,
      chunkSize: req.chunkSize,
      resume: req.resume,
      hostHeld: true,
      prepare: () => (t) => captureOnHost(t, { take: () => healthDumpOf(t.device, req.reporter) }),
    });
  }

  private async serve(sink: FrameSink, call: CallContext, d: DumpCall): Promise<void> {
    const plan = d.resume ? this.resumePlan(call, d, d.resume) : this.freshPlan(call, d);
    const principal = call.principal ?? '';
    let release: () => void;
    try {
      release = this.limiter.acquire(principal);
    } catch (err) {
      if ('reader' in plan) plan.reader.close();
      throw err;
    }
    let loss: DeviceLossWatch | undefined;
    try {
      if (!d.hostHeld) {
        loss = watchDeviceLoss('target' in plan ? plan.target : this.devices.device(plan.device));
      }
      const signal = loss ? AbortSignal.any([call.cancel.signal, loss.signal]) : call.cancel.signal;
      const reader =
        'reader' in plan
          ? plan.reader
          : this.store.read(
              (await this.capture(plan.target, plan.capture, d.kind, principal, signal)).id,
              0,
              d.chunkSize || undefined,
            );
      const m = this.metrics;
      const entry = reader.entry;
      const from = reader.offset;
      await this.streams.stream(sink, reader, this.modes.get(entry) ?? 'umem', signal, {
        ...(m && { onChunk: (bytes: number) => m.dumpBytes(d.kind, bytes) }),
        onDelivered: () => {
          m?.dumpDelivered(d.kind);
          this.log.info(
            {
              dumpId: entry.id,
              kind: d.kind,
              device: entry.device,
              from,
              size: entry.size,
              principal,
            },
            'dump delivered',
          );
        },
      });
    } finally {
      loss?.stop();
      release();
      // The streamer closes the reader it was given; this covers a call that never got there.
      if ('reader' in plan) plan.reader.close();
    }
  }

  private freshPlan(call: CallContext, d: DumpCall): DumpPlan {
    const capture = d.prepare();
    // Authorized before the lookup: a refused caller learns nothing of which devices exist.
    authorizeTarget(call, { device: d.device, scope: 'DEBUG_READ_ONLY' });
    return { target: this.devices.device(d.device), capture };
  }

  private resumePlan(call: CallContext, d: DumpCall, resume: DumpResume): DumpPlan {
    const entry = this.stored(resume.dumpId, d.kind);
    this.checkOwner(call, entry);
    authorizeTarget(call, { device: entry.device, scope: 'DEBUG_READ_ONLY' });
    // A bad offset fails here, before a slot is taken; the reader is the one streamed.
    const reader = this.store.read(entry.id, resume.offset, d.chunkSize || undefined);
    return { device: entry.device, reader };
  }

  private async capture(
    target: ServedDevice,
    capture: Capture,
    kind: DumpKind,
    principal: string,
    signal: AbortSignal,
  ): Promise<DumpEntry> {
    const got = await capture({
      device: target,
      principal,
      signal,
      ...(this.metrics && { fw: this.metrics }),
    });
    const device = target.name;
    const entry = this.store.put({
      device,
      kind,
      fwVersion: target.fwVersion,
      owner: principal,
      data: got.data,
      // captureWith closed the capture's context (its umem with it): the buffer is ours alone.
      handOver: true,
    });
    this.modes.set(entry, got.mode);
    this.log.info(
      { dumpId: entry.id, kind, device, size: entry.size, mode: got.mode, principal },
      'dump captured',
    );
    return entry;
  }

  private stored(id: string, kind: DumpKind): DumpEntry {
    const entry = this.store.get(id);
    if (entry.kind !== kind) throw unknownDump(id);
    return entry;
  }

  /**
   * checkOwner: ENOENT (as for an unknown id) unless the caller captured
   * `entry` or the policy allows it RESUME_ANY_DUMP on the dump's device;
   * a refusal is audited (the call's `refuse`: a refusal line with the
   * dump's device, id and owner).
   */
  private checkOwner(call: CallContext, entry: DumpEntry): void {
    const principal = call.principal;
    if (principal !== undefined && principal === entry.owner) return;
    const decision =
      principal === undefined
        ? undefined
        : this.policy?.evaluate({
            principal,
            method: RESUME_ANY_DUMP,
            device: entry.device,
            scope: 'DEBUG_READ_ONLY',
          });
    if (decision?.allowed) return;
    call.refuse?.({
      kind: 'authorization',
      device: entry.device,
      scope: 'DEBUG_READ_ONLY',
      code: 'NOT_FOUND',
      errno: 'ENOENT',
      cause: decision?.reason ?? 'no policy',
      reason: `the dump was captured by another principal and ${RESUME_ANY_DUMP} is not granted on its device; answered as an unknown id`,
      detail: { dumpId: entry.id, owner: entry.owner },
    });
    throw unknownDump(entry.id);
  }
}

/** unknownDump: the one answer for an id that is unknown, expired, of another kind or not the caller's. */
function unknownDump(id: string): AuxError {
  return new AuxError('ENOENT', `dump "${printable(id)}" is unknown or expired; capture it again`);
}

/** healthDumpOf: reporter `name`'s dump of `device`; EOPNOTSUPP for a source without reporters. */
function healthDumpOf(device: ServedDevice, name: HealthReporterName): Promise<Buffer> {
  if (!device.healthDump) {
    return Promise.reject(new AuxError('EOPNOTSUPP', `${device.name} has no health reporters`));
  }
  return device.healthDump(name);
}

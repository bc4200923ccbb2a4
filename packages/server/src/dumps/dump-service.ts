/**
 * DumpService: CtlService.Coredump and CtlService.ResourceDump — capture a
 * dump once into the DumpStore, then stream it from there; or resume a
 * stored dump from an offset.
 *
 * Order of a fresh dump: check the request, authorize the device at
 * DEBUG_READ_ONLY (CORE_DUMP and RESOURCE_DUMP are ACCESS_REG reads, which
 * ctl-aux allows at that scope), take a slot of the concurrent-dump limits
 * (EBUSY), capture through a context of its own (closed before streaming),
 * store (kind, device, firmware version), stream. A resume authorizes
 * against the stored dump's device; an id of another kind is as unknown as
 * a missing one (ENOENT). The slot is held for the whole call, streaming
 * included. A fatal error, reload or removal of the device while a dump is
 * captured or streamed ends the call with ENODEV (UNAVAILABLE).
 *
 * Owns the concurrent-dump limits and the capture mode of stored dumps.
 * Never: opens a context before the policy allowed the call, or returns
 * with a context, a store pin, a limiter slot or an event subscription held.
 */
import { AuxError, type Logger, silentLogger } from '@auxctl/core';
import type { CoredumpRequest, DumpResume, ResourceDumpRequest } from '@auxctl/proto';
import type { DeviceFleet } from '../devices/device-fleet.js';
import type { DumpEntry, DumpKind, DumpStore } from '../dump-store/index.js';
import type { CallContext } from '../grpc/call-context.js';
import type { ConcurrencyLimiter } from '../limits/index.js';
import type { FwCommandObserver } from '../metrics/metered-channel.js';
import { watchDeviceLoss } from './device-loss.js';
import {
  type CapturedDump,
  type CaptureTarget,
  captureWith,
  checkResourceDumpTarget,
  takeCoredump,
  takeResourceDump,
} from './dump-capture.js';
import { type CaptureMode, captureModeOf } from './dump-frames.js';
import { DumpStreamer, type FrameSink } from './dump-streamer.js';

/** DumpServiceOptions: the devices, where dumps are kept and how many may run at once. */
export interface DumpServiceOptions {
  readonly fleet: DeviceFleet;
  readonly store: DumpStore;
  /** Concurrent dump calls per principal and in total. */
  readonly limiter: ConcurrencyLimiter;
  readonly logger?: Logger;
  /** Receives capture RPCs and streamed bytes (metrics). */
  readonly metrics?: DumpMetrics;
}

/** DumpMetrics: what the dump service reports. */
export interface DumpMetrics extends FwCommandObserver {
  /** `bytes` of dump data of `kind` written to a client. */
  dumpBytes(kind: DumpKind, bytes: number): void;
}

type Capture = (t: CaptureTarget) => Promise<CapturedDump>;

/** DumpPlan: what a checked and authorized call streams: a stored dump, or one to capture. */
type DumpPlan =
  | { readonly device: string; readonly offset: number; readonly entry: DumpEntry }
  | { readonly device: string; readonly offset: 0; readonly capture: Capture };

interface DumpCall {
  readonly kind: DumpKind;
  readonly device: string;
  readonly chunkSize: number;
  readonly resume: DumpResume | undefined;
  /** Checks the fresh-capture fields (before authorization) and returns the capture. */
  readonly prepare: () => Capture;
}

/** DumpService: see the module header. */
export class DumpService {
  readonly store: DumpStore;
  readonly streams = new DumpStreamer();
  private readonly fleet: DeviceFleet;
  private readonly limiter: ConcurrencyLimiter;
  private readonly log: Logger;
  private readonly metrics: DumpMetrics | undefined;
  private readonly modes = new WeakMap<DumpEntry, CaptureMode>();

  constructor(opts: DumpServiceOptions) {
    this.fleet = opts.fleet;
    this.store = opts.store;
    this.limiter = opts.limiter;
    this.log = opts.logger ?? silentLogger;
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
        const mode = captureModeOf(req.mode);
        return (t) => captureWith(t, takeCoredump(mode));
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
        const mode = captureModeOf(req.mode);
        const target = {
          segment: req.segment,
          index1: req.index1,
          index2: req.index2,
          numOfObj1: req.numOfObj1,
          numOfObj2: req.numOfObj2,
        };
        checkResourceDumpTarget(target);
        return (t) => captureWith(t, takeResourceDump(target, mode));
      },
    });
  }

  private async serve(sink: FrameSink, call: CallContext, d: DumpCall): Promise<void> {
    const plan = d.resume ? this.resumePlan(call, d.kind, d.resume) : this.freshPlan(call, d);
    const principal = call.principal ?? '';
    const release = this.limiter.acquire(principal);
    const loss = watchDeviceLoss(this.fleet.core(plan.device));
    const signal = AbortSignal.any([call.cancel.signal, loss.signal]);
    try {
      const entry =
        'entry' in plan
          ? plan.entry
          : await this.capture(plan.device, plan.capture, d.kind, principal, signal);
      const reader = this.store.read(entry.id, plan.offset, d.chunkSize || undefined);
      const m = this.metrics;
      await this.streams.stream(
        sink,
        reader,
        this.modes.get(entry) ?? 'umem',
        signal,
        m && ((bytes) => m.dumpBytes(d.kind, bytes)),
      );
    } finally {
      loss.stop();
      release();
    }
  }

  private freshPlan(call: CallContext, d: DumpCall): DumpPlan {
    const capture = d.prepare();
    this.fleet.core(d.device);
    this.authorize(call, d.device);
    return { device: d.device, offset: 0, capture };
  }

  private resumePlan(call: CallContext, kind: DumpKind, resume: DumpResume): DumpPlan {
    const entry = this.stored(resume.dumpId, kind);
    this.authorize(call, entry.device);
    // A bad offset fails here, before a slot is taken.
    this.store.read(entry.id, resume.offset).close();
    return { device: entry.device, offset: resume.offset, entry };
  }

  private async capture(
    device: string,
    capture: Capture,
    kind: DumpKind,
    principal: string,
    signal: AbortSignal,
  ): Promise<DumpEntry> {
    const got = await capture({
      fleet: this.fleet,
      device,
      principal,
      signal,
      ...(this.metrics && { fw: this.metrics }),
    });
    const entry = this.store.put({
      device,
      kind,
      fwVersion: this.fleet.core(device).identity.fwVersion,
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
    if (entry.kind !== kind) {
      throw new AuxError(
        'ENOENT',
        `dump ${JSON.stringify(id.slice(0, 64))} is unknown or expired; capture it again`,
      );
    }
    return entry;
  }

  private authorize(call: CallContext, device: string): void {
    if (!call.authorize || call.principal === undefined) {
      throw new AuxError('EPERM', 'call is not authorized');
    }
    call.authorize({ device, scope: 'DEBUG_READ_ONLY' });
  }
}

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
import { AuxError, type CoreDevice, type Logger, silentLogger } from '@auxctl/core';
import type { CoredumpRequest, DumpResume, ResourceDumpRequest } from '@auxctl/proto';
import type { DeviceFleet } from '../devices/device-fleet.js';
import type { DumpEntry, DumpKind, DumpReader, DumpStore } from '../dump-store/index.js';
import { authorizeTarget, type CallContext } from '../grpc/call-context.js';
import type { ConcurrencyLimiter } from '../limits/index.js';
import type { FwCommandObserver } from '../metrics/metered-channel.js';
import { type DeviceLossWatch, watchDeviceLoss } from './device-loss.js';
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

/**
 * DumpPlan: what a checked and authorized call streams: a stored dump (its
 * reader already open at the resume offset), or one to capture on a core.
 */
type DumpPlan =
  | { readonly device: string; readonly reader: DumpReader }
  | { readonly core: CoreDevice; readonly capture: Capture };

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
      loss = watchDeviceLoss('core' in plan ? plan.core : this.fleet.core(plan.device));
      const signal = AbortSignal.any([call.cancel.signal, loss.signal]);
      const reader =
        'reader' in plan
          ? plan.reader
          : this.store.read(
              (await this.capture(plan.core, plan.capture, d.kind, principal, signal)).id,
              0,
              d.chunkSize || undefined,
            );
      const m = this.metrics;
      await this.streams.stream(
        sink,
        reader,
        this.modes.get(reader.entry) ?? 'umem',
        signal,
        m && ((bytes) => m.dumpBytes(d.kind, bytes)),
      );
    } finally {
      loss?.stop();
      release();
      // The streamer closes the reader it was given; this covers a call that never got there.
      if ('reader' in plan) plan.reader.close();
    }
  }

  private freshPlan(call: CallContext, d: DumpCall): DumpPlan {
    const capture = d.prepare();
    const core = this.fleet.core(d.device);
    authorizeTarget(call, { device: d.device, scope: 'DEBUG_READ_ONLY' });
    return { core, capture };
  }

  private resumePlan(call: CallContext, d: DumpCall, resume: DumpResume): DumpPlan {
    const entry = this.stored(resume.dumpId, d.kind);
    authorizeTarget(call, { device: entry.device, scope: 'DEBUG_READ_ONLY' });
    // A bad offset fails here, before a slot is taken; the reader is the one streamed.
    const reader = this.store.read(entry.id, resume.offset, d.chunkSize || undefined);
    return { device: entry.device, reader };
  }

  private async capture(
    core: CoreDevice,
    capture: Capture,
    kind: DumpKind,
    principal: string,
    signal: AbortSignal,
  ): Promise<DumpEntry> {
    const got = await capture({
      fleet: this.fleet,
      core,
      principal,
      signal,
      ...(this.metrics && { fw: this.metrics }),
    });
    const device = core.name;
    const entry = this.store.put({
      device,
      kind,
      fwVersion: core.identity.fwVersion,
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
}

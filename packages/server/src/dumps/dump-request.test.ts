import { EventEmitter } from 'node:events';
import { AuxError } from '@auxctl/core';
import { DumpMode } from '@auxctl/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DumpStore } from '../dump-store/index.js';
import { checkResourceDumpTarget, type ResourceDumpTarget } from './dump-capture.js';
import { captureModeOf, type DumpFrame, wireModeOf } from './dump-frames.js';
import { DumpStreamer, type FrameSink } from './dump-streamer.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof AuxError) return err.code;
    throw err;
  }
  return undefined;
}

describe('captureModeOf', () => {
  it('maps the known modes and refuses everything else with EINVAL', () => {
    expect(captureModeOf(DumpMode.DUMP_MODE_UNSPECIFIED)).toBe('umem');
    expect(wireModeOf(captureModeOf(DumpMode.DUMP_MODE_UMEM))).toBe(DumpMode.DUMP_MODE_UMEM);
    expect(wireModeOf(captureModeOf(DumpMode.DUMP_MODE_INLINE))).toBe(DumpMode.DUMP_MODE_INLINE);
    fc.assert(
      fc.property(
        fc.integer().filter((n) => n < 0 || n > 2),
        (n) => {
          expect(codeOf(() => captureModeOf(n as DumpMode))).toBe('EINVAL');
        },
      ),
    );
  });
});

describe('checkResourceDumpTarget', () => {
  const field = (max: number) =>
    fc.oneof(fc.integer({ min: 0, max }), fc.integer({ min: -5, max: max + 5 }), fc.double());
  it('accepts exactly what the register carries', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.constant(undefined),
          fc.record({ $case: fc.constant('segmentType' as const), segmentType: field(0xffff) }),
          fc.record({ $case: fc.constant('segmentName' as const), segmentName: fc.string() }),
        ),
        field(0xffff_ffff),
        field(0xffff_ffff),
        field(0xffff),
        field(0xffff),
        (segment, index1, index2, numOfObj1, numOfObj2) => {
          const t: ResourceDumpTarget = { segment, index1, index2, numOfObj1, numOfObj2 };
          const inRange = (v: number, max: number) => Number.isSafeInteger(v) && v >= 0 && v <= max;
          const ok =
            inRange(index1, 0xffff_ffff) &&
            inRange(index2, 0xffff_ffff) &&
            inRange(numOfObj1, 0xffff) &&
            inRange(numOfObj2, 0xffff) &&
            (segment?.$case !== 'segmentType' || inRange(segment.segmentType, 0xffff)) &&
            (segment?.$case !== 'segmentName' || segment.segmentName.length > 0);
          expect(codeOf(() => checkResourceDumpTarget(t))).toBe(ok ? undefined : 'EINVAL');
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** FakeSink: accepts `room` frames, then returns false until drain() is called. */
class FakeSink extends EventEmitter implements FrameSink {
  frames: DumpFrame[] = [];
  queued = 0;
  constructor(private readonly room: number) {
    super();
  }
  get writableLength(): number {
    return this.queued;
  }
  write(m: { frame?: DumpFrame }): boolean {
    if (m.frame) this.frames.push(m.frame);
    this.queued++;
    return this.queued < this.room;
  }
  drain(): void {
    this.queued = 0;
    this.emit('drain');
  }
}

describe('DumpStreamer', () => {
  const put = (store: DumpStore, size: number) =>
    store.put({ device: 'd', kind: 'coredump', fwVersion: '1', data: Buffer.alloc(size, 7) });

  it('writes no chunk past a full buffer until drain, and finishes with the trailer', async () => {
    const store = new DumpStore({ maxBytes: 1 << 22, maxAgeMs: 60_000 });
    const e = put(store, 10 * 64 * 1024);
    const sink = new FakeSink(3);
    const streamer = new DumpStreamer();
    const done = streamer.stream(
      sink,
      store.read(e.id, 0, 1),
      'umem',
      new AbortController().signal,
    );
    let drains = 0;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setImmediate(r));
      if (streamer.stats().active === 0) break;
      expect(sink.queued).toBeLessThanOrEqual(3);
      expect(streamer.stats().waitingForDrain).toBe(1);
      sink.drain();
      drains++;
    }
    await done;
    // Header + 10 chunks in a 3-frame buffer: a wait after frames 3, 6 and 9; the trailer needs none.
    expect(drains).toBe(3);
    expect(sink.frames.map((f) => f.$case)).toEqual([
      'header',
      ...Array<string>(10).fill('chunk'),
      'trailer',
    ]);
    expect(streamer.stats()).toMatchObject({ active: 0, chunksWritten: 10, maxQueuedFrames: 3 });
    expect(store.stats().readers).toBe(0);
  });

  it('an abort while waiting for drain rejects with its AuxError and releases the reader', async () => {
    const store = new DumpStore({ maxBytes: 1 << 22, maxAgeMs: 60_000 });
    const e = put(store, 4 * 64 * 1024);
    const sink = new FakeSink(2);
    const abort = new AbortController();
    const streamer = new DumpStreamer();
    const done = streamer.stream(sink, store.read(e.id, 0, 1), 'inline', abort.signal);
    await new Promise((r) => setImmediate(r));
    expect(store.stats().readers).toBe(1);
    abort.abort(new AuxError('ENODEV', 'gone'));
    await expect(done).rejects.toMatchObject({ code: 'ENODEV' });
    expect(store.stats().readers).toBe(0);
    expect(sink.listenerCount('drain')).toBe(0);
    const plain = new AbortController();
    plain.abort();
    await expect(
      streamer.stream(new FakeSink(5), store.read(e.id), 'umem', plain.signal),
    ).rejects.toMatchObject({ code: 'ECANCELED' });
    expect(store.stats().readers).toBe(0);
  });
});

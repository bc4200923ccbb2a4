import { EventEmitter } from 'node:events';
import { AuxError } from '@auxctl/prm';
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
    expect(captureModeOf(DumpMode.DUMP_MODE_UNSPECIFIED)).toBeUndefined();
    for (const m of [DumpMode.DUMP_MODE_UMEM, DumpMode.DUMP_MODE_INLINE, DumpMode.DUMP_MODE_HOST]) {
      const mode = captureModeOf(m);
      expect(mode && wireModeOf(mode)).toBe(m);
    }
    fc.assert(
      fc.property(
        fc.integer().filter((n) => n < 0 || n > 3),
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

/** FakeSink: a transport that takes a written frame only when told to (`take()`). */
class FakeSink extends EventEmitter implements FrameSink {
  frames: DumpFrame[] = [];
  pending: (() => void)[] = [];
  write(m: { frame?: DumpFrame }, done: (err?: Error | null) => void): boolean {
    if (m.frame) this.frames.push(m.frame);
    this.pending.push(() => done());
    // As grpc-js: true while its 16-message buffer has room, whatever the bytes.
    return this.pending.length < 16;
  }
  /** take: the transport takes the oldest outstanding frame. */
  take(): void {
    this.pending.shift()?.();
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('DumpStreamer', () => {
  const put = (store: DumpStore, size: number) =>
    store.put({ device: 'd', kind: 'coredump', fwVersion: '1', data: Buffer.alloc(size, 7) });

  it('keeps at most about one chunk outstanding, counts bytes as taken and delivers only after the trailer', async () => {
    const store = new DumpStore({ maxBytes: 1 << 22, maxAgeMs: 60_000 });
    const e = put(store, 10 * 64 * 1024);
    const sink = new FakeSink();
    const streamer = new DumpStreamer();
    let taken = 0;
    let delivered = 0;
    const done = streamer.stream(
      sink,
      store.read(e.id, 0, 1),
      'umem',
      new AbortController().signal,
      {
        onChunk: (n) => {
          taken += n;
        },
        onDelivered: () => {
          delivered++;
        },
      },
    );
    // A transport that takes nothing: the streamer stops after the header and one chunk.
    for (let i = 0; i < 5; i++) await tick();
    expect(sink.frames.map((f) => f.$case)).toEqual(['header', 'chunk']);
    expect(streamer.stats()).toMatchObject({ waitingForFlush: 1, chunksWritten: 0 });
    expect(taken).toBe(0);
    expect(store.stats().readers).toBe(1);
    for (let i = 0; i < 100 && streamer.stats().active > 0; i++) {
      expect(sink.pending.length).toBeLessThanOrEqual(2);
      // Everything but the trailer was taken: not delivered yet, the dump still pinned.
      if (sink.frames.at(-1)?.$case === 'trailer' && sink.pending.length === 1) {
        expect(delivered).toBe(0);
        expect(store.stats().readers).toBe(1);
      }
      sink.take();
      await tick();
    }
    await done;
    expect(sink.frames.map((f) => f.$case)).toEqual([
      'header',
      ...Array<string>(10).fill('chunk'),
      'trailer',
    ]);
    // Delivered only when the transport takes the trailer.
    if (sink.pending.length > 0) {
      expect(delivered).toBe(0);
      sink.take();
    }
    expect(taken).toBe(10 * 64 * 1024);
    expect(delivered).toBe(1);
    expect(streamer.stats()).toMatchObject({ active: 0, chunksWritten: 10, delivered: 1 });
    expect(streamer.stats().maxOutstandingBytes).toBeLessThanOrEqual(2 * 64 * 1024 + 1);
    expect(store.stats().readers).toBe(0);
  });

  it('an abort while waiting for the transport rejects with its AuxError and releases the reader', async () => {
    const store = new DumpStore({ maxBytes: 1 << 22, maxAgeMs: 60_000 });
    const e = put(store, 4 * 64 * 1024);
    const sink = new FakeSink();
    const abort = new AbortController();
    const streamer = new DumpStreamer();
    let delivered = 0;
    const done = streamer.stream(sink, store.read(e.id, 0, 1), 'inline', abort.signal, {
      onDelivered: () => {
        delivered++;
      },
    });
    await tick();
    expect(store.stats().readers).toBe(1);
    abort.abort(new AuxError('ENODEV', 'gone'));
    await expect(done).rejects.toMatchObject({ code: 'ENODEV' });
    expect(store.stats().readers).toBe(0);
    expect(sink.listenerCount('close')).toBe(0);
    expect(delivered).toBe(0);
    const plain = new AbortController();
    plain.abort();
    await expect(
      streamer.stream(new FakeSink(), store.read(e.id), 'umem', plain.signal),
    ).rejects.toMatchObject({ code: 'ECANCELED' });
    expect(store.stats().readers).toBe(0);
  });
});

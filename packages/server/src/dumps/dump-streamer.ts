/**
 * DumpStreamer: writes one stored dump to a gRPC server stream — header,
 * chunks, trailer — one chunk at a time with backpressure.
 *
 * A chunk is written only while the stream accepts more: when `write()`
 * returns false the streamer waits for 'drain' before reading the next
 * chunk, so a slow client holds the stream's buffer (grpc-js' highWaterMark
 * of frames, each a view into the store), never a copy of the dump. A
 * cancelled call or a lost device (the signal) ends the wait at once.
 *
 * Owns the stream counters and the reader it is given: the reader is
 * closed (its store pin released) on every path. Never: writes after the
 * signal fired, or ends the call (the handler adapter does).
 */
import type { DumpReader } from '../dump-store/index.js';
import { abortErrorOf } from './dump-capture.js';
import {
  type CaptureMode,
  chunkFrame,
  type DumpFrame,
  headerFrame,
  trailerFrame,
} from './dump-frames.js';

/** FrameSink: the parts of a grpc-js ServerWritableStream the streamer uses. */
export interface FrameSink {
  write(message: { frame?: DumpFrame }): boolean;
  readonly writableLength: number;
  once(event: 'drain' | 'close', fn: () => void): unknown;
  off(event: 'drain' | 'close', fn: () => void): unknown;
}

/** DumpStreamStats: what the streams do now and have done (tests and metrics read it). */
export interface DumpStreamStats {
  /** Streams writing now. */
  readonly active: number;
  /** Streams waiting for 'drain' now. */
  readonly waitingForDrain: number;
  /** Times any stream waited for 'drain'. */
  readonly drainWaits: number;
  /** Data chunks written, all streams. */
  readonly chunksWritten: number;
  /** Most frames ever queued in one stream's buffer right after a write. */
  readonly maxQueuedFrames: number;
}

function drained(sink: FrameSink, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      sink.off('drain', onDrain);
      sink.off('close', onClose);
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve();
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(abortErrorOf(signal));
    const onAbort = (): void => done(abortErrorOf(signal));
    sink.once('drain', onDrain);
    sink.once('close', onClose);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** DumpStreamer: see the module header. */
export class DumpStreamer {
  private active = 0;
  private waiting = 0;
  private drainWaits = 0;
  private chunks = 0;
  private maxQueued = 0;

  /** stats: the counters. */
  stats(): DumpStreamStats {
    return {
      active: this.active,
      waitingForDrain: this.waiting,
      drainWaits: this.drainWaits,
      chunksWritten: this.chunks,
      maxQueuedFrames: this.maxQueued,
    };
  }

  /**
   * stream: header, the reader's chunks, trailer. Rejects with the
   * signal's AuxError (ECANCELED, ENODEV) when it fires; closes `reader`.
   * `onChunk` hears the data bytes of each chunk the sink accepted.
   */
  async stream(
    sink: FrameSink,
    reader: DumpReader,
    mode: CaptureMode,
    signal: AbortSignal,
    onChunk?: (bytes: number) => void,
  ): Promise<void> {
    this.active++;
    try {
      await this.send(
        sink,
        headerFrame(reader.entry, mode, reader.offset, reader.chunkSize),
        signal,
      );
      for (;;) {
        const next = await reader.next();
        if (next.done) break;
        await this.send(sink, chunkFrame(next.value), signal);
        this.chunks++;
        onChunk?.(next.value.data.length);
      }
      // The trailer needs no drain: the adapter's end() flushes what is queued.
      if (signal.aborted) throw abortErrorOf(signal);
      sink.write({ frame: trailerFrame(reader.entry) });
    } finally {
      reader.close();
      this.active--;
    }
  }

  private async send(sink: FrameSink, frame: DumpFrame, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw abortErrorOf(signal);
    const more = sink.write({ frame });
    this.maxQueued = Math.max(this.maxQueued, sink.writableLength);
    if (more) return;
    this.drainWaits++;
    this.waiting++;
    try {
      await drained(sink, signal);
    } finally {
      this.waiting--;
    }
  }
}

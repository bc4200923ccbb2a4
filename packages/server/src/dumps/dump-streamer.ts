/**
 * DumpStreamer: writes one stored dump to a gRPC server stream — header,
 * chunks, trailer — with backpressure counted in bytes the transport has
 * not yet taken.
 *
 * grpc-js' server stream is an object-mode Writable with a high-water mark
 * of 16 messages, so `write()` returning false says nothing about bytes: 16
 * chunk frames are more than a whole coredump. What does say it is the
 * write callback, which grpc-js calls once the HTTP/2 stream has taken the
 * serialized message (sent it within the peer's flow-control window). The
 * streamer counts the bytes written and not yet called back and writes the
 * next frame only while at most one chunk is outstanding, so a client that
 * never reads costs its HTTP/2 window plus one chunk (serialized) plus one
 * frame queued as a view into the store, never a dump. The trailer is
 * written last and the download counts as delivered (`onDelivered`) only
 * once its callback came: every byte and the trailer left the server (the
 * stream resolves when only the trailer is outstanding, so the call's end
 * is queued right behind it).
 * A cancelled call or a lost device (the signal), or the stream closing,
 * ends a wait at once.
 *
 * When the sink is a grpc-js call (allowPreframed hooks it), chunk frames
 * go as ChunkFrames messages: framed for the wire into the stream's reused
 * buffers instead of a buffer grpc-js allocates per chunk.
 *
 * Owns the stream counters and the reader it is given: the reader is
 * closed (its store pin released) on every path, and only after the last
 * frame holding a view into the stored dump was taken by the transport.
 * Never: writes after the signal fired, or ends the call (the handler
 * adapter does).
 */
import type { DumpReader } from '../dump-store/index.js';
import { allowPreframed } from '../grpc/preframed-messages.js';
import { ChunkFrames } from './chunk-frames.js';
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
  /** write: queue a message; `done` is called once the transport took it (grpc-js: the HTTP/2 stream). */
  write(message: { frame?: DumpFrame }, done: (err?: Error | null) => void): boolean;
  once(event: 'close', fn: () => void): unknown;
  off(event: 'close', fn: () => void): unknown;
}

/** DumpStreamStats: what the streams do now and have done (tests and metrics read it). */
export interface DumpStreamStats {
  /** Streams writing now. */
  readonly active: number;
  /** Streams waiting for the transport to take their outstanding bytes now. */
  readonly waitingForFlush: number;
  /** Times any stream waited for the transport. */
  readonly flushWaits: number;
  /** Data chunks the transport took, all streams. */
  readonly chunksWritten: number;
  /** Downloads whose trailer the transport took. */
  readonly delivered: number;
  /** Most bytes ever outstanding (written, not yet taken) in one stream. */
  readonly maxOutstandingBytes: number;
  /** Data chunks the transport took framed by ChunkFrames (streams to a grpc-js call). */
  readonly chunksPreframed: number;
}

/** StreamHooks: what a caller hears of a download's progress. */
export interface StreamHooks {
  /** The transport took a chunk of `bytes` data bytes. */
  readonly onChunk?: (bytes: number) => void;
  /** The transport took the trailer: the download is delivered. */
  readonly onDelivered?: () => void;
}

/**
 * Outstanding: the bytes of one stream written and not yet taken by the
 * transport, and a wait until they are at most a bound.
 */
class Outstanding {
  bytes = 0;
  private wake: (() => void) | undefined;

  taken(n: number): void {
    this.bytes -= n;
    this.wake?.();
  }

  /** atMost: resolves once `bytes <= limit`; rejects when `signal` fires or the sink closes. */
  atMost(limit: number, sink: FrameSink, signal: AbortSignal): Promise<void> {
    if (this.bytes <= limit) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: Error): void => {
        this.wake = undefined;
        sink.off('close', onClose);
        signal.removeEventListener('abort', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onClose = (): void => done(abortErrorOf(signal));
      this.wake = () => {
        if (this.bytes <= limit) done();
      };
      sink.once('close', onClose);
      signal.addEventListener('abort', onClose, { once: true });
    });
  }
}

/** DumpStreamer: see the module header. */
export class DumpStreamer {
  private active = 0;
  private waiting = 0;
  private flushWaits = 0;
  private chunks = 0;
  private deliveredCount = 0;
  private maxOutstanding = 0;
  private preframedChunks = 0;

  /** stats: the counters. */
  stats(): DumpStreamStats {
    return {
      active: this.active,
      waitingForFlush: this.waiting,
      flushWaits: this.flushWaits,
      chunksWritten: this.chunks,
      delivered: this.deliveredCount,
      maxOutstandingBytes: this.maxOutstanding,
      chunksPreframed: this.preframedChunks,
    };
  }

  /**
   * stream: header, the reader's chunks, trailer; resolves once the
   * transport took every chunk (`hooks.onDelivered` follows when it took
   * the trailer; never, if the call ends first). Rejects with the signal's AuxError
   * (ECANCELED, ENODEV) when it fires; closes `reader`.
   */
  async stream(
    sink: FrameSink,
    reader: DumpReader,
    mode: CaptureMode,
    signal: AbortSignal,
    hooks: StreamHooks = {},
  ): Promise<void> {
    this.active++;
    const out = new Outstanding();
    // About one chunk in flight: the next frame waits while more than this is outstanding.
    const limit = reader.chunkSize;
    const frames = allowPreframed(sink) ? new ChunkFrames() : undefined;
    try {
      const header = headerFrame(reader.entry, mode, reader.offset, reader.chunkSize);
      await this.send(sink, out, { frame: header }, 0, limit, signal);
      // Not asked past the last chunk: that would unpin the dump while a view may be queued.
      for (let at = reader.offset; at < reader.entry.size; ) {
        const next = await reader.next();
        if (next.done) break;
        const bytes = next.value.data.length;
        at = next.value.offset + bytes;
        const frame = chunkFrame(next.value);
        const message = frames?.message(frame);
        await this.send(sink, out, message ?? { frame }, bytes, limit, signal, () => {
          this.chunks++;
          if (message && frames?.taken(message)) this.preframedChunks++;
          hooks.onChunk?.(bytes);
        });
      }
      // Resolved once only the trailer is outstanding (every chunk taken, no view left), so
      // the call's end follows the trailer at once; delivered when the trailer is taken.
      await this.send(sink, out, { frame: trailerFrame(reader.entry) }, 0, 1, signal, () => {
        this.deliveredCount++;
        hooks.onDelivered?.();
      });
    } finally {
      reader.close();
      this.active--;
    }
  }

  /** send: write `message` (`bytes` data bytes), then wait until at most `limit` bytes are outstanding. */
  private async send(
    sink: FrameSink,
    out: Outstanding,
    message: { frame: DumpFrame },
    bytes: number,
    limit: number,
    signal: AbortSignal,
    onTaken?: () => void,
  ): Promise<void> {
    if (signal.aborted) throw abortErrorOf(signal);
    // A frame counts at least one byte, so the trailer (and an empty chunk) is waited for too.
    const weight = Math.max(1, bytes);
    out.bytes += weight;
    this.maxOutstanding = Math.max(this.maxOutstanding, out.bytes);
    sink.write(message, (err) => {
      if (err) return;
      out.taken(weight);
      onTaken?.();
    });
    if (out.bytes <= limit) return;
    this.flushWaits++;
    this.waiting++;
    try {
      await out.atMost(limit, sink, signal);
    } finally {
      this.waiting--;
    }
  }
}

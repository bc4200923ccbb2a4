/**
 * Dump chunking: the chunk-size bounds of a dump stream and the reader that
 * walks a stored dump from an offset to its end.
 *
 * Owns: the chunk arithmetic and the reader's pin. Never: copies dump bytes
 * (every chunk is a subarray view of the stored Buffer, which the store never
 * mutates) or outlives its pin — the pin is released exactly once, when the
 * consumer asks past the last chunk, returns (a `for await` loop that breaks
 * or throws does this) or throws into it; never while the consumer may
 * still hold a chunk it was handed.
 */
import type { DumpChunk, DumpEntry } from './dump-entry.js';

/** MIN_CHUNK_SIZE: the smallest data chunk of a dump stream (64 KiB). */
export const MIN_CHUNK_SIZE = 64 * 1024;
/** MAX_CHUNK_SIZE: the largest data chunk of a dump stream (1 MiB). */
export const MAX_CHUNK_SIZE = 1024 * 1024;
/**
 * DEFAULT_CHUNK_SIZE: the chunk size when the caller has no preference
 * (1 MiB, the largest). Every chunk costs the server a fixed amount besides
 * its bytes (a frame through grpc-js and HTTP/2, a write callback, a wake of
 * the streamer): a 64 MiB dump in 256 KiB chunks took the server about a
 * third more CPU than in 1 MiB chunks, and streamed correspondingly slower
 * next to a raw TLS socket. A slow client still costs at most its HTTP/2
 * window plus about one chunk.
 */
export const DEFAULT_CHUNK_SIZE = MAX_CHUNK_SIZE;

/** clampChunkSize: `n` bounded to 64 KiB..1 MiB; a missing or non-finite `n` gives the default. */
export function clampChunkSize(n?: number): number {
  if (n === undefined || !Number.isFinite(n)) return DEFAULT_CHUNK_SIZE;
  return Math.min(MAX_CHUNK_SIZE, Math.max(MIN_CHUNK_SIZE, Math.floor(n)));
}

/** DumpReader: an async iterator over the chunks of one dump from `offset` to its end. */
export interface DumpReader extends AsyncIterableIterator<DumpChunk> {
  /** The dump being read (for the stream header and trailer). */
  readonly entry: DumpEntry;
  /** First byte this reader yields. */
  readonly offset: number;
  /** Maximum bytes per chunk (after clamping). */
  readonly chunkSize: number;
  /** Release the reader's pin without reading further (same as `return()`). Idempotent. */
  close(): void;
}

/** createDumpReader: a reader over `data` that calls `unpin` exactly once when it ends. */
export function createDumpReader(
  entry: DumpEntry,
  data: Buffer,
  offset: number,
  chunkSize: number,
  unpin: () => void,
): DumpReader {
  let at = offset;
  let open = true;
  const close = (): void => {
    if (!open) return;
    open = false;
    unpin();
  };
  const done = (): Promise<IteratorResult<DumpChunk>> =>
    Promise.resolve({ done: true, value: undefined });
  const reader: DumpReader = {
    entry,
    offset,
    chunkSize,
    close,
    next() {
      if (!open || at >= data.length) {
        close();
        return done();
      }
      const end = Math.min(at + chunkSize, data.length);
      const chunk: DumpChunk = { offset: at, data: data.subarray(at, end) };
      at = end;
      // The pin stays until the consumer is done (the final `done`, or
      // close): a chunk it holds is a view into the stored bytes, which
      // must stay counted in the store until nothing holds the view.
      return Promise.resolve({ done: false, value: chunk });
    },
    return() {
      close();
      return done();
    },
    throw(err?: unknown) {
      close();
      return Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return reader;
    },
  };
  // An empty tail (offset === size) has nothing to pin for.
  if (at >= data.length) close();
  return reader;
}

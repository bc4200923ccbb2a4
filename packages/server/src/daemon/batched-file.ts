/**
 * BatchedFile: a pino destination that collects lines in memory and hands
 * them to the kernel in one write(2) per batch: when `batchChars` have
 * collected, at the next `flushMs` tick, on flush(), and when the process
 * exits. A line costs an array push until then (a general-purpose stream
 * measures and copies every line as it comes).
 *
 * Writes are synchronous and complete: a short write goes on with the rest,
 * and a descriptor that is not ready (EAGAIN: a non-blocking pipe whose
 * reader is behind) is waited for, 1 ms at a time, as a synchronous logger
 * would block — lines are never dropped. Any other error is thrown to the
 * writer (pino); the bytes that did not go out are kept and written first
 * by the next flush.
 *
 * Owns: the batch and the descriptor's writes. Never: closes a descriptor
 * it did not open (stdout), or formats a line.
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** BatchedFileOptions: when a batch goes out. */
export interface BatchedFileOptions {
  /** Characters collected that make a batch go out at once. */
  readonly batchChars: number;
  /** Longest time a line waits, ms. */
  readonly flushMs: number;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** BatchedFile: see the module header. */
export class BatchedFile {
  #lines: string[] = [];
  #chars = 0;
  /** Bytes of an earlier batch a failed write left behind. */
  #rest: Buffer | undefined;
  readonly #timer: NodeJS.Timeout;
  readonly #atExit = (): void => this.flush();
  #closed = false;

  private constructor(
    private readonly fd: number,
    private readonly owned: boolean,
    private readonly o: BatchedFileOptions,
  ) {
    this.#timer = setInterval(() => this.flush(), o.flushMs);
    this.#timer.unref();
    process.on('exit', this.#atExit);
  }

  /** open: `path` opened for appending (directories made), synchronously so an exit can flush. */
  static open(path: string, o: BatchedFileOptions): BatchedFile {
    mkdirSync(dirname(path), { recursive: true });
    return new BatchedFile(openSync(path, 'a'), true, o);
  }

  /** onDescriptor: batches written to `fd`, which stays open when this closes (e.g. stdout). */
  static onDescriptor(fd: number, o: BatchedFileOptions): BatchedFile {
    return new BatchedFile(fd, false, o);
  }

  /** write: collect one line (pino's destination call). */
  write(line: string): boolean {
    if (this.#closed) return false;
    this.#lines.push(line);
    this.#chars += line.length;
    if (this.#chars >= this.o.batchChars) this.flush();
    return true;
  }

  /** flush: write what has collected, now. */
  flush(): void {
    if (this.#lines.length > 0) {
      const batch = Buffer.from(this.#lines.join(''));
      this.#lines = [];
      this.#chars = 0;
      this.#rest = this.#rest ? Buffer.concat([this.#rest, batch]) : batch;
    }
    if (this.#rest === undefined) return;
    const buf = this.#rest;
    let off = 0;
    try {
      off = writeFully(this.fd, buf);
    } catch (err) {
      off = (err as { written?: number }).written ?? 0;
      throw err;
    } finally {
      // What did not go out (an error other than EAGAIN) is written first next time.
      this.#rest = off < buf.length ? buf.subarray(off) : undefined;
    }
  }

  /** close: stop the timer, flush (which may throw), and close the descriptor if it was opened here. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    process.off('exit', this.#atExit);
    try {
      this.flush();
    } finally {
      if (this.owned) closeSync(this.fd);
    }
  }
}

/**
 * writeFully: all of `buf` to `fd`, across short writes and EAGAIN (see the
 * module header); returns buf.length. On another error it throws, with
 * `written` (bytes that went out) on the error.
 */
function writeFully(fd: number, buf: Buffer): number {
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
        throw Object.assign(err as Error, { written: off });
      }
      Atomics.wait(pause, 0, 0, 1);
    }
  }
  return off;
}

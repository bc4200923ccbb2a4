/**
 * BatchedFile: a pino destination that collects lines in memory and hands
 * them to the kernel in one write(2) per batch: when `batchBytes` have
 * collected, `flushMs` after the first line of a batch, on flush(), and
 * when the process exits. The timer runs only while lines wait, so an idle
 * process is never woken for an empty batch. A line is encoded straight
 * into one reused buffer (no array of lines, joined string or batch Buffer
 * to allocate; the buffer grows for a line that does not fit, and is made
 * small again after the write).
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
  /** Bytes collected that make a batch go out at once. */
  readonly batchBytes: number;
  /** Longest time a line waits, ms. */
  readonly flushMs: number;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/** BatchedFile: see the module header. */
export class BatchedFile {
  #buf: Buffer;
  /** Bytes of the batch in #buf. */
  #len = 0;
  /** Bytes of an earlier batch a failed write left behind. */
  #rest: Buffer | undefined;
  /** Armed while lines (or kept bytes) wait: fires `flushMs` after the first of them. */
  #timer: NodeJS.Timeout | undefined;
  /** flush() as a callback: the timer's and the process exit's (flush() disarms the timer). */
  readonly #flushNow = (): void => this.flush();
  #closed = false;

  private constructor(
    private readonly fd: number,
    private readonly owned: boolean,
    private readonly o: BatchedFileOptions,
  ) {
    this.#buf = Buffer.allocUnsafe(2 * o.batchBytes);
    process.on('exit', this.#flushNow);
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
    // At most 3 UTF-8 bytes per UTF-16 unit.
    const room = this.#len + 3 * line.length;
    if (room > this.#buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(room, 2 * this.#buf.length));
      this.#buf.copy(bigger, 0, 0, this.#len);
      this.#buf = bigger;
    }
    this.#len += this.#buf.write(line, this.#len);
    if (this.#len >= this.o.batchBytes) this.flush();
    else this.#arm();
    return true;
  }

  /** #arm: start the wait of a batch (once: later lines of it wait no longer than its first). */
  #arm(): void {
    this.#timer ??= setTimeout(this.#flushNow, this.o.flushMs).unref();
  }

  /** flush: write what has collected, now. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#len > 0 ? this.#buf.subarray(0, this.#len) : undefined;
    const rest = this.#rest;
    if (batch === undefined && rest === undefined) return;
    const buf = rest && batch ? Buffer.concat([rest, batch]) : ((rest ?? batch) as Buffer);
    this.#len = 0;
    this.#rest = undefined;
    if (this.#buf.length > 4 * this.o.batchBytes)
      this.#buf = Buffer.allocUnsafe(2 * this.o.batchBytes);
    let off = 0;
    try {
      off = writeFully(this.fd, buf);
    } catch (err) {
      off = (err as { written?: number }).written ?? 0;
      throw err;
    } finally {
      // What did not go out (an error other than EAGAIN) is written first next time;
      // copied, as the batch buffer is written into again.
      if (off < buf.length) {
        this.#rest = Buffer.from(buf.subarray(off));
        if (!this.#closed) this.#arm();
      }
    }
  }

  /** close: stop the timer, flush (which may throw), and close the descriptor if it was opened here. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    process.off('exit', this.#flushNow);
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

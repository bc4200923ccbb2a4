/**
 * SerialQueue: runs asynchronous operations one at a time, in call order.
 * Each operation starts once the one before it has settled, whether it
 * resolved or rejected; its own result goes to its caller only.
 *
 * Owns: the tail of its chain. Never: what the operations do.
 */

/** SerialQueue: see the module header. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  /** run: `fn` after every operation queued before it; `fn`'s result. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => {});
    return run;
  }
}

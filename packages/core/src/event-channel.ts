/**
 * EventChannel: a typed, in-process publish/subscribe channel.
 *
 * The core device announces what happens to it (aux devices added and
 * removed, health, reload) here; the server later republishes the same
 * events remotely. Listeners are called synchronously in subscription order;
 * one that throws is logged by the owner and never breaks the publisher.
 * Async iteration buffers a bounded number of events per iterator and drops
 * the oldest beyond that, counting the drops, so a stalled consumer can
 * never grow memory without bound.
 */

/** Listener: receives each event published after it subscribed. */
export type Listener<T> = (event: T) => void;

/** EventChannel: subscribe/publish plus bounded async iteration. */
export class EventChannel<T> {
  private readonly listeners = new Set<Listener<T>>();

  constructor(private readonly onListenerError: (err: unknown) => void = () => {}) {}

  /** subscribe: call `fn` for every later event; returns the unsubscribe function. */
  subscribe(fn: Listener<T>): () => void {
    // Wrap so the same function may subscribe twice and unsubscribe each independently.
    const entry: Listener<T> = (e) => fn(e);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** publish: deliver `event` to every current listener. */
  publish(event: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  /** listenerCount: how many subscriptions are live (tests assert none leak). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /**
   * stream: an async iterator over later events; at most `limit` are kept
   * for a slow consumer (the oldest are dropped and counted in `dropped`).
   * Ending the iteration (break / return) unsubscribes.
   */
  stream(limit = 1024): AsyncIterableIterator<T> & { readonly dropped: number } {
    const queue: T[] = [];
    let wake: ((r: IteratorResult<T>) => void) | undefined;
    let done = false;
    let dropped = 0;
    const unsubscribe = this.subscribe((e) => {
      if (wake) {
        const w = wake;
        wake = undefined;
        w({ value: e, done: false });
        return;
      }
      queue.push(e);
      if (queue.length > limit) {
        queue.shift();
        dropped++;
      }
    });
    const finish = (): Promise<IteratorResult<T>> => {
      done = true;
      unsubscribe();
      queue.length = 0;
      if (wake) wake({ value: undefined, done: true });
      wake = undefined;
      return Promise.resolve({ value: undefined, done: true });
    };
    const it = {
      get dropped() {
        return dropped;
      },
      next(): Promise<IteratorResult<T>> {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift() as T, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise<IteratorResult<T>>((resolve) => {
          wake = resolve;
        });
      },
      return: finish,
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }
}

/**
 * FanOut: run one async operation against many hosts with a fixed number of
 * workers, and report per host.
 *
 * Owns the bound (at most `concurrency` operations at once, never one task
 * per host up front) and the summary: one entry per input host, in input
 * order, whatever order they finish in. A host that fails (throws or
 * rejects) is recorded and the others go on. It must never reject because
 * of one host, and never start more operations than asked.
 */

/** FanOutResult: what happened on one host. */
export type FanOutResult<T> =
  | { host: string; ok: true; value: T; ms: number }
  | { host: string; ok: false; error: unknown; ms: number };

/** FanOutOptions: the bound and a clock (injectable so tests never read the real one). */
export interface FanOutOptions {
  /** concurrency: operations at once, >= 1 (default 8); values above the host count are clamped. */
  concurrency?: number;
  /** now: milliseconds for the `ms` field (default performance.now). */
  now?: () => number;
}

/** DEFAULT_FAN_OUT_CONCURRENCY: the bound when none is given. */
export const DEFAULT_FAN_OUT_CONCURRENCY = 8;

/**
 * fanOut: call `run(host, index)` for every host, at most `concurrency` at
 * a time, and resolve with every host's result in input order. Throws
 * RangeError only for a concurrency that is not a positive integer.
 */
export async function fanOut<T>(
  hosts: readonly string[],
  run: (host: string, index: number) => Promise<T>,
  options: FanOutOptions = {},
): Promise<FanOutResult<T>[]> {
  const concurrency = options.concurrency ?? DEFAULT_FAN_OUT_CONCURRENCY;
  if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
    throw new RangeError(`fan-out concurrency must be a positive integer, not ${concurrency}`);
  }
  const now = options.now ?? (() => performance.now());
  const results: FanOutResult<T>[] = new Array(hosts.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    // Each worker takes the next index until none is left: hosts.length
    // iterations in total across all workers, so the loop is bounded.
    while (next < hosts.length) {
      const index = next++;
      const host = hosts[index] as string;
      const started = now();
      try {
        const value = await run(host, index);
        results[index] = { host, ok: true, value, ms: now() - started };
      } catch (error) {
        results[index] = { host, ok: false, error, ms: now() - started };
      }
    }
  };
  const workers = Array.from({ length: Math.min(concurrency, hosts.length) }, worker);
  await Promise.all(workers);
  return results;
}

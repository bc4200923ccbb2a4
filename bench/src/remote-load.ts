/**
 * Load shapes of the remote suite: N callers each running for a fixed time,
 * sequential latency samples bounded in count and time, percentiles, and an
 * RSS sampler (the fixed-count `inFlight` is in harness.ts). Nothing here knows about auxctl.
 */

/**
 * callersFor: `n` callers, each calling `run` back to back until `ms` have
 * passed (at most `maxPerCaller` calls each); resolves the calls completed.
 * No caller waits for another, so a slow one does not stall the rest.
 */
export async function callersFor(
  n: number,
  run: () => Promise<unknown>,
  ms: number,
  maxPerCaller: number,
): Promise<number> {
  const end = performance.now() + ms;
  const counts = await Promise.all(
    Array.from({ length: n }, async () => {
      let done = 0;
      while (done < maxPerCaller && performance.now() < end) {
        await run();
        done++;
      }
      return done;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/** sampleLatencies: call `fn` one at a time for about `ms` (at most `max` calls); each call's ms. */
export async function sampleLatencies(
  fn: () => Promise<unknown>,
  ms: number,
  max: number,
): Promise<number[]> {
  const out: number[] = [];
  const end = performance.now() + ms;
  while (out.length < max) {
    const t0 = performance.now();
    await fn();
    const t1 = performance.now();
    out.push(t1 - t0);
    if (t1 >= end) break;
  }
  return out;
}

/** percentile: the `p`-th percentile (0..100) of `xs` by nearest rank; NaN when empty. */
export function percentile(xs: readonly number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i] as number;
}

/** RssPeaks: growth of each sampled RSS over its value when sampling started, in bytes. */
export interface RssPeaks {
  readonly client: number;
  readonly server: number;
  readonly samples: number;
}

/**
 * sampleRssDuring: read both RSS figures every `everyMs` while `work` runs
 * (and once before and after); resolve the peak growth of each. The timer
 * is cleared whatever `work` does.
 */
export async function sampleRssDuring(
  work: () => Promise<unknown>,
  server: () => number,
  everyMs = 20,
): Promise<RssPeaks> {
  const base = { client: process.memoryUsage().rss, server: server() };
  const peak = { ...base };
  let samples = 0;
  const sample = (): void => {
    samples++;
    peak.client = Math.max(peak.client, process.memoryUsage().rss);
    peak.server = Math.max(peak.server, server());
  };
  const timer = setInterval(sample, everyMs);
  try {
    await work();
  } finally {
    clearInterval(timer);
    sample();
  }
  return { client: peak.client - base.client, server: peak.server - base.server, samples };
}

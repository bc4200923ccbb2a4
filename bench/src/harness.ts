/**
 * Bench harness: timing loops, a results table and the JSON result files.
 *
 * Every figure a suite reports is paired with a baseline measured in the
 * same process and run, and the headline numbers are ratios, so a slower
 * or busier machine moves both sides together. Loops are bounded both in
 * iterations and in time.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Rate: operations per second measured by `measureRate`. */
export interface Rate {
  readonly opsPerSec: number;
  readonly ops: number;
  readonly ms: number;
}

/** inFlight: `n` callers, each awaiting `perCaller` calls of `run` in turn. */
export async function inFlight(
  n: number,
  run: () => Promise<unknown>,
  perCaller: number,
): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, async () => {
      for (let i = 0; i < perCaller; i++) await run();
    }),
  );
}

/**
 * measureRate: run `batch` (which performs `perBatch` operations) repeatedly
 * for about `ms` milliseconds (after a warm-up of a quarter of that), at most
 * `maxBatches` times; returns the steady-state rate.
 */
export async function measureRate(
  batch: () => unknown,
  opts: { perBatch?: number; ms?: number; maxBatches?: number } = {},
): Promise<Rate> {
  const perBatch = opts.perBatch ?? 1;
  const ms = opts.ms ?? 1_000;
  const maxBatches = opts.maxBatches ?? 10_000_000;
  const run = async (budgetMs: number) => {
    const start = process.hrtime.bigint();
    const end = start + BigInt(Math.round(budgetMs * 1e6));
    let n = 0;
    let now = start;
    while (n < maxBatches && now < end) {
      await batch();
      n++;
      if ((n & 7) === 0 || n < 8) now = process.hrtime.bigint();
    }
    const took = Number(process.hrtime.bigint() - start) / 1e6;
    return { ops: n * perBatch, ms: took };
  };
  await run(ms / 4);
  const r = await run(ms);
  return { ops: r.ops, ms: r.ms, opsPerSec: (r.ops / r.ms) * 1000 };
}

/** timeOnce: wall time of one call of `fn`, in ms (best of `repeat`). */
export async function timeBest(fn: () => Promise<unknown> | unknown, repeat = 3): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeat; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return best;
}

/**
 * timeInterleaved: the time (ms) of each function in each of `repeat`
 * rounds, running them in turn within a round, so a slow spell of the
 * machine hits every side of a round alike; the order rotates from round
 * to round, so no side always runs first (or right after another's
 * garbage). `times[round][k]` is function k's time in that round.
 */
export async function timeInterleaved(
  fns: readonly (() => Promise<unknown> | unknown)[],
  repeat = 3,
): Promise<number[][]> {
  const times: number[][] = [];
  for (let i = 0; i < repeat; i++) {
    const row: number[] = fns.map(() => Number.NaN);
    for (let j = 0; j < fns.length; j++) {
      const k = (i + j) % fns.length;
      const t0 = process.hrtime.bigint();
      await (fns[k] as () => Promise<unknown> | unknown)();
      row[k] = Number(process.hrtime.bigint() - t0) / 1e6;
    }
    times.push(row);
  }
  return times;
}

/** RateComparison: a subject's rate against a baseline's, measured in interleaved rounds. */
export interface RateComparison {
  /** Each side's median rate over the rounds (operations per second). */
  readonly baselinePerSec: number;
  readonly subjectPerSec: number;
  /** The median of the per-round rate ratios (subject / baseline). */
  readonly ratio: number;
  /** Total subject rate over total baseline rate (every round pooled). */
  readonly pooledRatio: number;
  /** Each round's ratio, in round order. */
  readonly roundRatios: readonly number[];
}

/**
 * compareRates: `baseline` and `subject` (each performing `perBatch`
 * operations per call) warmed for a quarter of `ms` each, then `rounds`
 * rounds of timeInterleaved that give both sides the same number of batches
 * (sized from the baseline's warm-up rate so a round takes about
 * `ms / rounds` per side). Drift of the machine hits both sides of a round
 * alike; the ratio is the median over rounds.
 */
export async function compareRates(
  baseline: () => unknown,
  subject: () => unknown,
  opts: { perBatch: number; ms: number; rounds: number },
): Promise<RateComparison> {
  const warm = await measureRate(baseline, { perBatch: opts.perBatch, ms: opts.ms / 4 });
  await measureRate(subject, { perBatch: opts.perBatch, ms: opts.ms / 4 });
  const batches = Math.max(
    1,
    Math.round((warm.opsPerSec * opts.ms) / opts.rounds / 1000 / opts.perBatch),
  );
  const times = await timeInterleaved(
    [baseline, subject].map((b) => async () => {
      for (let i = 0; i < batches; i++) await b();
    }),
    opts.rounds,
  );
  const perSec = (ms: number) => (batches * opts.perBatch * 1000) / ms;
  const side = (k: number) => times.map((r) => r[k] as number);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const roundRatios = times.map((r) => (r[0] as number) / (r[1] as number));
  return {
    baselinePerSec: median(side(0).map(perSec)),
    subjectPerSec: median(side(1).map(perSec)),
    ratio: median(roundRatios),
    pooledRatio: sum(side(0)) / sum(side(1)),
    roundRatios,
  };
}

/** median: the middle value of `xs` (the mean of the two middle ones for an even count); NaN when empty. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/** roundList: per-round ratios as the results file lists them (3 decimals, space-separated). */
export function roundList(xs: readonly number[]): string {
  return xs.map((x) => x.toFixed(3)).join(' ');
}

/** ratioSpread: the lowest and highest of per-round ratios, `lo-hi` (3 decimals). */
export function ratioSpread(xs: readonly number[]): string {
  return `${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)}`;
}

/** ratio: a / b rounded to 3 decimals. */
export function ratio(a: number, b: number): number {
  return Math.round((a / b) * 1000) / 1000;
}

/** round: a figure rounded to `digits` decimals for the report. */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Row: one line of a suite's printed table. */
export interface Row {
  readonly what: string;
  readonly value: string;
  readonly baseline?: string;
  readonly ratio?: number;
  readonly goal?: string;
}

/** printTable: the suite's rows as aligned text. */
export function printTable(title: string, rows: readonly Row[]): void {
  console.log(`\n${title}`);
  const w = Math.max(...rows.map((r) => r.what.length));
  for (const r of rows) {
    const parts = [r.what.padEnd(w), r.value.padStart(16)];
    if (r.baseline) parts.push(`baseline ${r.baseline}`.padEnd(28));
    if (r.ratio !== undefined) parts.push(`ratio ${r.ratio.toFixed(3)}`);
    if (r.goal) parts.push(`(goal ${r.goal})`);
    console.log(`  ${parts.join('  ')}`);
  }
}

/** RunFacts: what a result was measured on: the machine's core count, Node and the commit. */
export interface RunFacts {
  readonly cores: number;
  readonly node: string;
  /** `git rev-parse HEAD` of the checkout, `+dirty` when tracked files other than results differ; `unknown` outside git. */
  readonly commit: string;
}

/** runFacts: the RunFacts of this process and checkout. */
export function runFacts(): RunFacts {
  let commit = 'unknown';
  try {
    const git = (args: string[]) =>
      execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    // The results files themselves are rewritten by every run: they do not make a tree dirty.
    const changed = git([
      'status',
      '--porcelain',
      '--untracked-files=no',
      '--',
      ':(top,exclude)bench/results',
    ]);
    commit = git(['rev-parse', 'HEAD']) + (changed ? '+dirty' : '');
  } catch {
    // Not a git checkout (or no git): the figures stand without it.
  }
  return { cores: availableParallelism(), node: process.version, commit };
}

/** writeResults: `bench/results/<name>.json` with the figures and run facts. */
export function writeResults(name: string, figures: Record<string, number | string>): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const file = join(here, '..', 'results', `${name}.json`);
  mkdirSync(dirname(file), { recursive: true });
  const doc = {
    ...figures,
    ...runFacts(),
    measured_at: new Date().toISOString(),
  };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
  return file;
}

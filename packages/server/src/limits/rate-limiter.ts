/**
 * RateLimiter: a token bucket per key (per principal, for RPC rate).
 *
 * Each key's bucket holds up to `burst` tokens and refills at `ratePerSec`;
 * a call takes one token (or `cost`), or is refused with the time until
 * enough tokens will be there. Buckets are kept in least-recently-used
 * order: a bucket untouched for a full refill period (burst / rate) is full
 * again, which is exactly what a missing bucket means, so it is dropped from
 * the cold end on every call (amortized O(1)). Memory is therefore bounded
 * by the keys active within one refill period, and never more than
 * `maxKeys`: beyond that the least recently used bucket is dropped early,
 * which can only be lenient to that key, never strict.
 *
 * Owns: the buckets. Never: reads the wall clock directly (the clock is
 * injected; a clock that goes backwards counts as no time passing), sleeps,
 * or queues calls — refusing is the caller's job.
 */
import { AuxError } from '@auxctl/prm';

/** RateLimiterOptions: the bucket shape, clock and memory bound. */
export interface RateLimiterOptions {
  /** Tokens added per second (> 0). */
  readonly ratePerSec: number;
  /** Bucket capacity (>= 1): the most calls allowed at once after a quiet period. */
  readonly burst: number;
  /** Clock in milliseconds (default performance.now, which never jumps). */
  readonly now?: () => number;
  /** Most buckets kept (default 10,000). */
  readonly maxKeys?: number;
  /** What is limited, for error messages (default "rate"). */
  readonly name?: string;
}

/** RateDecision: the outcome of one `take`. */
export interface RateDecision {
  readonly allowed: boolean;
  /** When refused: milliseconds until the same call would succeed; 0 when allowed. */
  readonly retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/** ALLOWED: every granted decision (callers only read it). */
const ALLOWED: RateDecision = Object.freeze({ allowed: true, retryAfterMs: 0 });

// Absorbs float drift so that exactly enough elapsed time yields a whole token.
const EPSILON = 1e-9;

/** RateLimiter: per-key token buckets with pruning of idle keys. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>(); // least recently used first
  private readonly rate: number;
  private readonly burst: number;
  private readonly refillMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly name: string;

  constructor(opts: RateLimiterOptions) {
    const { ratePerSec, burst, maxKeys = 10_000 } = opts;
    if (!(Number.isFinite(ratePerSec) && ratePerSec > 0)) {
      throw new AuxError('EINVAL', `ratePerSec must be a positive number, not ${ratePerSec}`);
    }
    if (!(Number.isFinite(burst) && burst >= 1)) {
      throw new AuxError('EINVAL', `burst must be a number >= 1, not ${burst}`);
    }
    if (!(Number.isSafeInteger(maxKeys) && maxKeys >= 1)) {
      throw new AuxError('EINVAL', `maxKeys must be a positive integer, not ${maxKeys}`);
    }
    this.rate = ratePerSec / 1000; // tokens per millisecond
    this.burst = burst;
    this.refillMs = burst / this.rate;
    this.maxKeys = maxKeys;
    this.now = opts.now ?? (() => performance.now());
    this.name = opts.name ?? 'rate';
  }

  /** take: spend `cost` tokens (default 1, at most burst) of `key`'s bucket if it has them. */
  take(key: string, cost = 1): RateDecision {
    if (!(Number.isFinite(cost) && cost > 0 && cost <= this.burst)) {
      throw new AuxError('EINVAL', `cost must be in (0, ${this.burst}], not ${cost}`);
    }
    const t = this.now();
    // The only bucket, and the key's: nothing to prune (were it idle for a refill period, the
    // refill below makes it what a new bucket would be) and nothing to reorder.
    const only = this.buckets.size === 1 ? this.buckets.get(key) : undefined;
    const b = only ?? this.touch(key, t);
    b.tokens = Math.min(this.burst, b.tokens + Math.max(0, t - b.at) * this.rate);
    b.at = Math.max(b.at, t);
    if (b.tokens + EPSILON >= cost) {
      b.tokens = Math.max(0, b.tokens - cost);
      return ALLOWED;
    }
    return { allowed: false, retryAfterMs: Math.ceil((cost - b.tokens) / this.rate) };
  }

  /** touch: prune idle buckets, then `key`'s bucket (new if missing) as the most recently used. */
  private touch(key: string, t: number): Bucket {
    this.prune(t);
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    this.buckets.delete(key); // re-insert: most recently used goes last
    this.buckets.set(key, b);
    if (this.buckets.size > this.maxKeys) {
      const coldest = this.buckets.keys().next().value;
      if (coldest !== undefined) this.buckets.delete(coldest);
    }
    return b;
  }

  /** takeOrThrow: `take`, refusing with AuxError('EBUSY') carrying `retryAfterMs` in its detail. */
  takeOrThrow(key: string, cost = 1): void {
    const d = this.take(key, cost);
    if (!d.allowed) {
      throw new AuxError(
        'EBUSY',
        `${this.name} limit for ${key} reached; retry in ${d.retryAfterMs} ms`,
        { limit: this.name, key, retryAfterMs: d.retryAfterMs },
      );
    }
  }

  /** size: buckets currently kept (keys seen within the last refill period). */
  get size(): number {
    return this.buckets.size;
  }

  private prune(t: number): void {
    for (const [key, b] of this.buckets) {
      if (t - b.at < this.refillMs) break; // the rest were touched later still
      this.buckets.delete(key);
    }
  }
}

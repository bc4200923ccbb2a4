/**
 * Limits: per-key token-bucket rate limits and per-key / global concurrency caps.
 */
export {
  type ConcurrencyLimit,
  ConcurrencyLimiter,
  type ConcurrencyLimiterOptions,
  type Release,
} from './concurrency-limiter.js';
export { type RateDecision, RateLimiter, type RateLimiterOptions } from './rate-limiter.js';
export {
  DEFAULT_STREAMS_PER_CONNECTION,
  DEFAULT_STREAMS_PER_PRINCIPAL,
  StreamCaps,
  type StreamCapsOptions,
} from './stream-caps.js';

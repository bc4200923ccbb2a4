/**
 * Logger: core's structured logging seam.
 *
 * Library code never prints; it logs through a pino logger its owner passes
 * in. Without one, events go nowhere (`silentLogger`).
 */
import { pino } from 'pino';

/** Logger: the pino logger type every component accepts. */
export type Logger = pino.Logger;

/** silentLogger: a logger that drops everything (the default). */
export const silentLogger: Logger = pino({ level: 'silent' });

/**
 * RateLimitedLog: lets at most `burst` events through per `intervalMs`
 * window, counting the rest, like the kernel's printk_ratelimit. The count
 * suppressed in the previous window is returned with the next allowed event.
 */
export class RateLimitedLog {
  private windowStart = 0;
  private inWindow = 0;
  private suppressed = 0;

  constructor(
    private readonly burst = 10,
    private readonly intervalMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** allow: undefined when the event must be dropped, else how many were dropped before it. */
  allow(): number | undefined {
    const t = this.now();
    if (t - this.windowStart >= this.intervalMs) {
      this.windowStart = t;
      this.inWindow = 0;
    }
    if (this.inWindow >= this.burst) {
      this.suppressed++;
      return undefined;
    }
    this.inWindow++;
    const dropped = this.suppressed;
    this.suppressed = 0;
    return dropped;
  }
}

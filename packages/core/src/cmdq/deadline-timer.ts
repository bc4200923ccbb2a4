/**
 * DeadlineTimer: one timer for a whole queue, armed for the earliest deadline.
 *
 * A queue with thousands of commands must not run a timer per command.
 * Commands only tell the timer their deadline; it keeps a single unref'd
 * setTimeout for the earliest one it was told about, and on expiry calls
 * back once so the owner can reap what is due and arm the next deadline.
 * With one default timeout every new deadline is later than the armed
 * one, so a busy queue creates one timer per timeout period.
 *
 * Owns: that timer. Never: keeps the process alive (unref) or decides
 * what a deadline means.
 */

/** DeadlineTimer: see the module header. */
export class DeadlineTimer {
  private timer: NodeJS.Timeout | undefined;
  private armedAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly now: () => number,
    private readonly expired: () => void,
  ) {}

  /** arm: make sure `expired` runs no later than `deadline` (ms on the owner's clock). */
  arm(deadline: number): void {
    if (deadline >= this.armedAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.armedAt = deadline;
    // Timers may fire a little late, never early: ceil keeps `now() >= deadline` at expiry.
    this.timer = setTimeout(this.fire, Math.max(1, Math.ceil(deadline - this.now())));
    this.timer.unref();
  }

  /** cancel: forget every deadline. */
  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
  }

  private readonly fire = (): void => {
    this.timer = undefined;
    this.armedAt = Number.POSITIVE_INFINITY;
    this.expired();
  };
}

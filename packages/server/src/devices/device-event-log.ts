/**
 * DeviceEventLog: every event of every core device, numbered, with a
 * bounded history for WatchDevices resumption.
 *
 * Owns the sequence numbers (strictly increasing over the server's life,
 * never 0) and the history bound. It must never hold more than `history`
 * events, and never block a core's publisher (listeners run synchronously
 * and must only enqueue or drop).
 */
import type { CoreDevice, CoreEvent } from '@auxctl/core';

/** LoggedEvent: one core event with its sequence number and time. */
export interface LoggedEvent {
  readonly sequence: number;
  readonly time: Date;
  readonly event: CoreEvent;
}

/** DeviceEventLog: see the module header. */
export class DeviceEventLog {
  private seq = 0;
  private readonly ring: LoggedEvent[] = [];
  private readonly listeners = new Set<(e: LoggedEvent) => void>();
  private readonly followed = new Map<CoreDevice, () => void>();

  /**
   * `cores` lists the devices to follow now; it is asked again after every
   * port-function event, so a sub-function's device is followed from the
   * moment its PF reports it attached until it closes.
   */
  constructor(
    private readonly cores: () => readonly CoreDevice[],
    private readonly history = 1024,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.followNew();
  }

  private followNew(): void {
    for (const core of this.cores()) {
      if (this.followed.has(core) || core.state === 'closed') continue;
      const off = core.events.subscribe((e) => {
        this.append(e);
        if (e.type === 'port-function') this.followNew();
        if (e.type === 'state' && e.state === 'closed') {
          off();
          this.followed.delete(core);
        }
      });
      this.followed.set(core, off);
    }
  }

  /** nextSequence: reserve a sequence number (snapshots and gap markers of one stream). */
  nextSequence(): number {
    this.seq += 1;
    return this.seq;
  }

  /** lastSequence: the highest sequence handed out so far (0 before any). */
  get lastSequence(): number {
    return this.seq;
  }

  /**
   * since: the held events after `sequence`, and how many between it and the
   * oldest held one were already dropped from the history.
   */
  since(sequence: number): { events: LoggedEvent[]; expired: number; firstExpired: number } {
    const oldest = this.ring[0]?.sequence ?? this.seq + 1;
    const expired = Math.max(0, oldest - 1 - sequence);
    return {
      events: this.ring.filter((e) => e.sequence > sequence),
      expired,
      firstExpired: sequence + 1,
    };
  }

  /** listen: call `fn` for every later event; returns the unsubscribe function. */
  listen(fn: (e: LoggedEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** close: stop listening to the cores and drop every listener. */
  close(): void {
    for (const off of this.followed.values()) off();
    this.followed.clear();
    this.listeners.clear();
  }

  private append(event: CoreEvent): void {
    const e: LoggedEvent = { sequence: this.nextSequence(), time: this.now(), event };
    this.ring.push(e);
    if (this.ring.length > this.history) this.ring.shift();
    for (const l of [...this.listeners]) l(e);
  }
}

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
import type { Device } from '@auxctl/proto';

/**
 * DeviceAppeared: a device that came to be while the server ran (a
 * sub-function's), as it was when the log started to follow it. Its later
 * events follow; its removal is its `state` event to `closed`.
 */
export interface DeviceAppeared {
  readonly type: 'device-appeared';
  readonly core: string;
  readonly snapshot: Device;
}

/** LogEvent: what the log records: core events and devices appearing. */
export type LogEvent = CoreEvent | DeviceAppeared;

/** LoggedEvent: one event with its sequence number and time. */
export interface LoggedEvent {
  readonly sequence: number;
  readonly time: Date;
  readonly event: LogEvent;
}

/** DeviceEventLogOptions: history bound, clock and how a device that appears is described. */
export interface DeviceEventLogOptions {
  /** Events kept for resumption (default 1024). */
  readonly history?: number;
  readonly now?: () => Date;
  /** describe: the snapshot of a device that appears (default: such devices are not announced). */
  readonly describe?: (core: CoreDevice) => Device;
}

/** DeviceEventLog: see the module header. */
export class DeviceEventLog {
  private seq = 0;
  private readonly ring: LoggedEvent[] = [];
  private readonly listeners = new Set<(e: LoggedEvent) => void>();
  private readonly followed = new Map<CoreDevice, () => void>();

  private readonly history: number;
  private readonly now: () => Date;
  private readonly describe: ((core: CoreDevice) => Device) | undefined;

  /**
   * `cores` lists the devices to follow now; it is asked again after every
   * port-function event, so a sub-function's device is followed from the
   * moment its PF reports it attached until it closes. A device found then
   * is first announced (`device-appeared` with its snapshot).
   */
  constructor(
    private readonly cores: () => readonly CoreDevice[],
    opts: DeviceEventLogOptions = {},
  ) {
    this.history = opts.history ?? 1024;
    this.now = opts.now ?? (() => new Date());
    this.describe = opts.describe;
    this.followNew(false);
  }

  private followNew(announce: boolean): void {
    for (const core of this.cores()) {
      if (this.followed.has(core) || core.state === 'closed') continue;
      if (announce && this.describe) {
        this.append({ type: 'device-appeared', core: core.name, snapshot: this.describe(core) });
      }
      const off = core.events.subscribe((e) => {
        this.append(e);
        if (e.type === 'port-function') this.followNew(true);
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

  private append(event: LogEvent): void {
    const e: LoggedEvent = { sequence: this.nextSequence(), time: this.now(), event };
    this.ring.push(e);
    if (this.ring.length > this.history) this.ring.shift();
    for (const l of [...this.listeners]) l(e);
  }
}

/**
 * DeviceEventLog: every event of every served device, numbered, with a
 * bounded history for WatchDevices resumption.
 *
 * Owns the sequence numbers (strictly increasing over the server's life,
 * never 0) and the history bound. It must never hold more than `history`
 * events, and never block a device's publisher (listeners run synchronously
 * and must only enqueue or drop).
 */
import type { CoreEvent } from '@auxctl/core';
import type { Device } from '@auxctl/proto';
import type { ServedDevice, VdpaChangeKind } from '../sources/device-source.js';

/**
 * DeviceAppeared: a device that came to be while the server ran (a
 * sub-function's, a hot-added fwctl device), as it was when the log started
 * to follow it. Its later events follow; its removal is its `state` event
 * to `closed`.
 */
export interface DeviceAppeared {
  readonly type: 'device-appeared';
  readonly core: string;
  readonly snapshot: Device;
}

/**
 * VdpaChange: a vdpa device served by the device's function was added,
 * removed, or raised NEEDS_RESET (from the source's VdpaFunction).
 */
export interface VdpaChange {
  readonly type: 'vdpa';
  readonly core: string;
  readonly name: string;
  readonly mgmtdev: string;
  readonly kind: VdpaChangeKind;
}

/** LogEvent: what the log records: core events, devices appearing and vdpa changes. */
export type LogEvent = CoreEvent | DeviceAppeared | VdpaChange;

/** LoggedEvent: one event with its sequence number and time. */
export interface LoggedEvent {
  readonly sequence: number;
  readonly time: Date;
  readonly event: LogEvent;
}

/** DeviceEventLogOptions: history bound and clock. */
export interface DeviceEventLogOptions {
  /** Events kept for resumption (default 1024). */
  readonly history?: number;
  readonly now?: () => Date;
}

/** Followed: what the log reads of a device. */
type Followed = Pick<ServedDevice, 'name' | 'state' | 'events' | 'describe' | 'vdpa'>;

/** FollowedDevices: the devices to follow now, and how new ones are announced. */
export interface FollowedDevices {
  devices(): readonly Followed[];
  onAppeared?(fn: (device: Followed) => void): () => void;
}

/** DeviceEventLog: see the module header. */
export class DeviceEventLog {
  private seq = 0;
  private readonly ring: LoggedEvent[] = [];
  private readonly listeners = new Set<(e: LoggedEvent) => void>();
  private readonly followed = new Map<Followed, () => void>();
  private readonly offAppeared: () => void;

  private readonly history: number;
  private readonly now: () => Date;

  /**
   * Follows every device `from` lists now, and each one it announces later
   * (a sub-function's device once its PF reports it attached, a hot-added
   * device), which is first logged as `device-appeared` with its
   * description. A device is followed until its `state` event to `closed`.
   */
  constructor(from: FollowedDevices, opts: DeviceEventLogOptions = {}) {
    this.history = opts.history ?? 1024;
    this.now = opts.now ?? (() => new Date());
    for (const d of from.devices()) this.follow(d);
    this.offAppeared =
      from.onAppeared?.((d) => {
        if (this.followed.has(d) || d.state === 'closed') return;
        this.append({ type: 'device-appeared', core: d.name, snapshot: d.describe() });
        this.follow(d);
      }) ?? (() => {});
  }

  private follow(d: Followed): void {
    if (this.followed.has(d) || d.state === 'closed') return;
    const offVdpa =
      d.vdpa?.subscribe((c) => this.append({ type: 'vdpa', core: d.name, ...c })) ?? (() => {});
    const offCore = d.events.subscribe((e) => {
      this.append(e);
      if (e.type === 'state' && e.state === 'closed') {
        off();
        this.followed.delete(d);
      }
    });
    const off = (): void => {
      offCore();
      offVdpa();
    };
    this.followed.set(d, off);
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

  /** close: stop listening to the devices and drop every listener. */
  close(): void {
    this.offAppeared();
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

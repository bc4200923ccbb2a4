/**
 * FwctlWatcher: tells when fwctl devices appear and disappear.
 *
 * sysfs sends no inotify events for devices coming and going, so the
 * watcher polls discoverFwctl: one scan at start (every device present is
 * `added`), then one scan every `intervalMs` after the previous one ended.
 * Scans never overlap, the timer is unref'd (a watcher never keeps a
 * process alive), and a failed scan is reported to 'error' listeners and
 * retried at the next interval. A device is the pair (name, parent): a
 * fwctlN that comes back on another function is removed and added.
 *
 * USAGE
 *   const w = new FwctlWatcher({ intervalMs: 2000 });
 *   w.on('added', (e) => ...).on('removed', (e) => ...).on('error', (err) => ...);
 *   w.start();
 *   await w.scan();      // a scan now, e.g. after a driver reload
 *   await w.close();     // no event after this resolves
 *
 * Owns: the timer and the set of devices last seen. Never: opens a device.
 */
import { AuxError } from '@auxctl/prm';
import { discoverFwctl, type FwctlDeviceEntry } from './sysfs-discovery.js';

/** FwctlWatcherOptions: the discovery roots and the poll interval (default 2000 ms, 10 ms..1 h). */
export interface FwctlWatcherOptions {
  readonly sysfsRoot?: string;
  readonly devRoot?: string;
  readonly intervalMs?: number;
}

type DeviceListener = (entry: FwctlDeviceEntry) => void;
type ErrorListener = (err: unknown) => void;

/** FwctlWatcher: see the module header. */
export class FwctlWatcher {
  readonly #opts: FwctlWatcherOptions;
  readonly #intervalMs: number;
  readonly #listeners = {
    added: new Set<DeviceListener>(),
    removed: new Set<DeviceListener>(),
    error: new Set<ErrorListener>(),
  };
  #known = new Map<string, FwctlDeviceEntry>();
  #scans: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #started = false;
  #closed = false;

  constructor(opts: FwctlWatcherOptions = {}) {
    const interval = opts.intervalMs ?? 2000;
    if (!Number.isInteger(interval) || interval < 10 || interval > 3_600_000) {
      throw new AuxError('EINVAL', `FwctlWatcher: intervalMs must be 10..3600000, got ${interval}`);
    }
    this.#opts = opts;
    this.#intervalMs = interval;
  }

  /** devices: the devices seen by the last scan. */
  get devices(): FwctlDeviceEntry[] {
    return [...this.#known.values()];
  }

  /** on: listen for devices added or removed, or for scan errors. */
  on(event: 'added' | 'removed', listener: DeviceListener): this;
  on(event: 'error', listener: ErrorListener): this;
  on(event: 'added' | 'removed' | 'error', listener: DeviceListener | ErrorListener): this {
    (this.#listeners[event] as Set<unknown>).add(listener);
    return this;
  }

  /** off: stop a listener. */
  off(event: 'added' | 'removed' | 'error', listener: DeviceListener | ErrorListener): this {
    (this.#listeners[event] as Set<unknown>).delete(listener);
    return this;
  }

  /** start: the first scan now, then polling; a second call does nothing. */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    void this.#poll();
  }

  /** scan: one scan now, after any scan in progress; resolves when its events are delivered. */
  scan(): Promise<void> {
    this.#scans = this.#scans.then(() => this.#scanOnce());
    return this.#scans;
  }

  /** close: stop polling; resolves when no scan runs and no event will follow. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#scans;
  }

  async #poll(): Promise<void> {
    await this.scan();
    if (this.#closed) return;
    this.#timer = setTimeout(() => void this.#poll(), this.#intervalMs);
    this.#timer.unref();
  }

  async #scanOnce(): Promise<void> {
    if (this.#closed) return;
    let found: FwctlDeviceEntry[];
    try {
      found = await discoverFwctl(this.#opts);
    } catch (e) {
      if (!this.#closed) this.#emitError(e);
      return;
    }
    if (this.#closed) return;
    const now = new Map(found.map((e) => [`${e.name}@${e.pci}`, e]));
    const before = this.#known;
    this.#known = now;
    for (const [key, entry] of before) if (!now.has(key)) this.#emit('removed', entry);
    for (const [key, entry] of now) if (!before.has(key)) this.#emit('added', entry);
  }

  #emit(event: 'added' | 'removed', entry: FwctlDeviceEntry): void {
    for (const listener of this.#listeners[event]) {
      try {
        listener(entry);
      } catch (e) {
        this.#emitError(e);
      }
    }
  }

  #emitError(err: unknown): void {
    for (const listener of this.#listeners.error) {
      try {
        listener(err);
      } catch {
        // An error listener that throws has nowhere left to report to.
      }
    }
  }
}

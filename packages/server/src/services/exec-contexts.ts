/**
 * ExecContexts: the ctl contexts Exec runs in, kept open for a moment
 * between calls.
 *
 * Exec is "open a context, one RPC, close": on a device that is three
 * firmware commands (CREATE_UCTX, the caller's, DESTROY_UCTX) for one the
 * caller wanted, and a poller running Exec in a loop pays for all three
 * every time. So a context whose RPC left it pristine (no object, no umem,
 * nothing in flight: see CtlContext.pristine) is kept for `idleMs` and
 * handed to the next Exec of the same principal on the same device with
 * the same privileges. Each RPC is still authorized and audited on its
 * own; what a caller can observe is only that consecutive Execs may share
 * a uid. A context that is not pristine, or one more than `perKey` idle
 * ones, is closed at once, as before.
 *
 * Idle contexts are closed by one sweep timer (unref'd, so it never keeps
 * a process alive), by `close()`, and by the ctl driver when their device
 * goes (then they are skipped and dropped here). `idleMs` 0 turns keeping
 * off.
 *
 * Owns: the idle contexts. Never: authorization, or a context in use.
 */
import { mapEntry } from '@auxctl/core';
import type { SourceContext } from '../sources/device-source.js';

/** ExecContextsOptions: how long and how many contexts are kept. */
export interface ExecContextsOptions {
  /** Idle time after which a kept context is closed (0 = keep none). */
  readonly idleMs: number;
  /** Most idle contexts per principal, device and privileges. */
  readonly perKey: number;
  /** Clock in ms (tests). */
  readonly now?: () => number;
}

/**
 * ExecContextKey: whose contexts may be shared (principal, device and
 * privileges), made once per call by `execContextKey`. Its parts are looked
 * up one by one in nested maps, as the strings the call already holds: a
 * key joined from them was built and hashed again on every Exec.
 */
export interface ExecContextKey {
  readonly principal: string;
  readonly device: string;
  readonly rawio: boolean;
}

/** execContextKey: the key of `principal`'s contexts on `device` with or without sys_rawio. */
export function execContextKey(principal: string, device: string, rawio: boolean): ExecContextKey {
  return { principal, device, rawio };
}

interface Idle {
  readonly ctx: SourceContext;
  readonly since: number;
}

/** Lists: a device's idle contexts, without sys_rawio ([0]) and with it ([1]). */
type Lists = [Idle[], Idle[]];

/** ExecContexts: see the module header. */
export class ExecContexts {
  /** Idle contexts by principal, then device. */
  private readonly idle = new Map<string, Map<string, Lists>>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: ExecContextsOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  /** size: idle contexts kept now. */
  get size(): number {
    let n = 0;
    for (const list of this.lists()) n += list.length;
    return n;
  }

  /** take: a kept context of `key` that is still pristine, or undefined. */
  take(key: ExecContextKey): SourceContext | undefined {
    const list = this.idle.get(key.principal)?.get(key.device)?.[key.rawio ? 1 : 0];
    let found: SourceContext | undefined;
    while (list && list.length > 0 && found === undefined) {
      const e = list.pop() as Idle;
      if (e.ctx.pristine) found = e.ctx;
    }
    // An emptied list stays for the next keep (the sweep drops it): deleting and
    // setting the same entry on every Exec made the maps rehash again and again.
    return found;
  }

  /**
   * keep: keep `ctx` for the next Exec of `key` and say true, or say false
   * when it may not be kept (see the module header): the caller closes it.
   */
  keep(key: ExecContextKey, ctx: SourceContext): boolean {
    if (this.stopped || this.o.idleMs <= 0 || !ctx.pristine) return false;
    const byDevice = mapEntry(this.idle, key.principal, () => new Map<string, Lists>());
    const list = mapEntry(byDevice, key.device, (): Lists => [[], []])[key.rawio ? 1 : 0];
    if (list.length >= this.o.perKey) return false;
    list.push({ ctx, since: this.now() });
    this.arm();
    return true;
  }

  /** close: close every kept context; later keeps say false. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const all = [...this.lists()].flat();
    this.idle.clear();
    await Promise.all(all.map((e) => e.ctx.close()));
  }

  /** sweep: close the contexts idle for idleMs or more (the timer calls it). */
  async sweep(): Promise<void> {
    const cutoff = this.now() - this.o.idleMs;
    const expired: SourceContext[] = [];
    for (const [principal, byDevice] of this.idle) {
      for (const [device, lists] of byDevice) {
        for (const [i, list] of lists.entries()) {
          const keep = list.filter((e) => e.since > cutoff && e.ctx.pristine);
          for (const e of list) if (!keep.includes(e)) expired.push(e.ctx);
          lists[i] = keep;
        }
        if (lists[0].length + lists[1].length === 0) byDevice.delete(device);
      }
      if (byDevice.size === 0) this.idle.delete(principal);
    }
    await Promise.all(expired.map((c) => c.close()));
  }

  /** lists: every idle list. */
  private *lists(): Generator<Idle[]> {
    for (const byDevice of this.idle.values()) {
      for (const lists of byDevice.values()) yield* lists;
    }
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sweep().then(() => {
        if (this.idle.size > 0 && !this.stopped) this.arm();
      });
    }, this.o.idleMs);
    this.timer.unref();
  }
}

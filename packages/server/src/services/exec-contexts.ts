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
 * privileges), made once per call by `execContextKey`.
 */
export type ExecContextKey = string & { readonly __execContextKey: never };

/** execContextKey: the key of `principal`'s contexts on `device` with or without sys_rawio. */
export function execContextKey(principal: string, device: string, rawio: boolean): ExecContextKey {
  return `${principal}\u0000${device}\u0000${rawio}` as ExecContextKey;
}

interface Idle {
  readonly ctx: SourceContext;
  readonly since: number;
}

/** ExecContexts: see the module header. */
export class ExecContexts {
  private readonly idle = new Map<string, Idle[]>();
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly o: ExecContextsOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  /** size: idle contexts kept now. */
  get size(): number {
    let n = 0;
    for (const list of this.idle.values()) n += list.length;
    return n;
  }

  /** take: a kept context of `key` that is still pristine, or undefined. */
  take(key: ExecContextKey): SourceContext | undefined {
    const list = this.idle.get(key);
    let found: SourceContext | undefined;
    while (list && list.length > 0 && found === undefined) {
      const e = list.pop() as Idle;
      if (e.ctx.pristine) found = e.ctx;
    }
    // An emptied list stays for the next keep (the sweep drops it): deleting and
    // setting the same key on every Exec made the map rehash again and again.
    return found;
  }

  /**
   * keep: keep `ctx` for the next Exec of `key` and say true, or say false
   * when it may not be kept (see the module header): the caller closes it.
   */
  keep(key: ExecContextKey, ctx: SourceContext): boolean {
    const list = this.idle.get(key);
    if (
      this.stopped ||
      this.o.idleMs <= 0 ||
      !ctx.pristine ||
      (list?.length ?? 0) >= this.o.perKey
    ) {
      return false;
    }
    const e: Idle = { ctx, since: this.now() };
    if (list) list.push(e);
    else this.idle.set(key, [e]);
    this.arm();
    return true;
  }

  /** close: close every kept context; later keeps say false. */
  async close(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const all = [...this.idle.values()].flat();
    this.idle.clear();
    await Promise.all(all.map((e) => e.ctx.close()));
  }

  /** sweep: close the contexts idle for idleMs or more (the timer calls it). */
  async sweep(): Promise<void> {
    const cutoff = this.now() - this.o.idleMs;
    const expired: SourceContext[] = [];
    for (const [k, list] of this.idle) {
      const keep = list.filter((e) => e.since > cutoff && e.ctx.pristine);
      for (const e of list) if (!keep.includes(e)) expired.push(e.ctx);
      if (keep.length > 0) this.idle.set(k, keep);
      else this.idle.delete(k);
    }
    await Promise.all(expired.map((c) => c.close()));
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

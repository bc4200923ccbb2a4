/**
 * ConcurrencyLimiter: caps on how many things run at once, per key (per
 * principal) and in total — sessions per principal, concurrent dumps.
 *
 * `acquire(key)` either counts one more holder and returns its release
 * function, or throws AuxError('EBUSY') naming the cap that was hit (the
 * per-key cap is checked first, since it is the one the caller can act on).
 * A release function works once; calling it again does nothing, so cleanup
 * paths (`finally`, stream close, cancel) may all call it. Keys with no
 * holders are forgotten, so memory follows what is held, not what was seen.
 *
 * Owns: the counts. Never: waits or queues (refusing fast is the point), or
 * lets a count go negative or above its cap.
 */
import { AuxError } from '@auxctl/prm';

/** ConcurrencyLimiterOptions: the caps (a non-negative integer or Infinity; default Infinity). */
export interface ConcurrencyLimiterOptions {
  /** Most holders per key. */
  readonly perKey?: number;
  /** Most holders across all keys. */
  readonly global?: number;
  /** What is limited, for error messages (e.g. "concurrent dumps"). */
  readonly name?: string;
}

/** ConcurrencyLimit: which cap refused an acquire. */
export type ConcurrencyLimit = 'per-key' | 'global';

/** Release: gives back one acquired slot; idempotent. */
export type Release = () => void;

function cap(name: string, v: number | undefined): number {
  if (v === undefined) return Number.POSITIVE_INFINITY;
  if (v === Number.POSITIVE_INFINITY || (Number.isSafeInteger(v) && v >= 0)) return v;
  throw new AuxError('EINVAL', `${name} cap must be a non-negative integer or Infinity, not ${v}`);
}

/** ConcurrencyLimiter: per-key and global counts of current holders. */
export class ConcurrencyLimiter {
  private readonly held = new Map<string, number>();
  private total = 0;
  readonly perKey: number;
  readonly global: number;
  private readonly name: string;

  constructor(opts: ConcurrencyLimiterOptions = {}) {
    this.perKey = cap('perKey', opts.perKey);
    this.global = cap('global', opts.global);
    this.name = opts.name ?? 'concurrency';
  }

  /** acquire: one more holder for `key`, or AuxError('EBUSY') with `detail.limit` naming the cap hit. */
  acquire(key: string): Release {
    const mine = this.held.get(key) ?? 0;
    if (mine >= this.perKey) this.refuse('per-key', key, this.perKey, mine);
    if (this.total >= this.global) this.refuse('global', key, this.global, this.total);
    this.held.set(key, mine + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.held.get(key) ?? 1) - 1;
      if (n > 0) this.held.set(key, n);
      else this.held.delete(key);
      this.total--;
    };
  }

  /** inUse: current holders of `key`, or of all keys when `key` is omitted. */
  inUse(key?: string): number {
    return key === undefined ? this.total : (this.held.get(key) ?? 0);
  }

  /** keys: how many keys have holders now. */
  get keys(): number {
    return this.held.size;
  }

  private refuse(limit: ConcurrencyLimit, key: string, max: number, inUse: number): never {
    const whose = limit === 'per-key' ? `for ${key}` : 'in total';
    throw new AuxError(
      'EBUSY',
      `${this.name}: ${inUse} of ${max} allowed ${whose} are in use; retry when one finishes`,
      { limit, name: this.name, key, cap: max, inUse },
    );
  }
}

/**
 * StreamCaps: how many long-lived streaming calls (Session, WatchDevices,
 * Coredump, ResourceDump) one connection and one principal may hold open
 * at once.
 *
 * Every open stream costs the server a call, HTTP/2 stream state and a
 * bounded send buffer; a client that opens streams and never reads them
 * must hit a cap long before that adds up. The per-connection cap keeps one
 * connection from taking a principal's whole share; the per-principal cap
 * bounds what one identity holds across all its connections. `acquire`
 * checks the connection first (the cap a client can act on by opening
 * another connection is the per-principal one), then the principal, and
 * takes both or neither.
 *
 * Owns the two counts. Never: waits or queues, or keeps a key with no
 * stream open (ConcurrencyLimiter forgets them), so memory follows open
 * streams, not connections seen.
 */
import { AuxError } from '@auxctl/prm';
import { ConcurrencyLimiter, type Release } from './concurrency-limiter.js';

/** StreamCapsOptions: the caps (positive integers, or Infinity). */
export interface StreamCapsOptions {
  readonly perConnection: number;
  readonly perPrincipal: number;
}

/** DEFAULT_STREAMS_PER_CONNECTION / DEFAULT_STREAMS_PER_PRINCIPAL: the default caps. */
export const DEFAULT_STREAMS_PER_CONNECTION = 32;
export const DEFAULT_STREAMS_PER_PRINCIPAL = 64;

/** StreamCaps: see the module header. */
export class StreamCaps {
  private readonly connections: ConcurrencyLimiter;
  private readonly principals: ConcurrencyLimiter;

  constructor(opts: StreamCapsOptions) {
    for (const [name, v] of Object.entries(opts)) {
      if (!(v === Number.POSITIVE_INFINITY || (Number.isSafeInteger(v) && v > 0))) {
        throw new AuxError('EINVAL', `stream cap ${name} must be a positive integer, not ${v}`);
      }
    }
    this.connections = new ConcurrencyLimiter({
      perKey: opts.perConnection,
      name: 'open streams per connection',
    });
    this.principals = new ConcurrencyLimiter({
      perKey: opts.perPrincipal,
      name: 'open streams per principal',
    });
  }

  /** acquire: one more open stream for `connection` and `principal`, or EBUSY naming the cap hit. */
  acquire(connection: string, principal: string): Release {
    const conn = this.connections.acquire(connection);
    let mine: Release;
    try {
      mine = this.principals.acquire(principal);
    } catch (err) {
      conn();
      throw err;
    }
    return () => {
      conn();
      mine();
    };
  }

  /** open: streams open now (all connections). */
  get open(): number {
    return this.principals.inUse();
  }

  /** keys: connections and principals with streams open now (nothing is kept for the others). */
  get keys(): { connections: number; principals: number } {
    return { connections: this.connections.keys, principals: this.principals.keys };
  }
}

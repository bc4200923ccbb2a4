/**
 * RefusalAudit: the one audit line of every refusal auxctld makes —
 * authentication, authorization, rate and concurrency limits, oversize and
 * malformed messages, and RPCs refused inside a Session.
 *
 * Line shape (event `refused`, level warn, stable field names):
 *
 * | field      | meaning                                                        |
 * |------------|----------------------------------------------------------------|
 * | event      | `refused`                                                      |
 * | kind       | `authentication`, `authorization`, `limit`, `message`          |
 * | principal  | the authenticated principal, when there is one                 |
 * | presented  | what an unauthenticated caller presented (certificate subject, issuer, URI; token `sub`, `iss`), unverified |
 * | peer       | the transport peer (`127.0.0.1:5555`)                          |
 * | method     | `auxctl.v1.CtlService/Exec` (the policy's form)                |
 * | device     | the device asked for, when known                               |
 * | scope      | the scope asked for, when known                                |
 * | code       | the gRPC status name the caller got (for a Session RPC: the errno its error carries) |
 * | errno      | the errno behind it                                            |
 * | reason     | what the caller was told                                       |
 * | cause      | a short machine reason (`no-certificate`, `CERT_HAS_EXPIRED`, `expired`, `bearer-not-accepted`, the limit's name, the deciding rule) |
| detail     | what else the refusing check knows (e.g. a dump's id and owner)  |
 * | suppressed | on a summary line: how many refusals of this key were not written since the last line |
 *
 * Lines are themselves limited, so a flood of refused calls cannot flood the
 * audit log: per key (the principal, else the peer's host) `burst` lines
 * are written at once and then `perSec` a second; refusals beyond that are
 * counted, and once a second one summary line per key carries the count
 * and the last refusal's fields. The number of keys kept is bounded; past
 * it, counts go to the key `*`.
 *
 * Owns: the line shape and its throttling, and which errors are refusals
 * (`refusalOf`). Never: decides whether to refuse, or writes anything a
 * caller could use to forge a line (values are strings pino escapes,
 * cut to 256 characters).
 */

import type { Logger } from '@auxctl/core';
import { isAuxError } from '@auxctl/prm';
import { status } from '@grpc/grpc-js';
import { RateLimiter } from '../limits/rate-limiter.js';
import { grpcFailureOf } from './grpc-status.js';

/** RefusalKind: which check refused. */
export type RefusalKind = 'authentication' | 'authorization' | 'limit' | 'message';

/** Refusal: one refusal, as the audit line records it. */
export interface Refusal {
  readonly kind: RefusalKind;
  readonly method: string;
  readonly code: string;
  readonly reason: string;
  readonly principal?: string | undefined;
  readonly presented?: Readonly<Record<string, string>> | undefined;
  readonly peer?: string | undefined;
  readonly device?: string | undefined;
  readonly scope?: string | undefined;
  readonly errno?: string | undefined;
  readonly cause?: string | undefined;
  /** What else the refusing check knows (e.g. a dump's id and owner), written as `detail`. */
  readonly detail?: Readonly<Record<string, string | number | boolean | undefined>> | undefined;
}

/** RefusalAuditOptions: line throttling (per key) and the clock. */
export interface RefusalAuditOptions {
  /** Lines written at once per key (default 10). */
  readonly burst?: number;
  /** Lines per second per key after the burst (default 1). */
  readonly perSec?: number;
  /** Keys with pending counts kept (default 10,000; past it they share `*`). */
  readonly maxKeys?: number;
  /** Interval of summary lines, ms (default 1000). */
  readonly summaryMs?: number;
  readonly now?: () => number;
}

const MAX_FIELD = 256;
const audited = new WeakSet<object>();

/**
 * refusalOf: the kind of refusal `err` is, or undefined when it is not one
 * auxctld made: EKEYREJECTED (authentication), EPERM from the policy
 * (`detail.rule`), EBUSY from a limiter (`detail.limit`), a message
 * refused by size or shape (`detail.message`). Other EPERMs come from
 * ctl-aux, whose own audit line records them.
 */
export function refusalOf(err: unknown): RefusalKind | undefined {
  if (!isAuxError(err)) return undefined;
  const d = (err.detail ?? {}) as Record<string, unknown>;
  if (err.code === 'EKEYREJECTED') return 'authentication';
  if (d.message !== undefined) return 'message';
  if (err.code === 'EPERM' && d.rule !== undefined) return 'authorization';
  if (err.code === 'EBUSY' && d.limit !== undefined) return 'limit';
  return undefined;
}

/** RefusalAudit: see the module header. */
export class RefusalAudit {
  private readonly lines: RateLimiter;
  private readonly pending = new Map<string, { count: number; last: Refusal }>();
  private readonly maxKeys: number;
  private readonly summaryMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly audit: Logger,
    opts: RefusalAuditOptions = {},
  ) {
    this.lines = new RateLimiter({
      ratePerSec: opts.perSec ?? 1,
      burst: opts.burst ?? 10,
      name: 'refusal lines',
      ...(opts.now && { now: opts.now }),
    });
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.summaryMs = opts.summaryMs ?? 1000;
  }

  /** record: audit one refusal (or count it, when its key is over its line budget). */
  record(r: Refusal): void {
    const key = r.principal ?? hostOf(r.peer);
    if (this.lines.take(key).allowed) {
      this.write(r, undefined);
      return;
    }
    const k = this.pending.has(key) || this.pending.size < this.maxKeys ? key : '*';
    const p = this.pending.get(k);
    if (p) {
      p.count++;
      p.last = r;
    } else this.pending.set(k, { count: 1, last: r });
    this.timer ??= setTimeout(() => this.flush(), this.summaryMs).unref();
  }

  /**
   * recordError: audit `err` if it is a refusal (see refusalOf) not yet
   * audited; `r` gives the call's side of the line. Returns whether a
   * refusal was recorded now.
   */
  recordError(err: unknown, r: Omit<Refusal, 'kind' | 'code' | 'reason'>): boolean {
    const kind = refusalOf(err);
    if (kind === undefined || audited.has(err as object)) return false;
    audited.add(err as object);
    const f = grpcFailureOf(err);
    const d = ((err as { detail?: unknown }).detail ?? {}) as Record<string, unknown>;
    this.record({
      ...r,
      kind,
      code: status[f.code] ?? 'UNKNOWN',
      errno: f.errno,
      reason: (err as Error).message,
      device: r.device ?? text(d.device),
      scope: r.scope ?? text(d.scope),
      cause: r.cause ?? text(d.reason ?? d.rule ?? d.message ?? d.name ?? d.limit),
    });
    return true;
  }

  /** markAudited: `err` was recorded by its thrower; recordError will not write it again. */
  static markAudited<E extends object>(err: E): E {
    audited.add(err);
    return err;
  }

  /** flush: write the summary lines now (and stop the timer). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const { count, last } of this.pending.values()) this.write(last, count);
    this.pending.clear();
  }

  /** close: flush what is pending; nothing is left scheduled. */
  close(): void {
    this.flush();
  }

  private write(r: Refusal, suppressed: number | undefined): void {
    this.audit.warn(
      {
        event: 'refused',
        kind: r.kind,
        principal: cut(r.principal),
        presented: r.presented,
        peer: cut(r.peer),
        method: cut(r.method),
        device: cut(r.device),
        scope: r.scope,
        code: r.code,
        errno: r.errno,
        reason: cut(r.reason),
        cause: cut(r.cause),
        detail: r.detail,
        suppressed,
      },
      suppressed === undefined ? 'refused' : 'refusals not written one by one',
    );
  }
}

function cut(s: string | undefined): string | undefined {
  return s === undefined || s.length <= MAX_FIELD ? s : `${s.slice(0, MAX_FIELD)}…`;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}

/** hostOf: `10.0.0.1:5555` -> `10.0.0.1` (the key of unauthenticated callers). */
function hostOf(peer: string | undefined): string {
  if (peer === undefined) return '?';
  const i = peer.lastIndexOf(':');
  return i > 5 ? peer.slice(0, i) : peer;
}

/**
 * IbCq: a completion queue of a verbs context: a core CompletionQueue
 * created under the context's uid, polled into work completions.
 *
 * Completions are read three ways:
 * - `poll(max)`: what is there now (never waits);
 * - `reqNotify()` + `onCompletion(fn)`: `fn` runs when the device raises
 *   the CQ's completion event (once per `reqNotify`, as
 *   ibv_req_notify_cq + the completion channel);
 * - `waitCompletions()`: poll, and when nothing is there arm the CQ and
 *   wait for its event; resolves with at least one completion. Rejected
 *   with ENOENT / ENODEV when the CQ, its context or its device goes away,
 *   ECANCELED when the caller's signal aborts.
 * Each CQE names its QP; the QP turns it into a work completion (wrId,
 * opcode) and frees its ring slots. CQEs of a QP destroyed meanwhile are
 * dropped, as mlx5_ib cleans a destroyed QP's entries out of its CQs.
 *
 * Owns: the CQ object, its ring and its event handler.
 */

import { CompletionQueue, EventChannel } from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type { ContextLink } from './context-link.js';
import { VerbsBase } from './verbs-base.js';
import type { WorkCompletion } from './work-completion.js';

/** CqEvent: the CQ's completion event fired. */
export interface CqEvent {
  readonly type: 'completion';
  readonly cq: IbCq;
}

interface Waiter {
  resolve(): void;
  reject(err: Error): void;
}

/** IbCq: see the module header. */
export class IbCq extends VerbsBase {
  readonly kind = 'CQ';
  private readonly events = new EventChannel<CqEvent>();
  private readonly waiters = new Set<Waiter>();
  private armed = false;
  private cq!: CompletionQueue;

  private constructor(link: ContextLink) {
    super(link);
  }

  /** create: a CQ of at least `cqe` entries (a power of two) on completion vector `vector`. */
  static async create(link: ContextLink, cqe: number, vector: number): Promise<IbCq> {
    const ib = new IbCq(link);
    ib.cq = await CompletionQueue.create(link.h, {
      logSize: Math.max(0, Math.ceil(Math.log2(cqe))),
      vector,
      uid: link.uid,
      onCompletion: () => ib.fire(),
    });
    return ib;
  }

  /** cqn: the firmware's CQ number. */
  get cqn(): number {
    return this.cq.cqn;
  }

  /** core: the ring object, for a QP that reports to this CQ. */
  core(): CompletionQueue {
    this.check();
    return this.cq;
  }

  /** entries: the CQ's size. */
  get entries(): number {
    return this.cq.entries;
  }

  /** poll: up to `max` work completions (default: as many as are there). */
  poll(max = this.cq.entries): WorkCompletion[] {
    this.check();
    if (!Number.isInteger(max) || max < 1)
      throw new AuxError('EINVAL', 'poll(max): max must be >= 1');
    const out: WorkCompletion[] = [];
    while (out.length < max) {
      const cqes = this.cq.poll(max - out.length);
      if (cqes.length === 0) break;
      for (const cqe of cqes) {
        const wc = this.link.sink(cqe.qpn)?.complete(cqe);
        if (wc) out.push(wc);
      }
    }
    return out;
  }

  /** reqNotify: ask for one completion event (at once when completions are unread). */
  reqNotify(solicited = false): void {
    this.check();
    this.armed = true;
    this.cq.arm(solicited);
  }

  /** onCompletion: call `fn` on each completion event; returns the unsubscribe function. */
  onCompletion(fn: (e: CqEvent) => void): () => void {
    this.check();
    return this.events.subscribe(fn);
  }

  /** waitCompletions: see the module header. */
  async waitCompletions(
    opts: { max?: number; signal?: AbortSignal } = {},
  ): Promise<WorkCompletion[]> {
    for (;;) {
      const wcs = this.poll(opts.max);
      if (wcs.length > 0) return wcs;
      await this.nextEvent(opts.signal);
    }
  }

  private nextEvent(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(cancelled());
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.delete(w);
        reject(cancelled());
      };
      const w: Waiter = {
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal?.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(w);
      if (!this.armed) {
        this.armed = true;
        this.cq.arm();
      }
    });
  }

  private fire(): void {
    this.armed = false;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w.resolve();
    this.events.publish({ type: 'completion', cq: this });
  }

  protected label(): string {
    return `CQ ${this.cq.cqn}`;
  }

  protected async destroyObject(): Promise<void> {
    await this.cq.destroy();
  }

  protected release(gone: () => Error): void {
    this.cq.release();
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w.reject(gone());
  }
}

function cancelled(): AuxError {
  return new AuxError('ECANCELED', 'waitCompletions was aborted by its signal');
}

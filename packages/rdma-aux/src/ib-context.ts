/**
 * IbContext: a verbs user context (the ucontext of an opened ib_device):
 * its own firmware uid (CREATE_UCTX, as mlx5_ib does for a user context)
 * and every object created through it (PD, MR, CQ, QP), all under that
 * uid, so the firmware and ctl's resource dump attribute them to it.
 *
 * LIFESPAN
 *   1. `IbDevice.openContext()` creates the uctx;
 *   2. objects are created through the context and may be destroyed one
 *      by one (an object still used by another: EBUSY);
 *   3. `close()` (or the device's removal) refuses new work, waits for
 *      creations in flight, destroys every object newest first (so a QP
 *      goes before its CQs and PD), then DESTROY_UCTX, which also frees
 *      anything the firmware still holds for the uid. Host memory is
 *      released whatever the device answers. Afterwards every call on the
 *      context or its objects fails with ENODEV.
 *
 * Owns: its uid, its objects, the virtual addresses of its MRs. Never:
 * the device (IbDevice) or the caller's buffers.
 */

import { allocPd, type CoreHandle, destroyUctx, type Logger } from '@auxctl/core';
import { AuxError, PAGE_SIZE } from '@auxctl/prm';
import type { ContextLink, VerbsKind, VerbsObject } from './context-link.js';
import { IbCq } from './ib-cq.js';
import { IbMr } from './ib-mr.js';
import { IbPd } from './ib-pd.js';
import { IbQp } from './ib-qp.js';
import { pinnedPages } from './page-buffer.js';
import {
  checkAccess,
  checkCqe,
  checkQpCap,
  type IbAccess,
  type QpCap,
} from './verbs-validation.js';

/** MR_VA_BASE: where a context's memory-region addresses start. */
export const MR_VA_BASE = 0x7f00_0000_0000n;

/** QpCreate: what `createQp` takes (RC only). */
export interface QpCreate {
  readonly pd: IbPd;
  readonly sendCq: IbCq;
  readonly recvCq: IbCq;
  readonly cap: QpCap;
}

/** IbContextOptions: what the device gives a new context. */
export interface IbContextOptions {
  readonly handle: CoreHandle;
  readonly device: string;
  readonly uid: number;
  readonly log: Logger;
  readonly onClosed: (ctx: IbContext) => void;
}

/** IbContext: see the module header. */
export class IbContext {
  readonly uid: number;
  readonly device: string;
  private readonly ledger = new Set<VerbsObject>();
  private readonly qps = new Map<number, IbQp>();
  private readonly pending = new Set<Promise<unknown>>();
  private readonly link: ContextLink;
  private gone: (() => Error) | undefined;
  private ending: Promise<void> | undefined;
  private nextVa = MR_VA_BASE;

  constructor(private readonly o: IbContextOptions) {
    this.uid = o.uid;
    this.device = o.device;
    this.link = {
      h: o.handle,
      uid: o.uid,
      dma: o.handle.dma,
      log: o.log,
      check: () => this.check(),
      owns: (obj) => this.ledger.has(obj),
      forget: (obj) => {
        this.ledger.delete(obj);
        if (obj instanceof IbQp) this.qps.delete(obj.qpn);
      },
      sink: (qpn) => this.qps.get(qpn),
    };
  }

  /** live: false once closing or closed. */
  get live(): boolean {
    return this.gone === undefined;
  }

  /** objects: live objects of each kind (kinds with none are left out). */
  objects(): Partial<Record<VerbsKind, number>> {
    const out: Partial<Record<VerbsKind, number>> = {};
    for (const o of this.ledger) out[o.kind] = (out[o.kind] ?? 0) + 1;
    return out;
  }

  /** allocPd: a protection domain. */
  allocPd(): Promise<IbPd> {
    return this.make(async () => new IbPd(this.link, await allocPd(this.o.handle, this.uid)));
  }

  /**
   * regMr: register `buffer` with `access`; the region's `addr`, `lkey`
   * and `rkey`. The pages the buffer lies in are registered whole (see
   * page-buffer.ts) and `addr` keeps the buffer's offset in its page.
   * EINVAL for an empty buffer, one whose memory ends inside a page, bad
   * flags (remote write needs local write), or a PD of another context.
   */
  regMr(pd: IbPd, buffer: Uint8Array, access: IbAccess = {}): Promise<IbMr> {
    return this.make(async () => {
      const rights = checkAccess(access);
      const pinned = pinnedPages(buffer);
      this.mine(pd, 'PD');
      const addr = this.nextVa + BigInt(pinned.offset);
      this.nextVa += BigInt(pinned.pages.length + PAGE_SIZE);
      return IbMr.register(this.link, {
        pd,
        pinned,
        length: buffer.byteLength,
        access: rights,
        addr,
      });
    });
  }

  /** createCq: a CQ of at least `cqe` entries (1..65536) on completion `vector` (default 0). */
  createCq(cqe: number, opts: { vector?: number } = {}): Promise<IbCq> {
    return this.make(async () => {
      checkCqe(cqe);
      await this.o.handle.openDataPath();
      const vector = opts.vector ?? 0;
      if (!Number.isInteger(vector) || vector < 0 || vector >= this.o.handle.compVectors) {
        throw new AuxError('EINVAL', `vector must be 0..${this.o.handle.compVectors - 1}`);
      }
      return IbCq.create(this.link, cqe, vector);
    });
  }

  /** createQp: an RC QP in RESET over `pd` and the two CQs (all of this context). */
  createQp(o: QpCreate): Promise<IbQp> {
    return this.make(async () => {
      const cap = checkQpCap(o?.cap);
      this.mine(o.pd, 'PD');
      this.mine(o.sendCq, 'CQ');
      this.mine(o.recvCq, 'CQ');
      return IbQp.create(this.link, { pd: o.pd, sendCq: o.sendCq, recvCq: o.recvCq, cap });
    });
  }

  /** close: see LIFESPAN step 3; idempotent, never rejects. */
  close(): Promise<void> {
    return this.end(
      () => new AuxError('ENODEV', `verbs context ${this.uid} is closed; open another`),
    );
  }

  /** detach: close because the device is going away (later calls: ENODEV, device removed). */
  detach(): Promise<void> {
    return this.end(
      () => new AuxError('ENODEV', `${this.device} was removed; list devices and open another`),
    );
  }

  private end(gone: () => Error): Promise<void> {
    this.ending ??= (async () => {
      this.gone = gone;
      await Promise.allSettled([...this.pending]);
      for (const obj of [...this.ledger].reverse()) await obj.teardown(gone);
      this.ledger.clear();
      this.qps.clear();
      await destroyUctx(this.o.handle, this.uid).catch((err: unknown) =>
        this.o.log.warn({ err, uid: this.uid }, 'DESTROY_UCTX failed'),
      );
      this.o.onClosed(this);
      this.o.log.debug({ uid: this.uid }, 'verbs context closed');
    })();
    return this.ending;
  }

  private check(): void {
    if (this.gone) throw this.gone();
  }

  /** mine: `obj` must be a live object of this context of kind `kind`. */
  private mine(obj: unknown, kind: VerbsKind): void {
    const o = obj as (VerbsObject & { live?: boolean }) | undefined;
    if (!o || o.kind !== kind) throw new AuxError('EINVAL', `expected a ${kind} of this context`);
    if (!this.ledger.has(o)) {
      throw o.live === false
        ? new AuxError('ENOENT', `that ${kind} was destroyed`)
        : new AuxError('EINVAL', `that ${kind} belongs to another context`);
    }
  }

  /** make: run a creation; it counts as in flight for close, and a close meanwhile undoes it. */
  private async make<T extends VerbsObject>(create: () => Promise<T>): Promise<T> {
    this.check();
    const p = create().then((obj) => {
      this.ledger.add(obj);
      if (obj instanceof IbQp) this.qps.set(obj.qpn, obj);
      return obj;
    });
    this.pending.add(p);
    const done = () => this.pending.delete(p);
    p.then(done, done);
    const obj = await p;
    // A close that began meanwhile tears the new object down with the rest.
    if (this.gone) throw this.gone();
    return obj;
  }
}

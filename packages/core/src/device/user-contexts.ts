/**
 * UserContexts: the firmware user contexts (uids) an aux driver's device
 * hands out — one per open ctl file, one per verbs context — and the one
 * way they all end when the device goes.
 *
 * `open` runs CREATE_UCTX and wraps the uid with the driver's `make`; opens
 * in progress are tracked, so `detach` waits for them, then detaches every
 * context. An open that completes after detach began gives its uid back at
 * once and fails with the driver's "gone" error, so nothing outlives the
 * device. A context that closes on its own reports it with `closed`.
 *
 * Owns: the set of contexts and opens in progress. Never: what a context
 * does with its uid (the driver's context class).
 */
import { type AuxError, CreateUctxIn, CreateUctxOut, Op, Uctx } from '@auxctl/prm';
import { buildInbox, type CommandExecutor } from './firmware-commands.js';
import { destroyUctx } from './memory-commands.js';

/** UserContext: what UserContexts needs of a driver's context. */
export interface UserContext {
  /** detach: close on behalf of the driver because the device is going away; never rejects. */
  detach(): Promise<void>;
}

/** UserContexts: see the module header. */
export class UserContexts<C extends UserContext> {
  private readonly open_ = new Set<C>();
  private readonly opening = new Set<Promise<unknown>>();
  private detaching: Promise<void> | undefined;

  /** `gone` is the error calls get once the device is being detached (ENODEV). */
  constructor(
    private readonly cmd: CommandExecutor,
    private readonly gone: () => AuxError,
  ) {}

  /** live: false once detach began. */
  get live(): boolean {
    return this.detaching === undefined;
  }

  /** size: contexts open now. */
  get size(): number {
    return this.open_.size;
  }

  /**
   * open: CREATE_UCTX with capability bits `cap`, then `make(uid)`; the
   * driver's gone error once detached, CREATE_UCTX's errno when firmware
   * refuses (ENOMEM: no uid left).
   */
  open(cap: number, make: (uid: number) => C): Promise<C> {
    if (!this.live) return Promise.reject(this.gone());
    const p = this.create(cap, make);
    this.opening.add(p);
    const done = () => this.opening.delete(p);
    p.then(done, done);
    return p;
  }

  /** closed: `c` closed on its own; forget it. */
  closed(c: C): void {
    this.open_.delete(c);
  }

  /** detach: refuse new opens, wait for those in progress, detach every context. Idempotent; never rejects. */
  detach(): Promise<void> {
    this.detaching ??= (async () => {
      await Promise.allSettled([...this.opening]);
      await Promise.allSettled([...this.open_].map((c) => c.detach()));
    })();
    return this.detaching;
  }

  private async create(cap: number, make: (uid: number) => C): Promise<C> {
    const inbox = buildInbox(CreateUctxIn, Op.CREATE_UCTX);
    Uctx.set(inbox, 'cap', cap, CreateUctxIn.byteOffset('uctx'));
    const out = await this.cmd.cmdExec(inbox, CreateUctxOut.bytes);
    const uid = CreateUctxOut.get(out, 'uid');
    if (!this.live) {
      // Removal began while the uctx was being made: give it back at once.
      await destroyUctx(this.cmd, uid).catch(() => {});
      throw this.gone();
    }
    const c = make(uid);
    this.open_.add(c);
    return c;
  }
}

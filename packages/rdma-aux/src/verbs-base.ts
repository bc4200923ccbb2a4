/**
 * VerbsBase: what every verbs object (PD, MR, CQ, QP) shares: its place
 * in the context's ledger, the use count of objects built on it (as
 * ib_core's `usecnt`: a PD in use by an MR or QP, a CQ in use by a QP,
 * cannot be destroyed: EBUSY, before any command is sent), and the two
 * ways it ends:
 * - `destroy()`: the caller's; the firmware object goes first, then host
 *   memory; later calls fail with ENOENT;
 * - `teardown()`: the context's (close, device removal); never fails,
 *   always releases host memory; later calls fail with ENODEV.
 *
 * Owns: the object's life state. Never: the firmware object's contents.
 */
import { AuxError } from '@auxctl/prm';
import type { ContextLink, VerbsKind, VerbsObject } from './context-link.js';

/** VerbsBase: see the module header. */
export abstract class VerbsBase implements VerbsObject {
  abstract readonly kind: VerbsKind;
  private gone: (() => Error) | undefined;
  private destroying = false;
  private users = 0;

  constructor(protected readonly link: ContextLink) {}

  /** live: false once destroyed or torn down. */
  get live(): boolean {
    return this.gone === undefined;
  }

  /** destroy: destroy the object; EBUSY while other objects use it, ENOENT when already gone. */
  async destroy(): Promise<void> {
    this.check();
    if (this.destroying) throw new AuxError('ENOENT', `${this.label()} is being destroyed`);
    if (this.users > 0) {
      throw new AuxError(
        'EBUSY',
        `${this.label()} is used by ${this.users} object(s); destroy them first`,
      );
    }
    this.destroying = true;
    try {
      await this.destroyObject();
    } finally {
      this.destroying = false;
    }
    this.end(() => new AuxError('ENOENT', `${this.label()} was destroyed`));
    this.link.forget(this);
  }

  /** teardown: see VerbsObject. */
  async teardown(gone: () => Error): Promise<void> {
    if (this.gone) return;
    this.gone = gone;
    try {
      await this.destroyObject();
    } catch (err) {
      this.link.log.debug({ err, object: this.label() }, 'destroy during teardown failed');
    } finally {
      this.release(gone);
    }
  }

  /** use / unuse: count an object built on this one (and its end). */
  use(): void {
    this.users++;
  }

  unuse(): void {
    this.users = Math.max(0, this.users - 1);
  }

  /** check: throws ENODEV once the context is gone, ENOENT once this object is. */
  protected check(): void {
    this.link.check();
    if (this.gone) throw this.gone();
  }

  /** end: mark the object gone after a successful destroy. */
  private end(gone: () => Error): void {
    this.gone = gone;
    this.release(gone);
  }

  /** label: how messages name the object. */
  protected abstract label(): string;

  /** destroyObject: the firmware commands (may throw; memory is released by `release`). */
  protected abstract destroyObject(): Promise<void>;

  /** release: host memory, handlers, use counts; idempotent, never throws. */
  protected abstract release(gone: () => Error): void;
}

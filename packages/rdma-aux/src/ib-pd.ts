/**
 * IbPd: a protection domain (ALLOC_PD under the context's uid). Memory
 * regions and QPs are created in a PD; the device lets a QP use only keys
 * of its own PD.
 *
 * Owns: the PD object. Never: the MRs and QPs in it (the context does).
 */
import { deallocPd } from '@auxctl/core';
import type { ContextLink } from './context-link.js';
import { VerbsBase } from './verbs-base.js';

/** IbPd: see the module header. */
export class IbPd extends VerbsBase {
  readonly kind = 'PD';

  constructor(
    link: ContextLink,
    /** pdn: the firmware's PD number. */
    readonly pdn: number,
  ) {
    super(link);
  }

  /** assertUsable: throws ENODEV / ENOENT when this PD cannot take new objects. */
  assertUsable(): void {
    this.check();
  }

  protected label(): string {
    return `PD ${this.pdn}`;
  }

  protected async destroyObject(): Promise<void> {
    await deallocPd(this.link.h, this.pdn, this.link.uid);
  }

  protected release(): void {}
}

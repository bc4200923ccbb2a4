/**
 * IbMr: a memory region over the caller's buffer: the buffer is mapped for
 * the device, registered as a umem (CREATE_UMEM) and seen through an mkey
 * (CREATE_MKEY, MTT mode over the umem) with the region's access flags,
 * all under the context's uid. The key is both `lkey` (local SGEs) and
 * `rkey` (what a peer names in RDMA WRITE / READ).
 *
 * Addresses: the region starts at `addr`, a virtual address the context
 * hands out (page aligned, never reused within the context), as a user
 * process's buffer address would be; SGEs and remote addresses are
 * `addr + offset`.
 *
 * The umem is the whole pages the buffer lies in (see page-buffer.ts);
 * the key starts at the buffer's offset in them and covers its bytes only.
 *
 * Owns: the mkey, the umem and the DMA mapping; destroy releases all three.
 * Never: the buffer (the caller's; the device writes into it).
 */
import { createUmem, createUmemMkey, destroyMkey, destroyUmem } from '@auxctl/core';
import type { ContextLink } from './context-link.js';
import type { IbPd } from './ib-pd.js';
import type { PinnedPages } from './page-buffer.js';
import { VerbsBase } from './verbs-base.js';
import type { IbAccess } from './verbs-validation.js';

/** MrSetup: what IbMr.register needs. */
export interface MrSetup {
  readonly pd: IbPd;
  readonly pinned: PinnedPages;
  readonly length: number;
  readonly access: Required<IbAccess>;
  readonly addr: bigint;
}

/** IbMr: see the module header. */
export class IbMr extends VerbsBase {
  readonly kind = 'MR';
  private unmapped = false;

  private constructor(
    link: ContextLink,
    readonly pd: IbPd,
    /** The region's first address and its length in bytes. */
    readonly addr: bigint,
    readonly length: number,
    readonly access: Required<IbAccess>,
    readonly lkey: number,
    private readonly umem: number,
    private readonly busAddr: bigint,
  ) {
    super(link);
  }

  /** rkey: the key a peer uses (the same mkey). */
  get rkey(): number {
    return this.lkey;
  }

  /** register: map, CREATE_UMEM, CREATE_MKEY; on failure everything done so far is undone. */
  static async register(link: ContextLink, s: MrSetup): Promise<IbMr> {
    const { h, uid, dma } = link;
    const busAddr = dma.map(s.pinned.pages);
    let umem: number | undefined;
    try {
      umem = await createUmem(h, dma, { addr: busAddr, size: s.pinned.pages.length, uid });
      const key = await createUmemMkey(h, {
        pd: s.pd.pdn,
        umem,
        offset: s.pinned.offset,
        len: s.length,
        iova: s.addr,
        rights: s.access,
        uid,
      });
      const mr = new IbMr(link, s.pd, s.addr, s.length, s.access, key, umem, busAddr);
      s.pd.use();
      return mr;
    } catch (err) {
      if (umem !== undefined) await destroyUmem(h, umem, uid).catch(() => {});
      dma.unmap(busAddr);
      throw err;
    }
  }

  protected label(): string {
    return `MR 0x${this.lkey.toString(16)}`;
  }

  protected async destroyObject(): Promise<void> {
    await destroyMkey(this.link.h, this.lkey, this.link.uid);
    await destroyUmem(this.link.h, this.umem, this.link.uid);
  }

  protected release(): void {
    if (this.unmapped) return;
    this.unmapped = true;
    this.pd.unuse();
    this.link.dma.unmap(this.busAddr);
  }
}

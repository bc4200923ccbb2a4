/**
 * VnetResourceSet: what every queue of an mlx5 vdpa device shares
 * (mlx5_vdpa's `mlx5_vdpa_alloc_resources` and its memory key): a PD, a
 * physical-address key on it (the device's IOVAs are bus addresses of the
 * function's DMA space, see vnet-dma.ts) and a TIS on port 1 for the TX
 * queues, all on uid 0 like the kernel driver's, plus the virtio emulation
 * capability the queue sizes come from.
 *
 * LIFESPAN
 *   `create` makes them (nothing left on failure); `destroy` destroys them
 *   (never throws, idempotent); `rebuild` makes them again after the
 *   core's firmware reloaded (objects of the old boot are gone with it).
 *
 * Owns: those three objects. Never: the queues (HwVirtqueue) that use them.
 */
import {
  allocPd,
  type CoreHandle,
  createPaMkey,
  createTis,
  deallocPd,
  destroyMkey,
  destroyTis,
  type Logger,
  ObjectStack,
  queryVirtioEmulationCaps,
} from '@auxctl/core';
import { AuxError } from '@auxctl/prm';
import type { VnetResources } from './hw-virtqueue.js';

/** VnetResourceSet: see the module header. */
export class VnetResourceSet {
  private objs = new ObjectStack();
  private current: VnetResources | undefined;

  private constructor(
    private readonly h: CoreHandle,
    private readonly log: Logger,
  ) {}

  /** create: see LIFESPAN. */
  static async create(h: CoreHandle, log: Logger): Promise<VnetResourceSet> {
    const r = new VnetResourceSet(h, log);
    await r.rebuild();
    return r;
  }

  /** owned: the live resources; ENODEV while destroyed (the core is reloading). */
  owned(): VnetResources {
    if (!this.current) throw new AuxError('ENODEV', 'the vdpa device resources are not set up');
    return this.current;
  }

  /** rebuild: make the resources (after `destroy`); nothing is left on failure. */
  async rebuild(): Promise<void> {
    if (this.current) return;
    const { h, objs } = this;
    try {
      const cap = h.virtioCaps ?? (await queryVirtioEmulationCaps(h));
      const pd = await allocPd(h);
      objs.push('PD', () => deallocPd(h, pd));
      const mkey = await createPaMkey(h, pd);
      objs.push('MKEY', () => destroyMkey(h, mkey));
      const tisn = await createTis(h, { port: 1 });
      objs.push('TIS', () => destroyTis(h, tisn));
      this.current = { pd, mkey, tisn, cap };
    } catch (err) {
      await objs.unwind(this.log);
      throw err;
    }
  }

  /** destroy: see LIFESPAN. */
  async destroy(): Promise<void> {
    this.current = undefined;
    await this.objs.unwind(this.log);
  }
}

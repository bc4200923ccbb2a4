/**
 * ObjectStack: the firmware objects and mappings a driver built, in build
 * order, to be destroyed in reverse — the undo list mlx5 drivers keep as
 * goto labels. A driver pushes each object as soon as it exists, so a
 * failure half-way through a build unwinds exactly what was made.
 *
 * `unwind` destroys newest first. A destroy that fails (device in error,
 * handle revoked) is logged and the object's host memory released anyway
 * (`release`): an unwound stack never leaks a DMA mapping.
 *
 * USAGE
 *   const objs = new ObjectStack();
 *   const pd = await allocPd(h);
 *   objs.push('PD', () => deallocPd(h, pd));
 *   const cq = await CompletionQueue.create(h, ...);
 *   objs.push('CQ', () => cq.destroy(), () => cq.release());
 *   ...
 *   await objs.unwind(log);
 *
 * Owns: the list. Never: the objects (their destroy functions do).
 */
import type { Logger } from '../log.js';

interface Entry {
  readonly what: string;
  readonly destroy: () => Promise<unknown> | unknown;
  readonly release: (() => void) | undefined;
}

/** ObjectStack: see the module header. */
export class ObjectStack {
  private entries: Entry[] = [];

  /** size: objects on the stack. */
  get size(): number {
    return this.entries.length;
  }

  /** push: remember an object; `release` frees its host memory when `destroy` fails. */
  push(what: string, destroy: () => Promise<unknown> | unknown, release?: () => void): void {
    this.entries.push({ what, destroy, release });
  }

  /** unwind: destroy every object, newest first; never throws. Idempotent. */
  async unwind(log: Logger): Promise<void> {
    const entries = this.entries.reverse();
    this.entries = [];
    for (const e of entries) {
      try {
        await e.destroy();
      } catch (err) {
        log.warn({ err, object: e.what }, 'destroying an object failed; its memory is released');
        e.release?.();
      }
    }
  }
}

/**
 * userRing: a split ring a vhost-vdpa user lays out in its own memory —
 * descriptor table, available and used ring of `num` entries — mapped
 * through the handle and programmed as queue `idx`. For tests and
 * embedders' tests that drive rings by hand with prm's accessors.
 */
import { vringSizes } from '@auxctl/prm';
import type { VhostVdpaHandle } from '../vhost/vhost-vdpa-handle.js';

/** UserRing: the three areas, as the user's Buffers. */
export interface UserRing {
  readonly desc: Buffer;
  readonly avail: Buffer;
  readonly used: Buffer;
}

/** userRing: see the module header. */
export function userRing(h: VhostVdpaHandle, idx: number, num: number): UserRing {
  const sizes = vringSizes(num);
  const desc = Buffer.alloc(sizes.desc);
  const avail = Buffer.alloc(sizes.avail);
  const used = Buffer.alloc(sizes.used);
  h.setVringNum(idx, num);
  h.setVringAddr(idx, h.dmaMap(desc), h.dmaMap(avail), h.dmaMap(used));
  return { desc, avail, used };
}

/**
 * Mlx5VfDirtyLog: mlx5_vfio_pci's log ops (`vfio_log_ops`) for one VF —
 * device DMA logging on the tracker the PF's host offers for the VF
 * (`VirtualFunctionHost.dirtyLog`, the stand-in for mlx5's PAGE_TRACK
 * object). vfio core has checked the ranges and page size; the tracker
 * keeps its own rules (EBUSY, EINVAL when not started). Reports set one
 * bit per page written; once the VF is gone every call is ENOTCONN.
 *
 * Owns: nothing but the page size chosen at start. Never: the log (the
 * tracker's).
 */
import type { DmaDirtyLog } from '@auxctl/prm';
import type { IovaBitmap, IovaRange, LogOps } from '@auxctl/vfio';
import type { VfTarget } from './vf-target.js';

/** Mlx5VfDirtyLog: see the module header. */
export class Mlx5VfDirtyLog implements LogOps {
  private pageSize = 0n;

  constructor(
    private readonly vf: VfTarget,
    private readonly tracker: DmaDirtyLog,
  ) {}

  async start(ranges: readonly IovaRange[], pageSize: bigint): Promise<bigint> {
    this.vf.connected();
    this.tracker.start(ranges, Number(pageSize));
    this.pageSize = pageSize;
    return pageSize;
  }

  async stop(): Promise<void> {
    this.vf.connected();
    this.tracker.stop();
  }

  async readAndClear(bitmap: IovaBitmap): Promise<void> {
    this.vf.connected();
    for (const page of this.tracker.readAndClear(bitmap.iova, bitmap.length)) {
      bitmap.setRange(page, this.pageSize);
    }
  }
}

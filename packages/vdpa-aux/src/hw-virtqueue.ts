/**
 * HwVirtqueue: one data virtqueue of an mlx5 vdpa net device, run by the
 * firmware (mlx5_vdpa's `setup_vq` / `teardown_vq`): three umems sized by
 * the virtio emulation capability, a counter set, the notification channel
 * (a CQ and two RC QPs connected to each other: the firmware QP the queue
 * names, and the driver QP whose receive queue takes one message per
 * notification), then the VIRTIO_NET_Q object itself.
 *
 * LIFESPAN
 *   1. `HwVirtqueue.create(h, res, cfg, hooks)`: objects made in that order,
 *      the queue in INIT starting at `cfg.availIndex` / `cfg.usedIndex`;
 *      nothing is left on failure.
 *   2. `ready()`: MODIFY to RDY; `suspend()`: MODIFY to SUSPEND, then QUERY
 *      for the ring positions the firmware stopped at (what a later create
 *      starts from); `resume()`: SUSPEND -> RDY (freeze_to_rdy).
 *   3. `destroy()`: everything destroyed in reverse; never throws.
 *
 * A notification (a RESP_SEND completion on the driver QP) reposts the
 * receive and calls `hooks.notify`; an OBJECT_CHANGE event for the queue
 * calls `hooks.changed` (the firmware moved it to ERR).
 *
 * Owns: the queue's firmware objects and their memory. Never: the rings
 * (the driver's memory) or the device status.
 */
import {
  CompletionQueue,
  type CoreHandle,
  createUmem,
  createVirtq,
  createVirtqCounters,
  destroyUmem,
  destroyVirtq,
  destroyVirtqCounters,
  kickVirtq,
  type Logger,
  modifyVirtq,
  ObjectStack,
  QueuePair,
  queryVirtq,
  queryVirtqCounters,
  type VirtioEmulationCaps,
  type VirtqInfo,
  type VirtqUmem,
  virtqUmemSizes,
} from '@auxctl/core';
import { GeneralObjType, VirtqState } from '@auxctl/prm';

/** VnetResources: what every queue of a device shares (mlx5_vdpa_resources). */
export interface VnetResources {
  readonly pd: number;
  /** The key the queue addresses are IOVAs of. */
  readonly mkey: number;
  readonly tisn: number;
  readonly cap: VirtioEmulationCaps;
}

/** HwVqConfig: where the driver put the rings, and where the queue starts. */
export interface HwVqConfig {
  readonly index: number;
  readonly size: number;
  readonly desc: bigint;
  readonly avail: bigint;
  readonly used: bigint;
  readonly availIndex: number;
  readonly usedIndex: number;
}

/** HwVqHooks: what the queue reports. */
export interface HwVqHooks {
  readonly notify: () => void;
  readonly changed: () => void;
  readonly log: Logger;
}

/** Ring positions a suspended queue stopped at. */
export interface HwVqPosition {
  readonly availIndex: number;
  readonly usedIndex: number;
}

const PAGE = 4096;
/** log2 of receive WQEs on the driver QP: notifications that may be pending at once. */
const LOG_NOTIFY_SLOTS = 6;

/** HwVirtqueue: see the module header. */
export class HwVirtqueue {
  private fwState: number = VirtqState.INIT;
  private objId = 0;
  private counterSet = 0;

  private constructor(
    private readonly h: CoreHandle,
    readonly index: number,
    private readonly hooks: HwVqHooks,
    private readonly objs = new ObjectStack(),
  ) {}

  /** create: see LIFESPAN 1. */
  static async create(
    h: CoreHandle,
    res: VnetResources,
    cfg: HwVqConfig,
    hooks: HwVqHooks,
  ): Promise<HwVirtqueue> {
    const q = new HwVirtqueue(h, cfg.index, hooks);
    try {
      await q.build(res, cfg);
    } catch (err) {
      await q.destroy();
      throw err;
    }
    return q;
  }

  /** id: the VIRTIO_NET_Q object id. */
  get id(): number {
    return this.objId;
  }

  /** state: the firmware state as last set or seen (INIT, RDY, SUSPEND, ERR). */
  get state(): number {
    return this.fwState;
  }

  /**
   * ready: INIT or SUSPEND -> RDY (moving the queue to `at` first, when
   * given), then a kick for what the driver queued meanwhile.
   */
  async ready(at?: HwVqPosition): Promise<void> {
    if (this.fwState === VirtqState.RDY) return;
    if (at) await modifyVirtq(this.h, this.objId, at);
    await modifyVirtq(this.h, this.objId, { state: VirtqState.RDY });
    this.fwState = VirtqState.RDY;
    this.kick();
  }

  /** suspend: RDY -> SUSPEND (a queue in INIT or ERR stays); the ring positions it stopped at. */
  async suspend(): Promise<HwVqPosition> {
    if (this.fwState === VirtqState.RDY) {
      await modifyVirtq(this.h, this.objId, { state: VirtqState.SUSPEND });
      this.fwState = VirtqState.SUSPEND;
    }
    const info = await this.query();
    return { availIndex: info.availIndex, usedIndex: info.usedIndex };
  }

  /** query: the queue as the firmware has it (state, ring positions, error type). */
  async query(): Promise<VirtqInfo> {
    const info = await queryVirtq(this.h, this.objId);
    this.fwState = info.state;
    return info;
  }

  /** counters: the queue's counter set. */
  counters(): ReturnType<typeof queryVirtqCounters> {
    return queryVirtqCounters(this.h, this.counterSet);
  }

  /** kick: the queue's doorbell. */
  kick(): void {
    if (this.fwState === VirtqState.RDY) kickVirtq(this.h, this.index);
  }

  /** destroy: see LIFESPAN 3; idempotent. */
  async destroy(): Promise<void> {
    this.fwState = VirtqState.INIT;
    await this.objs.unwind(this.hooks.log);
  }

  private async build(res: VnetResources, cfg: HwVqConfig): Promise<void> {
    const { h, objs } = this;
    const umems: VirtqUmem[] = [];
    for (const size of virtqUmemSizes(res.cap, cfg.size)) {
      // A umem registers whole pages.
      const dma = h.dma;
      const addr = dma.map(Buffer.alloc(Math.ceil(size / PAGE) * PAGE));
      objs.push('umem memory', () => dma.unmap(addr));
      const id = await createUmem(h, h.dma, { addr, size });
      objs.push('UMEM', () => destroyUmem(h, id));
      umems.push({ id, size });
    }
    const set = await createVirtqCounters(h);
    this.counterSet = set;
    objs.push('VIRTIO_Q_COUNTERS', () => destroyVirtqCounters(h, set));
    const fwQpn = await this.notificationChannel(res.pd);
    this.objId = await createVirtq(h, {
      queueIndex: cfg.index,
      queueSize: cfg.size,
      descAddr: cfg.desc,
      availAddr: cfg.avail,
      usedAddr: cfg.used,
      mkey: res.mkey,
      pd: res.pd,
      umems: [umems[0]!, umems[1]!, umems[2]!],
      ...(cfg.index % 2 === 1 && { tisn: res.tisn }),
      eventQpn: fwQpn,
      counterSetId: set,
      availIndex: cfg.availIndex,
      usedIndex: cfg.usedIndex,
    });
    const objId = this.objId;
    objs.push('VIRTIO_NET_Q', () => destroyVirtq(h, objId));
    const off = h.onObjectChange(GeneralObjType.VIRTIO_NET_Q, objId, () => this.hooks.changed());
    objs.push('object-change handler', off);
  }

  /** notificationChannel: CQ, firmware QP and driver QP, connected; the firmware QP's number. */
  private async notificationChannel(pd: number): Promise<number> {
    const { h, objs } = this;
    let driverQp: QueuePair | undefined;
    const cq = await CompletionQueue.create(h, {
      logSize: LOG_NOTIFY_SLOTS,
      onCompletion: (c) => {
        const cqes = c.poll();
        const dq = driverQp;
        if (dq && cqes.length > 0) {
          for (const e of cqes) {
            dq.rq.completed(e.wqeCounter);
            dq.postRecv([]);
          }
          dq.rq.doorbell();
        }
        c.arm();
        if (cqes.length > 0) this.hooks.notify();
      },
    });
    objs.push(
      'CQ',
      () => cq.destroy(),
      () => cq.release(),
    );
    cq.arm();
    const qp = (logRqSize: number) =>
      QueuePair.create(h, { pd, sendCq: cq, recvCq: cq, logSqSize: 1, logRqSize });
    const fwQp = await qp(1);
    objs.push(
      'firmware QP',
      () => fwQp.destroy(),
      () => fwQp.release(),
    );
    driverQp = await qp(LOG_NOTIFY_SLOTS);
    const dq = driverQp;
    objs.push(
      'driver QP',
      () => dq.destroy(),
      () => dq.release(),
    );
    await fwQp.modify('RST2INIT', { port: 1 });
    await dq.modify('RST2INIT', { port: 1 });
    await fwQp.modify('INIT2RTR', { remoteQpn: dq.qpn });
    await dq.modify('INIT2RTR', { remoteQpn: fwQp.qpn });
    for (let i = 0; i < 1 << LOG_NOTIFY_SLOTS; i++) dq.postRecv([]);
    dq.rq.doorbell();
    return fwQp.qpn;
  }
}

/**
 * DeviceVirtqueue: the device side of one split virtqueue served in
 * software (the role of the kernel's vringh): where the driver put the
 * three areas, the size, ready, callback, and the device's two indexes
 * (next avail entry to take, next used entry to write). It walks
 * descriptor chains with prm's split-ring accessors in a DMA space. The
 * software net device serves all its queues with it; mlx5_vdpa serves its
 * control queue with it (the data queues are the firmware's).
 *
 * A chain that points outside mapped memory, loops, or puts a readable
 * descriptor after a writable one is a driver bug the device cannot
 * recover from: `pop` throws EFAULT and the device raises NEEDS_RESET.
 *
 * Owns: device-side ring state of one queue. Never: what the buffers mean.
 */
import {
  AuxError,
  Avail,
  type DmaSpace,
  needEvent,
  readDesc,
  Used,
  VRING_AVAIL_F_NO_INTERRUPT,
  VringDescF,
  vringSizes,
} from '@auxctl/prm';
import type { VdpaCallback, VdpaConfigOps } from '../bus/config-ops.js';

/** PoppedChain: one descriptor chain the device took. */
export interface PoppedChain {
  readonly head: number;
  readonly readable: Buffer[];
  readonly writable: Buffer[];
}

/** DeviceVirtqueue: see the module header. */
export class DeviceVirtqueue {
  descArea = 0n;
  driverArea = 0n;
  deviceArea = 0n;
  num = 0;
  ready = false;
  cb: VdpaCallback | undefined;
  lastAvail = 0;
  usedIdx = 0;
  /** Chains taken and completed, for vendor stats. */
  received = 0n;
  completed = 0n;

  constructor(private readonly dma: Pick<DmaSpace, 'resolve'>) {}

  /** reset: forget everything the driver set. */
  reset(): void {
    this.descArea = this.driverArea = this.deviceArea = 0n;
    this.num = 0;
    this.ready = false;
    this.cb = undefined;
    this.lastAvail = this.usedIdx = 0;
  }

  /** hasWork: true when the driver made entries available the device has not taken. */
  hasWork(): boolean {
    const avail = this.area(this.driverArea, vringSizes(this.num).avail);
    return avail !== undefined && Avail.idx(avail) !== this.lastAvail;
  }

  /** pop: the next available chain, undefined when none; EFAULT for a malformed chain. */
  pop(): PoppedChain | undefined {
    const sizes = vringSizes(this.num);
    const avail = this.need(this.driverArea, sizes.avail);
    if (Avail.idx(avail) === this.lastAvail) return undefined;
    const table = this.need(this.descArea, sizes.desc);
    const head = Avail.entry(avail, this.lastAvail % this.num);
    const chain: PoppedChain = { head, readable: [], writable: [] };
    let i = head;
    for (let n = 0; ; n++) {
      if (i >= this.num || n >= this.num) throw fault('descriptor chain is out of range or loops');
      const d = readDesc(table, i);
      const buf = this.dma.resolve(d.addr, d.len);
      if (!buf) throw fault(`descriptor ${i} points at unmapped memory`);
      if (d.flags & VringDescF.WRITE) chain.writable.push(buf);
      else if (chain.writable.length > 0) throw fault('readable descriptor after a writable one');
      else chain.readable.push(buf);
      if (!(d.flags & VringDescF.NEXT)) break;
      i = d.next;
    }
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    this.received++;
    return chain;
  }

  /** push: complete chain `head` having written `len` bytes. */
  push(head: number, len: number): void {
    const used = this.need(this.deviceArea, vringSizes(this.num).used);
    Used.setElem(used, this.usedIdx % this.num, head, len);
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    Used.setIdx(used, this.usedIdx);
    this.completed++;
  }

  /**
   * notify: call the driver's callback for used entries added since
   * `oldUsed`, unless it asked not to be (NO_INTERRUPT, or with event idx
   * its used_event not passed). With event idx, also publish avail_event.
   */
  notify(oldUsed: number, eventIdx: boolean): void {
    if (oldUsed === this.usedIdx) return;
    const sizes = vringSizes(this.num);
    const avail = this.need(this.driverArea, sizes.avail);
    let wanted: boolean;
    if (eventIdx) {
      Used.setAvailEvent(this.need(this.deviceArea, sizes.used), this.num, this.lastAvail);
      wanted = needEvent(Avail.usedEvent(avail, this.num), this.usedIdx, oldUsed);
    } else {
      wanted = (Avail.flags(avail) & VRING_AVAIL_F_NO_INTERRUPT) === 0;
    }
    if (wanted) this.cb?.();
  }

  private area(addr: bigint, len: number): Buffer | undefined {
    return this.num === 0 ? undefined : this.dma.resolve(addr, len);
  }

  private need(addr: bigint, len: number): Buffer {
    const b = this.area(addr, len);
    if (!b) throw fault('ring area is not mapped');
    return b;
  }
}

function fault(why: string): AuxError {
  return new AuxError('EFAULT', why);
}

/** DeviceRingOps: the config ops that only record what the driver set on a queue. */
export type DeviceRingOps = Pick<
  VdpaConfigOps,
  'setVqAddress' | 'setVqNum' | 'setVqCb' | 'getVqReady' | 'getVqSize'
>;

/** deviceRingOps: those ops over the queue records `vq(idx)` returns (which throws for a bad index). */
export function deviceRingOps(vq: (idx: number) => DeviceVirtqueue): DeviceRingOps {
  return {
    setVqAddress: (i, desc, driver, device) => {
      const q = vq(i);
      [q.descArea, q.driverArea, q.deviceArea] = [desc, driver, device];
    },
    setVqNum: (i, num) => {
      vq(i).num = num;
    },
    setVqCb: (i, cb) => {
      vq(i).cb = cb;
    },
    getVqReady: (i) => vq(i).ready,
    getVqSize: (i) => vq(i).num,
  };
}

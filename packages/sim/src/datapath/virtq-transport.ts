/**
 * VirtqTransport: the data path of VIRTIO_NET_Q objects: split virtqueues
 * in host memory, served by the device.
 *
 * ADDRESSES
 * Every address a queue uses (descriptor table, available and used rings,
 * buffers) is a virtual address in the space of the queue's
 * `virtio_q_mkey`, translated as any data segment is (key-access.ts): the
 * key must exist, be in the queue's PD, cover the range and grant local
 * read (rings and TX buffers) or local write (used ring, RX buffers). A
 * PA-mode key makes them bus addresses; a umem key makes them IOVAs of a
 * registered region (mlx5_vdpa's guest memory map).
 *
 * TX (odd queue_index): a kick (`{ type: 'virtq', num: queue_index }`)
 * marks the queue; the next data-path pass walks the available ring from
 * `hw_available_index` to the driver's idx. Each chain is read-only
 * buffers: a 12-byte virtio_net_hdr_v1, then the frame, which leaves
 * through the function's vport on the port of the queue's TIS (the
 * embedded switch first, then the wire: eth-transport.ts). The chain goes
 * to the used ring with length 0.
 *
 * RX (even queue_index): a frame the function's vport accepts goes to the
 * RDY RX queue of the lowest queue_index (before any TIR: a function
 * serving vdpa has its traffic there). It fills the next available chain
 * (device-writable buffers) with a zeroed header (num_buffers 1) and the
 * frame; a chain too small for both is returned with length 0 and counted
 * `invalid_buffer`, the frame dropped. No chain posted: the frame is dropped.
 *
 * After writing used elements the device publishes the used idx, then
 * notifies (virtq-events.ts) unless the driver set VRING_AVAIL_F_NO_INTERRUPT.
 *
 * ERRORS
 * A malformed ring (virtq-chain.ts) or an unreachable ring or buffer moves
 * the queue to ERR with `error_type`, counts it, and raises an
 * OBJECT_CHANGE event; the chain is not completed. Nothing throws, and
 * other queues and the rest of the function go on.
 *
 * Owns: virtqueue semantics. Never: queue lifetimes (the object table) or
 * frame transport beyond the vport.
 */
import {
  Avail,
  GeneralObjType,
  OBJ_CHANGE_EVENT,
  readDesc,
  VIRTIO_NET_HDR_BYTES,
  VirtqError,
  VirtqState,
  VRING_AVAIL_F_NO_INTERRUPT,
  type VringDesc,
  vringSizes,
} from '@auxctl/prm';
import type { FwObject } from '../object-table.js';
import type { Datapath } from './datapath.js';
import { gather, isKeyFault, type KeyRight, keyViews, scatterFrom } from './key-access.js';
import type { VirtqData } from './queue-data.js';
import { type ChainError, isChainError, pendingAvail, walkChain } from './virtq-chain.js';
import { notifyVirtq } from './virtq-events.js';

type Virtq = FwObject<VirtqData>;

/** Byte offsets in the used ring: `idx` (u16) and the first element (id u32, len u32). */
const USED_IDX_AT = 2;
const USED_RING_AT = 4;

/** num_buffers of the header the device writes (no mergeable buffers: always 1). */
const NUM_BUFFERS_OFFSET = 10;

/** VirtqTransport: see the module header. */
export class VirtqTransport {
  /** Scratch for the 8-byte used element and the 2-byte used idx the device writes. */
  private readonly usedElem = Buffer.alloc(8);
  private readonly usedIdx = Buffer.alloc(2);
  /** The header the device writes before a received frame: zeroes, num_buffers 1 (no mergeable buffers). */
  private readonly rxHeader = Buffer.alloc(VIRTIO_NET_HDR_BYTES);

  constructor(private readonly dp: Datapath) {
    this.rxHeader.writeUInt16LE(1, NUM_BUFFERS_OFFSET);
  }

  /** byIndex: the live queue with `queue_index` `index`, if any. */
  byIndex(index: number): Virtq | undefined {
    for (const q of this.dp.host.objects.objects<VirtqData>('VIRTIO_NET_Q')) {
      if (Number(q.context.queue_index) === index) return q;
    }
    return undefined;
  }

  /** process: a kicked queue's pass (TX chains go out; an RX kick only posts buffers). */
  process(index: number): void {
    const q = this.byIndex(index);
    if (!q || Number(q.context.state) !== VirtqState.RDY || !isTx(q)) return;
    const err = this.transmitAvailable(q);
    if (err) this.fail(q, err);
  }

  /** transmitAvailable: send every chain the driver made available; the error that stopped it. */
  private transmitAvailable(q: Virtq): ChainError | undefined {
    const rings = this.rings(q);
    if (isChainError(rings)) return rings;
    const n = pendingAvail(Avail.idx(rings.avail), q.data.availIdx & 0xffff, size(q));
    if (isChainError(n)) return n;
    let completed = 0;
    for (let k = 0; k < n; k++) {
      const head = Avail.entry(rings.avail, q.data.availIdx % size(q));
      const chain = walkChain(head, size(q), 'tx', (i) => readDesc(rings.desc, i));
      if (isChainError(chain)) return chain;
      this.count(q, 'received_desc');
      const frame = this.gatherChain(q, chain.descs, chain.bytes);
      if (isChainError(frame)) return frame;
      q.data.availIdx = (q.data.availIdx + 1) & 0xffff;
      // addUsed() fails the queue itself when the used ring is unreachable.
      if (!this.addUsed(q, head, 0)) return undefined;
      completed++;
      if (frame.length > 0) this.dp.eth.transmit(q.data.port, frame);
    }
    if (completed > 0 && this.publishUsed(q)) this.notify(q, rings.avail);
    return undefined;
  }

  /**
   * receive: give `frame` to the function's RX virtqueue; undefined when the
   * function has none RDY (the caller steers it elsewhere), else whether it
   * was delivered.
   */
  receive(frame: Buffer): boolean | undefined {
    let rx: Virtq | undefined;
    for (const q of this.dp.host.objects.objects<VirtqData>('VIRTIO_NET_Q')) {
      if (isTx(q) || Number(q.context.state) !== VirtqState.RDY) continue;
      if (!rx || Number(q.context.queue_index) < Number(rx.context.queue_index)) rx = q;
    }
    if (!rx) return undefined;
    const q = rx;
    const rings = this.rings(q);
    if (isChainError(rings)) return this.failed(q, rings);
    const n = pendingAvail(Avail.idx(rings.avail), q.data.availIdx & 0xffff, size(q));
    if (isChainError(n)) return this.failed(q, n);
    if (n === 0) return false;
    const head = Avail.entry(rings.avail, q.data.availIdx % size(q));
    const chain = walkChain(head, size(q), 'rx', (i) => readDesc(rings.desc, i));
    if (isChainError(chain)) return this.failed(q, chain);
    this.count(q, 'received_desc');
    q.data.availIdx = (q.data.availIdx + 1) & 0xffff;
    const total = VIRTIO_NET_HDR_BYTES + frame.length;
    if (chain.bytes < total) {
      this.count(q, 'invalid_buffer');
      if (this.complete(q, head, 0)) this.notify(q, rings.avail);
      return false;
    }
    const views = this.chainViews(q, chain.descs, total, 'lw');
    if (isChainError(views)) return this.failed(q, views);
    scatterParts(views, [this.rxHeader, frame]);
    if (!this.complete(q, head, total)) return false;
    this.notify(q, rings.avail);
    return true;
  }

  /** fail: move `q` to ERR with the error's type, count it and raise OBJECT_CHANGE. */
  fail(q: Virtq, e: ChainError): void {
    if (Number(q.context.state) === VirtqState.ERR) return;
    q.context.state = VirtqState.ERR;
    q.context.error_type = e.error;
    if (e.error === VirtqError.CHAIN_TOO_LONG) this.count(q, 'exceed_max_chain');
    else if (e.error === VirtqError.BAD_ADDRESS) this.count(q, 'invalid_buffer');
    else this.count(q, 'bad_desc_errors');
    this.dp.host.log.warn(
      { virtq: q.id, queueIndex: Number(q.context.queue_index), error: e.error, reason: e.reason },
      'virtqueue moved to ERR',
    );
    this.dp.cqes.asyncEvent(OBJ_CHANGE_EVENT, 0, {
      obj: { type: GeneralObjType.VIRTIO_NET_Q, id: q.id },
    });
  }

  private failed(q: Virtq, e: ChainError): false {
    this.fail(q, e);
    return false;
  }

  /**
   * rings: the driver-owned areas (descriptor table, available ring) as
   * the device reads them: the memory itself when it is one mapping, else
   * a copy.
   */
  private rings(q: Virtq): { desc: Buffer; avail: Buffer } | ChainError {
    const sizes = vringSizes(size(q));
    const desc = this.area(q, BigInt(q.context.desc_addr!), sizes.desc);
    if (!desc) return { error: VirtqError.BAD_ADDRESS, reason: 'descriptor table' };
    const avail = this.area(q, BigInt(q.context.available_addr!), sizes.avail);
    if (!avail) return { error: VirtqError.BAD_ADDRESS, reason: 'available ring' };
    return { desc, avail };
  }

  /** gatherChain: a TX chain's frame (its bytes past the header). */
  private gatherChain(q: Virtq, descs: readonly VringDesc[], bytes: number): Buffer | ChainError {
    if (bytes < VIRTIO_NET_HDR_BYTES) {
      return { error: VirtqError.BAD_LENGTH, reason: `TX chain of ${bytes} bytes has no header` };
    }
    const views = this.chainViews(q, descs, bytes, 'lr');
    if (isChainError(views)) return views;
    const all = Buffer.allocUnsafe(bytes);
    gather(views, all, 0);
    return all.subarray(VIRTIO_NET_HDR_BYTES);
  }

  /** chainViews: the first `len` bytes of a chain's buffers, through the queue's key. */
  private chainViews(
    q: Virtq,
    descs: readonly VringDesc[],
    len: number,
    right: KeyRight,
  ): Buffer[] | ChainError {
    const out: Buffer[] = [];
    let left = len;
    for (const d of descs) {
      if (left === 0) break;
      const n = Math.min(left, d.len);
      const v = this.views(q, d.addr, n, right);
      if (!v) {
        return { error: VirtqError.BAD_ADDRESS, reason: `buffer 0x${d.addr.toString(16)}+${n}` };
      }
      out.push(...v);
      left -= n;
    }
    return out;
  }

  /** complete: add a used element and publish the used idx; false, with the queue in ERR, when the ring is unreachable. */
  private complete(q: Virtq, id: number, len: number): boolean {
    return this.addUsed(q, id, len) && this.publishUsed(q);
  }

  /**
   * addUsed: write used element `usedIdx` (id, len) — only its 8 bytes, as
   * a device's DMA write — without publishing it; false, with the queue in
   * ERR, when the ring is unreachable or not writable.
   */
  private addUsed(q: Virtq, id: number, len: number): boolean {
    const elem = this.usedElem;
    elem.writeUInt32LE(id, 0);
    elem.writeUInt32LE(len, 4);
    const at = BigInt(q.context.used_addr!) + BigInt(USED_RING_AT + 8 * (q.data.usedIdx % size(q)));
    if (!this.write(q, at, elem)) {
      this.fail(q, { error: VirtqError.BAD_ADDRESS, reason: 'used ring' });
      return false;
    }
    q.data.usedIdx = (q.data.usedIdx + 1) & 0xffff;
    this.count(q, 'completed_desc');
    return true;
  }

  /** publishUsed: write the used idx (after the elements it covers); false, with the queue in ERR, when unreachable. */
  private publishUsed(q: Virtq): boolean {
    this.usedIdx.writeUInt16LE(q.data.usedIdx, 0);
    if (!this.write(q, BigInt(q.context.used_addr!) + BigInt(USED_IDX_AT), this.usedIdx)) {
      this.fail(q, { error: VirtqError.BAD_ADDRESS, reason: 'used ring' });
      return false;
    }
    return true;
  }

  private notify(q: Virtq, avail: Buffer): void {
    if ((Avail.flags(avail) & VRING_AVAIL_F_NO_INTERRUPT) !== 0) return;
    if (!notifyVirtq(this.dp, q)) this.count(q, 'error_cqes');
  }

  private count(q: Virtq, name: keyof NonNullable<VirtqData['counters']>): void {
    if (q.data.counters) q.data.counters[name]++;
  }

  private views(q: Virtq, addr: bigint, len: number, right: KeyRight): Buffer[] | undefined {
    const { dma, objects, dirty } = this.dp.host;
    const mkey = Number(q.context.virtio_q_mkey);
    const v = keyViews(dma, objects, mkey, addr, len, right, Number(q.context.pd), dirty);
    return isKeyFault(v) ? undefined : v;
  }

  /** area: `len` readable bytes at `addr`: the memory itself when one view covers them, else a copy. */
  private area(q: Virtq, addr: bigint, len: number): Buffer | undefined {
    const v = this.views(q, addr, len, 'lr');
    if (!v) return undefined;
    if (v.length === 1) return v[0];
    const b = Buffer.allocUnsafe(len);
    gather(v, b, 0);
    return b;
  }

  private write(q: Virtq, addr: bigint, data: Buffer): boolean {
    const v = this.views(q, addr, data.length, 'lw');
    if (!v) return false;
    scatterFrom(v, data, 0);
    return true;
  }
}

const isTx = (q: Virtq): boolean => (Number(q.context.queue_index) & 1) === 1;
const size = (q: Virtq): number => Number(q.context.queue_size);

/** scatterParts: copy `parts` one after another across `views` (which hold at least their total). */
function scatterParts(views: readonly Buffer[], parts: readonly Buffer[]): void {
  let v = 0;
  let at = 0;
  for (const p of parts) {
    let from = 0;
    while (from < p.length) {
      const view = views[v]!;
      const n = p.copy(view, at, from);
      from += n;
      at += n;
      if (at === view.length) {
        v++;
        at = 0;
      }
    }
  }
}

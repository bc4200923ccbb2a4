/**
 * Test rig for virtqueues: what a vdpa net driver and the virtio driver in
 * its guest do, built only from core's API and prm's split-ring layout.
 * "Guest memory" is one DMA-mapped buffer registered as a umem and seen
 * through a key at GUEST_IOVA, so every ring and buffer address is an IOVA
 * the device translates through the queue's `virtio_q_mkey`. Notifications
 * arrive in QP mode: one driver QP, connected to itself, whose receive CQ
 * completes once per notification.
 */
import {
  Avail,
  Used,
  VIRTIO_NET_HDR_BYTES,
  VirtqState,
  VringDescF,
  vringSizes,
  writeDesc,
} from '@auxctl/prm';
import type { CoreHandle } from '../../device/core-handle.js';
import {
  allocPd,
  createUmem,
  createUmemMkey,
  deallocPd,
  destroyMkey,
  destroyUmem,
} from '../../device/memory-commands.js';
import { createTis, destroyTis } from '../../device/queue-commands.js';
import {
  createVirtq,
  createVirtqCounters,
  destroyVirtq,
  destroyVirtqCounters,
  kickVirtq,
  modifyVirtq,
  queryVirtioEmulationCaps,
  virtqUmemSizes,
} from '../../device/virtq-commands.js';
import { CompletionQueue } from '../completion-queue.js';
import { QueuePair } from '../queue-pair.js';

/** GUEST_IOVA: where guest memory starts in the queue key's address space. */
export const GUEST_IOVA = 0x4000_0000n;
const GUEST_BYTES = 1024 * 1024;
/** Per queue index: a 64 KiB window of guest memory, rings first, then 16 buffers of 2 KiB. */
const QUEUE_WINDOW = 0x10000;
const SLOT = 2048;

/** GuestQueue: one virtqueue as the guest driver sees it. */
export interface GuestQueue {
  readonly index: number;
  readonly objId: number;
  readonly counters: number;
  readonly size: number;
  /** Guest memory views of the three areas. */
  readonly desc: Buffer;
  readonly avail: Buffer;
  readonly used: Buffer;
  /** IOVA of descriptor i's default buffer, and the bytes behind it. */
  slotIova(i: number): bigint;
  slot(i: number): Buffer;
  /** post: make the chain starting at `head` available (the driver wrote its descriptors). */
  post(head: number): void;
  /** postBuffer: a one-descriptor chain of slot `i` (`len` bytes, device-writable for RX). */
  postBuffer(i: number, len: number): void;
  kick(): void;
  /** usedElems: used-ring elements from `from` up to the used idx. */
  usedElems(from?: number): { id: number; len: number }[];
  destroy(): Promise<void>;
}

/** VirtqRig: guest memory, its key, the notification QP and the queues made on it. */
export interface VirtqRig {
  readonly h: CoreHandle;
  readonly uid: number;
  readonly pd: number;
  readonly mkey: number;
  readonly guest: Buffer;
  /** Notifications received (one per RESP_SEND CQE on the driver QP). */
  readonly notified: number[];
  readonly qpn: number;
  queue(index: number, opts?: { size?: number; noEvents?: boolean }): Promise<GuestQueue>;
  close(): Promise<void>;
}

/** virtqRig: see the module header. */
export async function virtqRig(h: CoreHandle, uid = 0): Promise<VirtqRig> {
  const cleanups: Array<() => Promise<void> | void> = [];
  const cap = h.virtioCaps ?? (await queryVirtioEmulationCaps(h));
  const pd = await allocPd(h, uid);
  cleanups.push(() => deallocPd(h, pd, uid));
  const guest = Buffer.alloc(GUEST_BYTES);
  const guestAddr = h.dma.map(guest);
  cleanups.push(() => {
    h.dma.unmap(guestAddr);
  });
  const umem = await createUmem(h, h.dma, { addr: guestAddr, size: GUEST_BYTES, uid });
  cleanups.push(() => destroyUmem(h, umem, uid));
  const mkey = await createUmemMkey(h, {
    pd,
    umem,
    len: GUEST_BYTES,
    iova: GUEST_IOVA,
    rights: { localWrite: true },
    uid,
  });
  cleanups.push(() => destroyMkey(h, mkey, uid));
  const tisn = await createTis(h, { uid });
  cleanups.push(() => destroyTis(h, tisn, uid));

  const notified: number[] = [];
  let qp: QueuePair | undefined;
  const cq = await CompletionQueue.create(h, {
    logSize: 6,
    uid,
    onCompletion: (c) => {
      for (const e of c.poll()) {
        notified.push(e.byteCnt);
        qp?.rq.completed(e.wqeCounter);
        qp?.postRecv([]);
      }
      qp?.rq.doorbell();
      c.arm();
    },
  });
  cleanups.push(() => cq.destroy());
  cq.arm();
  qp = await QueuePair.create(h, { pd, sendCq: cq, recvCq: cq, logSqSize: 2, logRqSize: 5, uid });
  const theQp = qp;
  cleanups.push(() => theQp.destroy());
  await qp.modify('RST2INIT', { port: 1 });
  await qp.modify('INIT2RTR', { remoteQpn: qp.qpn });
  for (let i = 0; i < 16; i++) qp.postRecv([]);
  qp.rq.doorbell();

  const queues = new Set<GuestQueue>();
  return {
    h,
    uid,
    pd,
    mkey,
    guest,
    notified,
    qpn: qp.qpn,
    async queue(index, opts = {}) {
      const size = opts.size ?? 16;
      const base = index * QUEUE_WINDOW;
      const sizes = vringSizes(size);
      const at = { desc: base, avail: base + 0x1000, used: base + 0x2000, bufs: base + 0x4000 };
      const umems: { id: number; size: number; addr: bigint }[] = [];
      for (const bytes of virtqUmemSizes(cap, size)) {
        // A umem registers whole pages.
        const addr = h.dma.map(Buffer.alloc(Math.ceil(bytes / 4096) * 4096));
        umems.push({
          id: await createUmem(h, h.dma, { addr, size: bytes, uid }),
          size: bytes,
          addr,
        });
      }
      const counters = await createVirtqCounters(h, uid);
      const objId = await createVirtq(h, {
        uid,
        queueIndex: index,
        queueSize: size,
        descAddr: GUEST_IOVA + BigInt(at.desc),
        availAddr: GUEST_IOVA + BigInt(at.avail),
        usedAddr: GUEST_IOVA + BigInt(at.used),
        mkey,
        pd,
        umems: [umems[0]!, umems[1]!, umems[2]!],
        ...(index % 2 === 1 && { tisn }),
        ...(!opts.noEvents && { eventQpn: theQp.qpn }),
        counterSetId: counters,
      });
      await modifyVirtq(h, objId, { state: VirtqState.RDY }, uid);
      const desc = guest.subarray(at.desc, at.desc + sizes.desc);
      const avail = guest.subarray(at.avail, at.avail + sizes.avail);
      const used = guest.subarray(at.used, at.used + sizes.used);
      let availIdx = 0;
      const q: GuestQueue = {
        index,
        objId,
        counters,
        size,
        desc,
        avail,
        used,
        slotIova: (i) => GUEST_IOVA + BigInt(at.bufs + i * SLOT),
        slot: (i) => guest.subarray(at.bufs + i * SLOT, at.bufs + (i + 1) * SLOT),
        post(head) {
          Avail.setEntry(avail, availIdx % size, head);
          availIdx = (availIdx + 1) & 0xffff;
          Avail.setIdx(avail, availIdx);
        },
        postBuffer(i, len) {
          const flags = index % 2 === 0 ? VringDescF.WRITE : 0;
          writeDesc(desc, i, { addr: q.slotIova(i), len, flags, next: 0 });
          q.post(i);
        },
        kick: () => kickVirtq(h, index),
        usedElems(from = 0) {
          const out: { id: number; len: number }[] = [];
          for (let k = from; k !== Used.idx(used); k = (k + 1) & 0xffff) {
            out.push({ id: Used.id(used, k % size), len: Used.len(used, k % size) });
          }
          return out;
        },
        async destroy() {
          queues.delete(q);
          await destroyVirtq(h, objId, uid);
          await destroyVirtqCounters(h, counters, uid);
          for (const u of umems) {
            await destroyUmem(h, u.id, uid);
            h.dma.unmap(u.addr);
          }
        },
      };
      queues.add(q);
      return q;
    },
    async close() {
      for (const q of [...queues]) await q.destroy();
      for (const c of cleanups.reverse()) await c();
    },
  };
}

/** txChain: write a TX chain of header + `frame` into slot `i` of `q` (one descriptor). */
export function txChain(q: GuestQueue, i: number, frame: Buffer): void {
  q.slot(i).fill(0, 0, VIRTIO_NET_HDR_BYTES);
  frame.copy(q.slot(i), VIRTIO_NET_HDR_BYTES);
  q.postBuffer(i, VIRTIO_NET_HDR_BYTES + frame.length);
}

/**
 * RC test rig: on a node, a memory region (umem + mkey), send and receive
 * CQs collecting their CQEs, and an RC QP, built only from core's API, the
 * way an RDMA driver would; `connect` walks two QPs to RTS.
 */

import type { Cqe } from '@auxctl/prm';
import type { CoreHandle } from '../../device/core-handle.js';
import {
  allocPd,
  createUmem,
  createUmemMkey,
  deallocPd,
  destroyMkey,
  destroyUmem,
  type KeyRights,
} from '../../device/memory-commands.js';
import type { QpModifyParams } from '../../device/qp-commands.js';
import { CompletionQueue } from '../completion-queue.js';
import { QueuePair } from '../queue-pair.js';

/** Endpoint: one side of an RC connection. */
export interface Endpoint {
  readonly pd: number;
  readonly mr: Buffer;
  /** The MR's first virtual address and its key (used as lkey and rkey). */
  readonly iova: bigint;
  readonly key: number;
  readonly qp: QueuePair;
  readonly sendCqes: Cqe[];
  readonly recvCqes: Cqe[];
  close(): Promise<void>;
}

export const MR_BYTES = 64 * 1024;

/** endpoint: an RC endpoint on `h`; `rights` of its MR default to everything. */
export async function endpoint(
  h: CoreHandle,
  rights: KeyRights = { localWrite: true, remoteRead: true, remoteWrite: true },
): Promise<Endpoint> {
  const pd = await allocPd(h);
  const mr = Buffer.alloc(MR_BYTES);
  const addr = h.dma.map(mr);
  const umem = await createUmem(h, h.dma, { addr, size: MR_BYTES });
  const iova = 0x7f00_0000_0000n;
  const key = await createUmemMkey(h, { pd, umem, len: MR_BYTES, iova, rights });
  const sendCqes: Cqe[] = [];
  const recvCqes: Cqe[] = [];
  const drain = (into: Cqe[]) => (cq: CompletionQueue) => {
    into.push(...cq.poll());
    cq.arm();
  };
  const sendCq = await CompletionQueue.create(h, { logSize: 6, onCompletion: drain(sendCqes) });
  const recvCq = await CompletionQueue.create(h, { logSize: 6, onCompletion: drain(recvCqes) });
  sendCq.arm();
  recvCq.arm();
  const qp = await QueuePair.create(h, { pd, sendCq, recvCq, logSqSize: 6, logRqSize: 6 });
  return {
    pd,
    mr,
    iova,
    key,
    qp,
    sendCqes,
    recvCqes,
    async close() {
      await qp.destroy();
      await sendCq.destroy();
      await recvCq.destroy();
      await destroyMkey(h, key);
      await destroyUmem(h, umem);
      await deallocPd(h, pd);
      h.dma.unmap(addr);
    },
  };
}

/** connect: RST -> INIT -> RTR -> RTS for both QPs, each naming the other. */
export async function connect(
  a: Endpoint,
  b: Endpoint,
  rts: QpModifyParams = { retryCount: 3 },
): Promise<void> {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    await x.qp.modify('RST2INIT', { port: 1, remoteRead: true, remoteWrite: true });
    await x.qp.modify('INIT2RTR', { remoteQpn: y.qp.qpn, mtu: 5 });
    await x.qp.modify('RTR2RTS', rts);
  }
}

/**
 * Test rig for the data path: simulated devices probed as core devices,
 * the eth handle of each, and an Ethernet channel (PD, kernel key, CQs,
 * TIS, SQ, RQ, TIR and mapped buffers) built only from core's API, the way
 * a netdev driver would.
 */

import type { Cqe } from '@auxctl/prm';
import {
  createSimDevice,
  type SimFunction,
  type SimFunctionOptions,
  simIdentity,
} from '@auxctl/sim';
import { AuxiliaryBus } from '../../bus/auxiliary-bus.js';
import { CoreDevice } from '../../device/core-device.js';
import type { CoreEvent } from '../../device/core-events.js';
import type { CoreHandle } from '../../device/core-handle.js';
import { IdAllocator } from '../../device/id-allocator.js';
import { allocPd, createPaMkey } from '../../device/memory-commands.js';
import { createTir, createTis, destroyTir, destroyTis } from '../../device/queue-commands.js';
import { CompletionQueue } from '../completion-queue.js';
import { ReceiveQueue, SendQueue } from '../eth-queues.js';

/** flush: let doorbell batches, wire deliveries and interrupts run. */
export async function flush(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** Node: one simulated device with its core device and eth handle. */
export interface Node {
  readonly sim: SimFunction;
  readonly core: CoreDevice;
  readonly h: CoreHandle;
  readonly events: CoreEvent[];
}

/** nodes: `n` devices on one bus; `close()` closes them and checks every mapping was released. */
export async function nodes(
  n: number,
  sim: SimFunctionOptions = {},
): Promise<{ nodes: Node[]; close: () => Promise<void> }> {
  const bus = new AuxiliaryBus();
  const ids = new IdAllocator();
  const out: Node[] = [];
  for (let i = 0; i < n; i++) {
    const s = createSimDevice({ identity: simIdentity(i), ...sim });
    const core = await CoreDevice.probe({ backend: s, bus, ids, health: { poll: false } });
    const adev = core.auxDevices().find((d) => d.devName.includes('.eth.'))!;
    const events: CoreEvent[] = [];
    core.events.subscribe((e) => events.push(e));
    out.push({ sim: s, core, h: adev.shared, events });
  }
  return {
    nodes: out,
    close: async () => {
      for (const x of out) {
        await x.core.close();
        if (x.sim.dma.mappings !== 0) throw new Error(`${x.sim.dma.mappings} DMA mappings leaked`);
        x.sim.close();
      }
    },
  };
}

/** Channel: an Ethernet TX/RX channel with receive buffers of 2 KiB each. */
export interface Channel {
  readonly pd: number;
  readonly lkey: number;
  readonly txCq: CompletionQueue;
  readonly rxCq: CompletionQueue;
  readonly sq: SendQueue;
  readonly rq: ReceiveQueue;
  readonly tirn: number;
  readonly tisn: number;
  /** rx[i]: receive buffer i and its bus address; tx: a 64 KiB send buffer. */
  readonly rxBuf: Buffer;
  readonly rxAddr: bigint;
  readonly txBuf: Buffer;
  readonly txAddr: bigint;
  readonly txCqes: Cqe[];
  readonly rxCqes: Cqe[];
  /** post `n` receive buffers of 2 KiB. */
  fill(n: number): void;
  /** send `frame` (copied into the send buffer at `at`). */
  send(frame: Buffer, at?: number): void;
  close(): Promise<void>;
}

export const RX_SLOT = 2048;

/** channel: build a channel on `h` with rings of 2^logSize entries. */
export async function channel(h: CoreHandle, logSize = 6): Promise<Channel> {
  const pd = await allocPd(h);
  const lkey = await createPaMkey(h, pd);
  const txCqes: Cqe[] = [];
  const rxCqes: Cqe[] = [];
  let sq: SendQueue | undefined;
  let rq: ReceiveQueue | undefined;
  const txCq = await CompletionQueue.create(h, {
    logSize,
    onCompletion: (cq) => {
      for (const c of cq.poll()) {
        txCqes.push(c);
        sq?.wq.completed(c.wqeCounter);
      }
      cq.arm();
    },
  });
  const rxCq = await CompletionQueue.create(h, {
    logSize,
    onCompletion: (cq) => {
      for (const c of cq.poll()) {
        rxCqes.push(c);
        rq?.wq.completed(c.wqeCounter);
      }
      cq.arm();
    },
  });
  txCq.arm();
  rxCq.arm();
  const tisn = await createTis(h);
  sq = await SendQueue.create(h, { cq: txCq, tisn, pd, logSize });
  rq = await ReceiveQueue.create(h, { cq: rxCq, pd, logSize });
  const tirn = await createTir(h, { rqn: rq.rqn });
  const rxBuf = Buffer.alloc((1 << logSize) * RX_SLOT);
  const rxAddr = h.dma.map(rxBuf);
  const txBuf = Buffer.alloc(64 * 1024);
  const txAddr = h.dma.map(txBuf);
  const s = sq;
  const r = rq;
  return {
    pd,
    lkey,
    txCq,
    rxCq,
    sq: s,
    rq: r,
    tirn,
    tisn,
    rxBuf,
    rxAddr,
    txBuf,
    txAddr,
    txCqes,
    rxCqes,
    fill(n) {
      for (let i = 0; i < n; i++) {
        const slot = r.wq.pc & ((1 << logSize) - 1);
        r.wq.postRecv([{ addr: rxAddr + BigInt(slot * RX_SLOT), lkey, length: RX_SLOT }]);
      }
      r.wq.doorbell();
    },
    send(frame, at = 0) {
      frame.copy(txBuf, at);
      s.postFrame([{ addr: txAddr + BigInt(at), lkey, length: frame.length }]);
      s.doorbell();
    },
    async close() {
      await destroyTir(h, tirn);
      await r.destroy();
      await s.destroy();
      await destroyTis(h, tisn);
      await txCq.destroy();
      await rxCq.destroy();
      h.dma.unmap(rxAddr);
      h.dma.unmap(txAddr);
    },
  };
}

/** frame: an Ethernet frame to `dst` of `len` bytes whose payload is `fill`. */
export function frame(dst: Buffer, len: number, fill = 0xab): Buffer {
  const f = Buffer.alloc(len, fill);
  dst.copy(f, 0);
  Buffer.from([2, 0, 0, 0, 0, 1]).copy(f, 6);
  f.writeUInt16BE(0x0800, 12);
  return f;
}

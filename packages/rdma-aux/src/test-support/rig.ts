/**
 * rdmaRig: simulated devices on one bus with the RDMA driver bound to
 * their rdma aux devices, optionally joined by a wire, and the RC
 * endpoints tests build on them through the verbs API only.
 */
import { AuxiliaryBus, type AuxiliaryDriver, CoreDevice, IdAllocator } from '@auxctl/core';
import { BLOCKS_PER_CHUNK } from '@auxctl/prm';
import { createSimDevice, type SimFunction, SimWire, simIdentity } from '@auxctl/sim';
import type { IbContext } from '../ib-context.js';
import type { IbCq } from '../ib-cq.js';
import type { IbMr } from '../ib-mr.js';
import type { IbPd } from '../ib-pd.js';
import type { IbQp } from '../ib-qp.js';
import { createRdmaDriver } from '../rdma-driver.js';
import type { RdmaRegistry } from '../rdma-registry.js';
import type { IbAccess } from '../verbs-validation.js';

/** flush: let doorbell batches and completion interrupts run. */
export async function flush(rounds = 4): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/** RigNode: one device: its simulator, core and ib_device name. */
export interface RigNode {
  readonly sim: SimFunction;
  readonly core: CoreDevice;
  readonly name: string;
  readonly rdmaAux: string;
  /** Firmware objects other than the core's own EQs, of every uid or of `uid`. */
  objects(uid?: number): Record<string, number>;
  /** DMA mappings beyond those the core held once its data path was open. */
  extraMappings(): number;
}

/** Rig: see the module header. */
export interface Rig {
  readonly bus: AuxiliaryBus;
  readonly registry: RdmaRegistry;
  readonly nodes: RigNode[];
  readonly wire: SimWire | undefined;
  open(i?: number): Promise<IbContext>;
  close(): Promise<void>;
}

/** rdmaRig: `n` devices (default 2, wired together); `drivers` are registered too. */
export async function rdmaRig(
  o: { n?: number; wire?: boolean; drivers?: AuxiliaryDriver[] } = {},
): Promise<Rig> {
  const bus = new AuxiliaryBus();
  const driver = createRdmaDriver();
  const { registry } = driver;
  await bus.registerDriver(driver);
  for (const d of o.drivers ?? []) await bus.registerDriver(d);
  const ids = new IdAllocator();
  const nodes: RigNode[] = [];
  for (let i = 0; i < (o.n ?? 2); i++) {
    const sim = createSimDevice({ identity: simIdentity(i) });
    const core = await CoreDevice.probe({ backend: sim, bus, ids, health: { poll: false } });
    const adev = core.auxDevices().find((d) => d.devName.includes('.rdma.'))!;
    await adev.shared.openDataPath();
    const chunks = () =>
      core.state === 'closed' ? 0 : core.queue.stats().mailboxBlocks / BLOCKS_PER_CHUNK;
    const base = sim.dma.mappings - chunks();
    nodes.push({
      sim,
      core,
      name: `mlx5_${adev.id}`,
      rdmaAux: adev.devName,
      objects(uid) {
        const c = sim.engine.objectCounts(uid);
        return Object.fromEntries(Object.entries(c).filter(([k, v]) => k !== 'EQ' && v));
      },
      extraMappings: () => sim.dma.mappings - chunks() - base,
    });
  }
  const wire =
    o.wire !== false && nodes.length >= 2
      ? new SimWire({ device: nodes[0]!.sim }, { device: nodes[1]!.sim })
      : undefined;
  let closed = false;
  return {
    bus,
    registry,
    nodes,
    wire,
    open: (i = 0) => registry.openContext(nodes[i]!.name),
    async close() {
      if (closed) return;
      closed = true;
      wire?.unplug();
      for (const n of nodes) {
        await n.core.close();
        n.sim.close();
      }
    },
  };
}

/** Endpoint: one side of an RC connection, built with verbs. */
export interface Endpoint {
  readonly ctx: IbContext;
  readonly pd: IbPd;
  readonly buf: Buffer;
  readonly mr: IbMr;
  readonly sendCq: IbCq;
  readonly recvCq: IbCq;
  readonly qp: IbQp;
  /** An SGE of `length` bytes at `offset` of the MR. */
  sge(offset: number, length: number): { addr: bigint; length: number; lkey: number };
}

export const MR_BYTES = 64 * 1024;

/** endpoint: PD, a 64 KiB MR (`access`, default everything), two CQs and an RC QP. */
export async function endpoint(
  ctx: IbContext,
  access: IbAccess = { localWrite: true, remoteRead: true, remoteWrite: true },
): Promise<Endpoint> {
  const pd = await ctx.allocPd();
  const buf = Buffer.alloc(MR_BYTES);
  const mr = await ctx.regMr(pd, buf, access);
  const sendCq = await ctx.createCq(64);
  const recvCq = await ctx.createCq(64);
  const qp = await ctx.createQp({
    pd,
    sendCq,
    recvCq,
    cap: { maxSendWr: 32, maxRecvWr: 32, maxSendSge: 2 },
  });
  return {
    ctx,
    pd,
    buf,
    mr,
    sendCq,
    recvCq,
    qp,
    sge: (offset, length) => ({ addr: mr.addr + BigInt(offset), length, lkey: mr.lkey }),
  };
}

/** connect: both QPs to RTS, each naming the other, with remote read and write allowed. */
export async function connect(a: Endpoint, b: Endpoint, retryCount = 3): Promise<void> {
  for (const [x, y] of [
    [a, b],
    [b, a],
  ] as const) {
    await x.qp.modify({ state: 'INIT', port: 1, access: { remoteRead: true, remoteWrite: true } });
    await x.qp.modify({ state: 'RTR', remoteQpn: y.qp.qpn });
    await x.qp.modify({ state: 'RTS', retryCount });
  }
}

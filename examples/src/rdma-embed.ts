/**
 * rdma-embed: a program that uses @auxctl/core and @auxctl/rdma-aux: two
 * devices (here @auxctl/sim's simulated ones) joined by a wire, the core
 * driver and the RDMA driver on one bus, a verbs context on each device, a
 * connected RC QP pair, and SEND, RDMA WRITE and RDMA READ between them.
 *
 * Run it with `node examples/dist/rdma-embed.js` after `npm run build`.
 * The imports are the ones an embedder writes;
 * packages/rdma-aux/README.md shows this file.
 */
import { AuxiliaryBus, CoreDevice, IdAllocator } from '@auxctl/core';
import { createRdmaDriver, pageBuffer, type WorkCompletion } from '@auxctl/rdma-aux';
import { createSimDevice, SimWire, simIdentity } from '@auxctl/sim';
import { runAsScript } from './run-as-script.js';

/** EmbedReport: what the example found out. */
export interface EmbedReport {
  readonly devices: string[];
  readonly uids: number[];
  /** `opcode status byteLen` of each completion, requester's first. */
  readonly completions: string[];
  readonly received: string;
  readonly writeLanded: boolean;
  readonly readBack: string;
  /** Firmware objects other than the cores' event queues left once both contexts closed. */
  readonly objectsLeft: number;
}

/** runEmbedExample: the example. */
export async function runEmbedExample(): Promise<EmbedReport> {
  // 1. A bus and the RDMA driver; the embedder owns the registry it comes with.
  const bus = new AuxiliaryBus();
  const driver = createRdmaDriver();
  const { registry } = driver;
  await bus.registerDriver(driver);

  // 2. Two devices and their core drivers (each publishes mlx5_core.rdma.N), ports wired together.
  const ids = new IdAllocator();
  const sims = [
    createSimDevice({ identity: simIdentity(0) }),
    createSimDevice({ identity: simIdentity(1) }),
  ];
  const cores: CoreDevice[] = [];
  for (const sim of sims)
    cores.push(await CoreDevice.probe({ backend: sim, bus, ids, health: { poll: false } }));
  const wire = new SimWire({ device: sims[0]! }, { device: sims[1]! });
  try {
    // 3. On each device: a context (its own uid), a PD, a 64 KiB registered buffer, a CQ, an RC QP.
    const side = async (device: string) => {
      const ctx = await registry.openContext(device);
      const pd = await ctx.allocPd();
      const buf = pageBuffer(64 * 1024);
      const mr = await ctx.regMr(pd, buf, {
        localWrite: true,
        remoteRead: true,
        remoteWrite: true,
      });
      const cq = await ctx.createCq(64);
      const qp = await ctx.createQp({
        pd,
        sendCq: cq,
        recvCq: cq,
        cap: { maxSendWr: 16, maxRecvWr: 16 },
      });
      const at = (offset: number, length: number) => ({
        addr: mr.addr + BigInt(offset),
        length,
        lkey: mr.lkey,
      });
      return { ctx, buf, mr, cq, qp, at };
    };
    const devices = registry.list().map((d) => d.name);
    const a = await side(devices[0]!);
    const b = await side(devices[1]!);

    // 4. Connect: RESET -> INIT (port, what the peer may do) -> RTR (the peer's QP) -> RTS.
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      await x.qp.modify({
        state: 'INIT',
        port: 1,
        access: { remoteRead: true, remoteWrite: true },
      });
      await x.qp.modify({ state: 'RTR', remoteQpn: y.qp.qpn });
      await x.qp.modify({ state: 'RTS' });
    }

    // 5. A SEND into b's posted receive, a WRITE into b's buffer, a READ of b's buffer.
    const hello = 'hello over RC';
    a.buf.write(hello, 0);
    a.buf.fill(0xab, 4096, 8192);
    b.buf.write('read me back', 16_384);
    b.qp.postRecv({ wrId: 100, sge: [b.at(0, 4096)] });
    a.qp.postSend([
      { wrId: 1, opcode: 'SEND', sge: [a.at(0, hello.length)] },
      {
        wrId: 2,
        opcode: 'RDMA_WRITE',
        sge: [a.at(4096, 4096)],
        remoteAddr: b.mr.addr + 8192n,
        rkey: b.mr.rkey,
      },
      {
        wrId: 3,
        opcode: 'RDMA_READ',
        sge: [a.at(32_768, 12)],
        remoteAddr: b.mr.addr + 16_384n,
        rkey: b.mr.rkey,
      },
    ]);
    const wcs: WorkCompletion[] = [];
    while (wcs.length < 3) wcs.push(...(await a.cq.waitCompletions()));
    wcs.push(...(await b.cq.waitCompletions()));
    const report = {
      devices,
      uids: [a.ctx.uid, b.ctx.uid],
      completions: wcs.map((c) => `${c.opcode} ${c.status} ${c.byteLen}`),
      received: b.buf.toString('latin1', 0, hello.length),
      writeLanded: b.buf.subarray(8192, 12_288).equals(a.buf.subarray(4096, 8192)),
      readBack: a.buf.toString('latin1', 32_768, 32_780),
    };

    // 6. Closing a context destroys its QP, CQ, MR and PD, then its uid.
    await a.ctx.close();
    await b.ctx.close();
    const left = sims.flatMap((s) => Object.entries(s.engine.objectCounts()));
    return {
      ...report,
      objectsLeft: left.filter(([type]) => type !== 'EQ').reduce((n, [, c]) => n + (c ?? 0), 0),
    };
  } finally {
    // 7. Closing a core removes its aux devices; the driver closes any context still open.
    wire.unplug();
    for (const core of cores) await core.close();
    for (const sim of sims) sim.close();
  }
}

runAsScript(import.meta.url, runEmbedExample);

/**
 * RDMA WRITE throughput: two simulated devices on a wire, the RDMA driver
 * bound to both, a connected RC QP pair, and RDMA WRITEs of 4 KiB and
 * 1 MiB from a registered buffer on one device into a registered buffer
 * on the other, each batch waited for through its completion. The
 * baseline is a plain `Buffer.copy` of the same bytes between two buffers,
 * measured in the same run, so the figures are ratios (what the verbs
 * path, the rings, the doorbell pass and the key checks cost over the copy
 * they end in).
 */
import { createRdmaDriver, type IbContext, pageBuffer } from '@auxctl/rdma-aux';
import { measureRate, type Row, ratio, round } from './harness.js';
import { wiredPair } from './wired-pair.js';

const MIB = 1024 * 1024;

/** Case: a message size and how many WRITEs one batch posts. */
const CASES = [
  { key: '4k', label: '4 KiB', bytes: 4096, perBatch: 32 },
  { key: '1m', label: '1 MiB', bytes: MIB, perBatch: 4 },
] as const;

async function side(ctx: IbContext, bytes: number) {
  const pd = await ctx.allocPd();
  const buf = pageBuffer(bytes);
  const mr = await ctx.regMr(pd, buf, { localWrite: true, remoteWrite: true });
  const cq = await ctx.createCq(128);
  const qp = await ctx.createQp({
    pd,
    sendCq: cq,
    recvCq: cq,
    cap: { maxSendWr: 64, maxRecvWr: 1 },
  });
  return { buf, mr, cq, qp };
}

/** measureRdmaWrite: RDMA WRITE MB/s at 4 KiB and 1 MiB next to Buffer.copy of the same bytes. */
export async function measureRdmaWrite(
  ms: number,
): Promise<{ rows: Row[]; out: Record<string, number> }> {
  const driver = createRdmaDriver();
  const { registry } = driver;
  const rig = await wiredPair(driver);
  const rows: Row[] = [];
  const out: Record<string, number> = {};
  try {
    const [na, nb] = registry.names() as [string, string];
    const bytes = 4 * MIB;
    const a = await side(await registry.openContext(na), bytes);
    const b = await side(await registry.openContext(nb), bytes);
    for (const [x, y] of [
      [a, b],
      [b, a],
    ] as const) {
      await x.qp.modify({ state: 'INIT', port: 1, access: { remoteWrite: true } });
      await x.qp.modify({ state: 'RTR', remoteQpn: y.qp.qpn });
      await x.qp.modify({ state: 'RTS' });
    }
    for (let i = 0; i < bytes; i++) a.buf[i] = (i * 131) & 0xff;
    for (const c of CASES) {
      const slots = Math.floor(bytes / c.bytes);
      // One batch: `perBatch` WRITEs to rotating offsets, only the last signaled.
      const write = async () => {
        a.qp.postSend(
          Array.from({ length: c.perBatch }, (_, i) => ({
            opcode: 'RDMA_WRITE' as const,
            sge: [
              { addr: a.mr.addr + BigInt((i % slots) * c.bytes), length: c.bytes, lkey: a.mr.lkey },
            ],
            remoteAddr: b.mr.addr + BigInt((i % slots) * c.bytes),
            rkey: b.mr.rkey,
            signaled: i === c.perBatch - 1,
          })),
        );
        const [wc] = await a.cq.waitCompletions();
        if (wc?.status !== 'SUCCESS') throw new Error(`RDMA WRITE failed: ${wc?.status}`);
      };
      const copy = () => {
        for (let i = 0; i < c.perBatch; i++) {
          const at = (i % slots) * c.bytes;
          a.buf.copy(b.buf, at, at, at + c.bytes);
        }
      };
      await write();
      if (!b.buf.subarray(0, c.bytes).equals(a.buf.subarray(0, c.bytes))) {
        throw new Error('RDMA WRITE did not land byte-exact');
      }
      const rdma = await measureRate(write, { perBatch: c.perBatch, ms });
      const base = await measureRate(copy, { perBatch: c.perBatch, ms });
      const rdmaMbs = (rdma.opsPerSec * c.bytes) / MIB;
      const copyMbs = (base.opsPerSec * c.bytes) / MIB;
      out[`rdma_write_${c.key}_mb_s`] = round(rdmaMbs, 1);
      out[`copy_${c.key}_mb_s`] = round(copyMbs, 1);
      out[`rdma_write_${c.key}_vs_copy_ratio`] = ratio(rdmaMbs, copyMbs);
      rows.push({
        what: `RDMA WRITE ${c.label} (RC over a wire)`,
        value: `${round(rdmaMbs, 1)} MB/s`,
        baseline: `${round(copyMbs, 1)} MB/s Buffer.copy`,
        ratio: ratio(rdmaMbs, copyMbs),
      });
    }
  } finally {
    await rig.close();
  }
  return { rows, out };
}

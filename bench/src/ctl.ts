/**
 * ctl suite: what the ctl driver costs and what umem buys, on a device
 * with the hardware-like latency profile (about 20 µs per command).
 *
 * - A 2 MiB coredump through user memory (PD + umem + mkey, one
 *   CR_DUMP_TO_MEM) next to the same dump read inline in register-sized
 *   pieces (208 bytes a read, the helper's default), and inline in the
 *   largest pieces a command carries. The three must be byte-identical.
 * - QUERY_HCA_CAP (4 KiB outbox) through `ctx.rpc()` (checks, uid stamp,
 *   audit line to a real pino logger) next to `handle.cmdExec` on the same
 *   core handle, with 1 and 31 commands in flight: interleaved rounds, the
 *   median of the per-round ratios (compareRates).
 */

import { AuxiliaryBus, buildInbox, CoreDevice, IdAllocator } from '@auxctl/core';
import {
  CtlRegistry,
  coredump,
  createCtlDriver,
  INLINE_PIECE_DEFAULT,
  INLINE_PIECE_MAX,
} from '@auxctl/ctl-aux';
import { CapType, FwctlScope, hcaCapOpMod, Op, QueryHcaCapIn, QueryHcaCapOut } from '@auxctl/prm';
import { createSimDevice } from '@auxctl/sim';
import { pino } from 'pino';
import {
  compareRates,
  inFlight,
  printTable,
  type Row,
  round,
  timeBest,
  writeResults,
} from './harness.js';

/** Rounds of the rpc() vs cmdExec figures. */
const ROUNDS = 8;

const DUMP_BYTES = 2 * 1024 * 1024;

/** runCtl: measure and write bench/results/ctl.json. */
export async function runCtl(ms: number): Promise<Record<string, number>> {
  const sim = createSimDevice({ latency: 'hardware', crdumpSize: DUMP_BYTES });
  const bus = new AuxiliaryBus();
  const registry = new CtlRegistry();
  // Audit lines are formatted as in production, then dropped (no I/O in the figure).
  const sink = { write: (_line: string) => {} };
  await bus.registerDriver(createCtlDriver({ registry, audit: pino({ level: 'info' }, sink) }));
  const core = await CoreDevice.probe({
    backend: sim,
    bus,
    ids: new IdAllocator(),
    health: { poll: false },
  });
  const name = registry.names()[0]!;
  const ctx = await registry.open(name, { principal: 'bench', caps: { sys_admin: true } });
  const handle = core.auxDevices().find((d) => d.devName.startsWith('mlx5_core.ctl.'))!.shared;
  const out: Record<string, number> = {};
  const rows: Row[] = [];
  try {
    // Coredump: warm up and check that every path gives the same bytes.
    const ref = await coredump(ctx, { mode: 'umem' });
    for (const piece of [INLINE_PIECE_DEFAULT, INLINE_PIECE_MAX]) {
      const d = await coredump(ctx, { mode: 'inline', pieceBytes: piece });
      if (!d.data.equals(ref.data) || ref.size !== DUMP_BYTES) {
        throw new Error('coredump paths disagree');
      }
    }
    // The umem path takes milliseconds and varies with GC: best of many runs.
    const umemMs = await timeBest(() => coredump(ctx, { mode: 'umem' }), 25);
    const inlineMs = await timeBest(() => coredump(ctx, { mode: 'inline' }), 2);
    const inlineMaxMs = await timeBest(
      () => coredump(ctx, { mode: 'inline', pieceBytes: INLINE_PIECE_MAX }),
      5,
    );
    out.coredump_2mb_umem_ms = round(umemMs, 2);
    out.coredump_2mb_inline_ms = round(inlineMs, 2);
    out.coredump_umem_speedup = round(inlineMs / umemMs, 1);
    out.coredump_inline_piece_bytes = INLINE_PIECE_DEFAULT;
    out.coredump_2mb_inline_max_piece_ms = round(inlineMaxMs, 2);
    out.coredump_umem_vs_max_piece_speedup = round(inlineMaxMs / umemMs, 2);
    rows.push(
      {
        what: 'coredump 2 MiB, umem (1 CR_DUMP_TO_MEM)',
        value: `${round(umemMs, 2)} ms`,
        baseline: `${round(inlineMs, 1)} ms inline ${INLINE_PIECE_DEFAULT} B`,
        ratio: round(inlineMs / umemMs, 1),
        goal: '>= 100',
      },
      {
        what: `coredump 2 MiB, inline ${INLINE_PIECE_MAX} B pieces`,
        value: `${round(inlineMaxMs, 2)} ms`,
        baseline: `${round(umemMs, 2)} ms umem`,
        ratio: round(inlineMaxMs / umemMs, 2),
      },
    );

    // RPC path vs the core handle, same inbox, same device.
    const capIn = buildInbox(QueryHcaCapIn, Op.QUERY_HCA_CAP, {
      op_mod: hcaCapOpMod(CapType.GENERAL, true),
    });
    const outLen = QueryHcaCapOut.bytes;
    const req = { scope: FwctlScope.CONFIGURATION, inbox: capIn, outLen };
    // Each pair in interleaved rounds (compareRates): the median of per-round ratios.
    const per = 8;
    const one = await compareRates(
      () => handle.cmdExec(capIn, outLen),
      () => ctx.rpc(req),
      { perBatch: 1, ms, rounds: ROUNDS },
    );
    const many = await compareRates(
      () => inFlight(31, () => handle.cmdExec(capIn, outLen), per),
      () => inFlight(31, () => ctx.rpc(req), per),
      { perBatch: 31 * per, ms, rounds: ROUNDS },
    );
    out.cmdexec_hca_cap_1_per_s = Math.round(one.baselinePerSec);
    out.rpc_hca_cap_1_per_s = Math.round(one.subjectPerSec);
    out.cmdexec_hca_cap_31_per_s = Math.round(many.baselinePerSec);
    out.rpc_hca_cap_31_per_s = Math.round(many.subjectPerSec);
    out.rpc_vs_cmdexec_ratio = round(one.ratio, 3);
    out.rpc_vs_cmdexec_31_ratio = round(many.ratio, 3);
    out.rpc_vs_cmdexec_pooled_ratio = round(one.pooledRatio, 3);
    out.rpc_vs_cmdexec_31_pooled_ratio = round(many.pooledRatio, 3);
    out.rpc_rounds = ROUNDS;
    for (const [what, c] of [
      ['QUERY_HCA_CAP rpc(), 1 in flight', one],
      ['QUERY_HCA_CAP rpc(), 31 in flight', many],
    ] as const) {
      rows.push({
        what: `${what} (median of ${ROUNDS} rounds)`,
        value: `${Math.round(c.subjectPerSec).toLocaleString('en')}/s`,
        baseline: `${Math.round(c.baselinePerSec).toLocaleString('en')}/s cmdExec`,
        ratio: round(c.ratio, 3),
        goal: '>= 0.8',
      });
    }
  } finally {
    await ctx.close();
    await core.close();
    sim.close();
  }
  printTable('ctl: coredump umem vs inline; rpc() vs cmdExec (hardware latency)', rows);
  writeResults('ctl', out);
  return out;
}

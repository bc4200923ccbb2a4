/**
 * core suite: the command queue against a direct call of the firmware
 * handler, and mailbox chain throughput.
 *
 * - NOP and QUERY_HCA_CAP (4 KiB outbox, 9 mailbox blocks) through
 *   `cmdExec` with 1 and 31 commands in flight, each next to
 *   `Firmware.execute()` called directly on the same inbox: the queue's
 *   cost (entry, mailboxes, signatures, doorbell, completion, promise).
 *   Interleaved rounds, the median of the per-round ratios (compareRates).
 * - MailboxChain encode + decode of a maximal (262,160-byte) command,
 *   without and with block signatures, next to two plain Buffer copies of
 *   the same bytes.
 */
import { AuxiliaryBus, buildInbox, CoreDevice, IdAllocator } from '@auxctl/core';
import {
  CapType,
  DmaSpace,
  dmaBlockMemory,
  hcaCapOpMod,
  MAX_CMD_BYTES,
  MailboxChain,
  MailboxPool,
  NopIn,
  NopOut,
  Op,
  QueryHcaCapIn,
  QueryHcaCapOut,
} from '@auxctl/prm';
import { createSimDevice } from '@auxctl/sim';
import {
  compareRates,
  inFlight,
  measureRate,
  printTable,
  ratio,
  round,
  writeResults,
} from './harness.js';

/** Rounds of the cmdExec vs direct figures. */
const ROUNDS = 8;

/** runCore: measure and write bench/results/core.json. */
export async function runCore(ms: number): Promise<Record<string, number>> {
  const sim = createSimDevice();
  const core = await CoreDevice.probe({
    backend: sim,
    bus: new AuxiliaryBus(),
    ids: new IdAllocator(),
    health: { poll: false },
  });
  const q = core.queue;
  const fw = sim.engine;
  const nopIn = buildInbox(NopIn, Op.NOP);
  const capIn = buildInbox(QueryHcaCapIn, Op.QUERY_HCA_CAP, {
    op_mod: hcaCapOpMod(CapType.GENERAL, true),
  });
  const cases = [
    { key: 'nop', inbox: nopIn, outLen: NopOut.bytes },
    { key: 'hca_cap', inbox: capIn, outLen: QueryHcaCapOut.bytes },
  ];
  const out: Record<string, number> = {};
  const rows = [];
  for (const c of cases) {
    // Interleaved rounds against the direct call (compareRates): medians of per-round ratios.
    const direct = () => fw.execute(c.inbox, c.outLen);
    const per = 8;
    const one = await compareRates(direct, () => q.cmdExec(c.inbox, c.outLen), {
      perBatch: 1,
      ms,
      rounds: ROUNDS,
    });
    const many = await compareRates(
      // As measureRate runs a baseline of one call per batch: awaited one at a time.
      async () => {
        for (let i = 0; i < 31 * per; i++) await direct();
      },
      () => inFlight(31, () => q.cmdExec(c.inbox, c.outLen), per),
      { perBatch: 31 * per, ms, rounds: ROUNDS },
    );
    out[`${c.key}_direct_per_s`] = Math.round(one.baselinePerSec);
    out[`cmdexec_${c.key}_1_per_s`] = Math.round(one.subjectPerSec);
    out[`cmdexec_${c.key}_31_per_s`] = Math.round(many.subjectPerSec);
    out[`cmdexec_${c.key}_1_vs_direct_ratio`] = round(one.ratio, 3);
    out[`cmdexec_${c.key}_vs_direct_ratio`] = round(many.ratio, 3);
    out[`cmdexec_${c.key}_vs_direct_pooled_ratio`] = round(many.pooledRatio, 3);
    rows.push(
      {
        what: `${c.key} cmdExec, 1 in flight`,
        value: `${Math.round(one.subjectPerSec).toLocaleString('en')}/s`,
        baseline: `${Math.round(one.baselinePerSec).toLocaleString('en')}/s direct`,
        ratio: round(one.ratio, 3),
      },
      {
        what: `${c.key} cmdExec, 31 in flight`,
        value: `${Math.round(many.subjectPerSec).toLocaleString('en')}/s`,
        baseline: `${Math.round(many.baselinePerSec).toLocaleString('en')}/s direct`,
        ratio: round(many.ratio, 3),
        goal: '>= 0.5',
      },
    );
  }
  await core.close();
  sim.close();

  const dma = new DmaSpace();
  const pool = new MailboxPool(dma);
  const mem = dmaBlockMemory(dma);
  const msg = Buffer.alloc(MAX_CMD_BYTES, 0xa5);
  const sink = Buffer.alloc(MAX_CMD_BYTES);
  const copies = await measureRate(
    () => {
      msg.copy(sink);
      sink.copy(msg);
    },
    { ms },
  );
  const copyMbps = (copies.opsPerSec * MAX_CMD_BYTES) / 1e6;
  // Without block signatures (how mlx5 runs) and with them (cmdif_checksum on).
  for (const checksum of [false, true]) {
    const chain = await measureRate(
      () => {
        const head = MailboxChain.encode(pool, msg, 7, checksum);
        const fault = MailboxChain.decodeInto(mem, head!.addr, msg.length, 7, sink, 'in', checksum);
        if (fault) throw new Error('mailbox chain failed to verify');
        pool.give(head);
      },
      { ms },
    );
    const mbps = (chain.opsPerSec * MAX_CMD_BYTES) / 1e6;
    const key = checksum ? 'mailbox_signed' : 'mailbox';
    out[`${key}_mb_per_s`] = round(mbps);
    out[`${key}_vs_two_copies_ratio`] = ratio(mbps, copyMbps);
    rows.push({
      what: `mailbox encode+decode 262,160 B${checksum ? ', signed' : ''}`,
      value: `${round(mbps)} MB/s`,
      baseline: `${round(copyMbps)} MB/s 2x copy`,
      ratio: ratio(mbps, copyMbps),
    });
  }
  pool.close();
  printTable('core: command queue vs direct firmware call; mailbox chain', rows);
  writeResults('core', out);
  return out;
}

/**
 * migration suite: live migration of a VF between two auxctld processes
 * over mutual TLS, as `auxctl migrate` does it (the client library's
 * migrateVf), with a guest running on the VF: auxctld is the guest's VMM,
 * the guest a FLOW sending numbered frames through the VF to an ECHO guest
 * on the other host's VF 1; the two daemons' PFs are cabled
 * (--sim-wire-listen / --sim-wire-connect).
 *
 * For 1 MiB and 64 MiB of registered guest memory, ROUNDS rounds each move
 * the guest A -> B and back B -> A once without and once with PRECOPY_ROUNDS
 * pre-copy rounds (the order alternating by round), so each figure has
 * 2 x ROUNDS samples taken interleaved with the other's.
 * `migration_downtime_ms` is from the source's stop-copy until the
 * destination runs the VF (what the guest sees), `migration_total_ms` from
 * the first request until the source's commit, both medians.
 * `precopy_downtime_ratio` is the 64 MiB downtime with pre-copy over the
 * one without (goal <= 0.3); the headline figures are the 64 MiB ones with
 * pre-copy, every case is listed with its spread. The flow's counters
 * after every move show that it carried on (no completion lost or repeated).
 */
import { type AuxctlClient, migrateVf } from '@auxctl/client';
import { GuestProgram } from '@auxctl/proto';
import { median, printTable, type Row, ratio, round, writeResults } from './harness.js';
import { type ProbedAuxctld, startProbedAuxctld } from './probed-auxctld.js';
import { prepareState } from './remote-state.js';

const ROUNDS = 5;
const PRECOPY_ROUNDS = 2;
const PF = '0000:08:00.0';
const VF0 = '0000:08:00.2';
const VF1 = '0000:08:00.3';
const MAC = { a0: '02:00:00:00:0a:00', b0: '02:00:00:00:0b:00', b1: '02:00:00:00:0b:01' };
const SIZES_MIB = [1, 64] as const;

/** migratable: `n` VFs on the PF, each migratable with `macs[i]`, bound to mlx5_vfio_pci. */
async function migratable(c: AuxctlClient, macs: readonly string[]): Promise<void> {
  await c.pci.setNumVfs(PF, macs.length);
  for (const [i, hwAddr] of macs.entries()) {
    const bdf = i === 0 ? VF0 : VF1;
    await c.pci.unbind(bdf);
    await c.pci.setVf(PF, i, { hwAddr, migratable: true });
    await c.pci.bind(bdf, 'mlx5_vfio_pci');
  }
}

/** Case: one size and pre-copy setting, its samples. */
interface Case {
  readonly mib: number;
  readonly precopy: number;
  readonly downtime: number[];
  readonly total: number[];
}

const spread = (xs: readonly number[]) => `${round(Math.min(...xs))}-${round(Math.max(...xs))}`;

/** runMigration: measure and write bench/results/migration.json. */
export async function runMigration(): Promise<Record<string, number | string>> {
  const state = await prepareState();
  const daemons: ProbedAuxctld[] = [];
  const clients: AuxctlClient[] = [];
  const base = ['--listen', '127.0.0.1:0', '--devices', '1', '--sim-vfs', '2'];
  try {
    const a = await startProbedAuxctld([
      '--state-dir',
      state.paths.dir,
      ...base,
      '--sim-wire-listen',
      '127.0.0.1:0',
    ]);
    daemons.push(a);
    const wire = /"wire":"([^"]+)","msg":"simulated cable listening"/.exec(a.startupLog)?.[1];
    if (!wire) throw new Error(`auxctld did not say where its cable listens:\n${a.startupLog}`);
    const b = await startProbedAuxctld([
      '--state-dir',
      state.paths.dir,
      ...base,
      '--sim-wire-connect',
      wire,
    ]);
    daemons.push(b);
    const [ca, cb] = [await state.connect(a.address), await state.connect(b.address)];
    clients.push(ca, cb);
    await migratable(ca, [MAC.a0]);
    await migratable(cb, [MAC.b0, MAC.b1]);
    await cb.simulator.startGuest({
      vf: VF1,
      program: GuestProgram.GUEST_PROGRAM_ECHO,
      memoryBytes: 1024 * 1024,
      peerMac: '',
    });

    const cases: Case[] = [];
    let flowChecks = 0;
    for (const mib of SIZES_MIB) {
      await ca.simulator.startGuest({
        vf: VF0,
        program: GuestProgram.GUEST_PROGRAM_FLOW,
        memoryBytes: mib * 1024 * 1024,
        peerMac: MAC.b1,
      });
      const by = [0, PRECOPY_ROUNDS].map((precopy) => {
        const c: Case = { mib, precopy, downtime: [], total: [] };
        cases.push(c);
        return c;
      });
      let at = ca;
      let other = cb;
      let echoed = (await at.simulator.getGuest(VF0)).echoed;
      for (let r = 0; r < ROUNDS; r++) {
        for (let k = 0; k < 2; k++) {
          const c = by[(r + k) % 2] as Case;
          // There and back: each direction is one sample.
          for (let leg = 0; leg < 2; leg++) {
            await waitForEchoes(at, echoed);
            const m = await migrateVf(at, other, {
              vf: VF0,
              toVf: VF0,
              precopyRounds: c.precopy,
            });
            c.downtime.push(m.downtimeMs);
            c.total.push(m.totalMs);
            [at, other] = [other, at];
            const g = await at.simulator.getGuest(VF0);
            if (g.completionErrors !== 0) {
              throw new Error(`the flow saw ${g.completionErrors} completion errors after a move`);
            }
            echoed = g.echoed;
            flowChecks++;
          }
        }
      }
      await waitForEchoes(at, echoed);
      await at.simulator.stopGuest(VF0);
    }

    const out: Record<string, number | string> = {};
    const rows: Row[] = [];
    for (const c of cases) {
      const key = `${c.mib}mib_precopy${c.precopy}`;
      out[`migration_downtime_ms_${key}`] = round(median(c.downtime), 2);
      out[`migration_total_ms_${key}`] = round(median(c.total), 2);
      out[`migration_downtime_ms_${key}_spread`] = spread(c.downtime);
      out[`migration_total_ms_${key}_spread`] = spread(c.total);
      rows.push({
        what: `${c.mib} MiB, ${c.precopy} pre-copy rounds: downtime / total ms`,
        value: `${round(median(c.downtime), 2)} / ${round(median(c.total), 1)}`,
        baseline: `spread ${spread(c.downtime)} / ${spread(c.total)}`,
      });
    }
    const big = (p: number) => cases.find((c) => c.mib === 64 && c.precopy === p) as Case;
    const small = (p: number) => cases.find((c) => c.mib === 1 && c.precopy === p) as Case;
    out.migration_downtime_ms = round(median(big(PRECOPY_ROUNDS).downtime), 2);
    out.migration_total_ms = round(median(big(PRECOPY_ROUNDS).total), 2);
    out.precopy_downtime_ratio = ratio(
      median(big(PRECOPY_ROUNDS).downtime),
      median(big(0).downtime),
    );
    out.precopy_downtime_ratio_1mib = ratio(
      median(small(PRECOPY_ROUNDS).downtime),
      median(small(0).downtime),
    );
    out.precopy_rounds = PRECOPY_ROUNDS;
    out.samples_per_case = 2 * ROUNDS;
    out.flow_checked_moves = flowChecks;
    rows.push({
      what: 'downtime with / without pre-copy, 64 MiB',
      value: String(out.precopy_downtime_ratio),
      goal: '<= 0.3',
    });
    printTable('migration: a VF with a running guest between two auxctld', rows);
    writeResults('migration', out);
    return out;
  } finally {
    for (const c of clients) c.close();
    for (const d of daemons.reverse()) await d.stop();
    await state.dispose();
  }
}

/** waitForEchoes: until the flow guest on `c` counted more echoes than `than` (bounded: 10 s). */
async function waitForEchoes(c: AuxctlClient, than: number): Promise<void> {
  const until = Date.now() + 10_000;
  for (let i = 0; i < 10_000 && Date.now() < until; i++) {
    if ((await c.simulator.getGuest(VF0)).echoed > than) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`the flow guest's echoes did not go past ${than} within 10 s`);
}

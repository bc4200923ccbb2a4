/**
 * sf suite: sub-function activation and teardown.
 *
 * - activate: `portFunctions.activate()` of an inactive SF port until the
 *   nested core is up and its `eth`, `rdma` and `ctl` aux devices are all
 *   bound by ctl-aux's, net-aux's and rdma-aux's drivers;
 * - teardown: `deactivate()` + `delete()` of that port;
 * for 1 SF (mean over rounds) and for 16 SFs in a row (per SF), next to
 * the baseline of probing and closing a PF core device with the same
 * drivers in the same run.
 */
import {
  AuxiliaryBus,
  type AuxiliaryDriver,
  CoreDevice,
  createSfDriver,
  IdAllocator,
} from '@auxctl/core';
import { CtlRegistry, createCtlDriver } from '@auxctl/ctl-aux';
import { createNetDriver } from '@auxctl/net-aux';
import { createRdmaDriver } from '@auxctl/rdma-aux';
import { createSimDevice } from '@auxctl/sim';
import { pino } from 'pino';
import { printTable, type Row, ratio, round, writeResults } from './harness.js';

const MAX_ROUNDS = 200;
const MIN_ROUNDS = 3;

/** auxDrivers: the three aux drivers an SF's devices are bound by, as on a host. */
function auxDrivers(): { drivers: AuxiliaryDriver[]; label: string } {
  return {
    drivers: [
      createCtlDriver({ registry: new CtlRegistry(), audit: pino({ level: 'silent' }) }),
      createNetDriver(),
      createRdmaDriver(),
    ] as AuxiliaryDriver[],
    label: 'ctl-aux + net-aux + rdma-aux',
  };
}

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/** runSf: measure and write bench/results/sf.json. */
export async function runSf(budgetMs: number): Promise<Record<string, number>> {
  const bus = new AuxiliaryBus();
  const ids = new IdAllocator();
  const { drivers, label } = auxDrivers();
  for (const d of drivers) await bus.registerDriver(d);
  await bus.registerDriver(createSfDriver({ ids, health: { poll: false } }));
  const sim = createSimDevice();
  const core = await CoreDevice.probe({
    backend: sim,
    bus,
    ids,
    sfIds: new IdAllocator(),
    health: { poll: false },
  });
  const pf = core.portFunctions;
  const boundAll = (names: readonly string[]) => {
    const byName = new Map(bus.listDevices().map((d) => [d.device, d.driver]));
    return names.every((n) => byName.get(n) !== undefined);
  };
  let sfnum = 0;

  /** cycle: `n` SFs activated then torn down; total ms of each phase. */
  const cycle = async (n: number) => {
    const ports = [];
    for (let i = 0; i < n; i++) ports.push(await pf.add({ pfnum: 0, sfnum: sfnum++ }));
    let t0 = process.hrtime.bigint();
    const up = [];
    for (const p of ports) up.push(await pf.activate(p));
    const activate = ms(t0);
    for (const p of up) {
      const names = p.nestedCore?.auxDevices().map((d) => d.devName) ?? [];
      if (p.state !== 'attached' || names.length !== 3 || !boundAll(names)) {
        throw new Error(`SF ${p.sfnum} came up ${p.state} with ${names.join(', ')} not all bound`);
      }
    }
    t0 = process.hrtime.bigint();
    for (const p of up) {
      await pf.deactivate(p);
      await pf.delete(p);
    }
    return { activate, teardown: ms(t0) };
  };

  const series = async (n: number) => {
    const acc = { activate: 0, teardown: 0 };
    let rounds = 0;
    const start = process.hrtime.bigint();
    await cycle(n); // warm-up
    while (rounds < MAX_ROUNDS && (rounds < MIN_ROUNDS || ms(start) < budgetMs)) {
      const r = await cycle(n);
      acc.activate += r.activate;
      acc.teardown += r.teardown;
      rounds++;
    }
    return { activate: acc.activate / rounds / n, teardown: acc.teardown / rounds / n, rounds };
  };

  // Baseline: a PF core device probed and closed with the same drivers bound.
  const pfSim = createSimDevice({ identity: { bdf: '0000:09:00.0', serial: 'MT2150X00002' } });
  let pfRounds = 0;
  let pfTotal = 0;
  const pfStart = process.hrtime.bigint();
  while (pfRounds < MAX_ROUNDS && (pfRounds < MIN_ROUNDS || ms(pfStart) < budgetMs / 2)) {
    const t0 = process.hrtime.bigint();
    const c = await CoreDevice.probe({ backend: pfSim, bus, ids, health: { poll: false } });
    await c.close();
    pfTotal += ms(t0);
    pfRounds++;
  }
  const pfProbe = pfTotal / pfRounds;
  pfSim.close();

  const one = await series(1);
  const sixteen = await series(16);
  await core.close();
  sim.close();

  const out: Record<string, number> = {
    sf_activate_ms: round(one.activate, 3),
    sf_teardown_ms: round(one.teardown, 3),
    sf_16_activate_per_sf_ms: round(sixteen.activate, 3),
    sf_16_teardown_per_sf_ms: round(sixteen.teardown, 3),
    sf_16_vs_1_per_sf_ratio: ratio(sixteen.activate, one.activate),
    sf_16_vs_1_teardown_per_sf_ratio: ratio(sixteen.teardown, one.teardown),
    pf_probe_close_ms: round(pfProbe, 3),
    sf_cycle_vs_pf_probe_close_ratio: ratio(one.activate + one.teardown, pfProbe),
  };
  const rows: Row[] = [
    {
      what: `SF activate -> eth/rdma/ctl bound (${label}), 1 SF`,
      value: `${round(one.activate, 3)} ms`,
    },
    { what: 'SF deactivate + delete, 1 SF', value: `${round(one.teardown, 3)} ms` },
    {
      what: 'SF activate, 16 SFs, per SF',
      value: `${round(sixteen.activate, 3)} ms`,
      baseline: `${round(one.activate, 3)} ms at 1`,
      ratio: out.sf_16_vs_1_per_sf_ratio,
      goal: '<= 1.5',
    },
    {
      what: 'SF teardown, 16 SFs, per SF',
      value: `${round(sixteen.teardown, 3)} ms`,
      baseline: `${round(one.teardown, 3)} ms at 1`,
      ratio: out.sf_16_vs_1_teardown_per_sf_ratio,
    },
    {
      what: 'SF activate + teardown vs PF probe + close',
      value: `${round(one.activate + one.teardown, 3)} ms`,
      baseline: `${round(pfProbe, 3)} ms PF`,
      ratio: out.sf_cycle_vs_pf_probe_close_ratio,
    },
  ];
  printTable(
    `sf: sub-function activate / teardown (${one.rounds} / ${sixteen.rounds} rounds)`,
    rows,
  );
  writeResults('sf', { ...out, aux_drivers: label });
  return out;
}

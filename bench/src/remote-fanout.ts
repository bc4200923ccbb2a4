/**
 * Fan-out figure of the remote suite: aggregate Exec RPCs/s to 8 auxctld
 * processes through the client library's `fanOut` (8 hosts at once, 4
 * callers on each, each calling back to back for a fixed time) next to one
 * process with the same 32 callers. Both sides run in the same bench
 * process against the same kind of server; only the number of server
 * processes differs. Callers never wait for each other, so the figure is
 * throughput, not the pace of the slowest host.
 *
 * On a machine with fewer cores than processes the 8 servers (and the
 * client) share the cores, so the ratio shows scheduling cost as much as
 * the protocol's; the README says how to read it.
 */
import { type AuxctlClient, fanOut } from '@auxctl/client';
import { type Row, ratio } from './harness.js';
import { callersFor } from './remote-load.js';
import { type ServerProcess, startServerProcess, stopAll } from './remote-process.js';
import type { BenchState } from './remote-state.js';

/** FANOUT_HOSTS / FANOUT_IN_FLIGHT: the shape of the figure. */
export const FANOUT_HOSTS = 8;
export const FANOUT_IN_FLIGHT = 32;
/** Bound on the calls of one caller in one span (far above what a span allows). */
const MAX_CALLS_PER_CALLER = 100_000;

/** measureFanOut: start the servers, measure both sides, stop everything. */
export async function measureFanOut(
  state: BenchState,
  nop: Buffer,
  ms: number,
): Promise<{ rows: Row[]; out: Record<string, number> }> {
  const procs: ServerProcess[] = [];
  const clients: AuxctlClient[] = [];
  try {
    const started = await Promise.allSettled(
      Array.from({ length: FANOUT_HOSTS }, () =>
        startServerProcess({ mode: 'auxctld', stateDir: state.paths.dir, maxInFlight: 32 }),
      ),
    );
    for (const s of started) if (s.status === 'fulfilled') procs.push(s.value);
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    for (const p of procs) clients.push(await state.connect(p.ready.address));
    const devices = await Promise.all(
      clients.map(async (c) => {
        const d = (await c.listDevices())[0];
        if (!d) throw new Error(`no device on ${c.address}`);
        return d.name;
      }),
    );
    const scope = 'DEBUG_READ_ONLY';
    const exec = (i: number) => () => clients[i]!.exec(devices[i]!, scope, nop, 16);
    const hosts = clients.map((c) => c.address);
    const perHost = FANOUT_IN_FLIGHT / FANOUT_HOSTS;
    // Each side runs for ms / 2, twice, alternating, so drift hits both alike.
    const span = ms / 2;
    const rate = async (work: () => Promise<number>): Promise<{ ops: number; ms: number }> => {
      const t0 = performance.now();
      const ops = await work();
      return { ops, ms: performance.now() - t0 };
    };
    const single = () =>
      rate(() => callersFor(FANOUT_IN_FLIGHT, exec(0), span, MAX_CALLS_PER_CALLER));
    const spread = () =>
      rate(async () => {
        const res = await fanOut(
          hosts,
          (_h, i) => callersFor(perHost, exec(i), span, MAX_CALLS_PER_CALLER),
          { concurrency: FANOUT_HOSTS },
        );
        let ops = 0;
        for (const r of res) {
          if (!r.ok) throw r.error;
          ops += r.value;
        }
        return ops;
      });
    const a1 = await single();
    const b1 = await spread();
    const a2 = await single();
    const b2 = await spread();
    const one = (a1.ops + a2.ops) / ((a1.ms + a2.ms) / 1000);
    const eight = (b1.ops + b2.ops) / ((b1.ms + b2.ms) / 1000);
    const out = {
      exec_single_process_32_per_s: Math.round(one),
      exec_fanout8_32_per_s: Math.round(eight),
      fanout8_vs_single_ratio: ratio(eight, one),
    };
    const rows: Row[] = [
      {
        what: `Exec NOP to ${FANOUT_HOSTS} auxctld via fanOut, ${FANOUT_IN_FLIGHT} in flight`,
        value: `${Math.round(eight).toLocaleString('en')}/s`,
        baseline: `${Math.round(one).toLocaleString('en')}/s 1 process`,
        ratio: out.fanout8_vs_single_ratio,
        goal: '>= 0.8',
      },
    ];
    return { rows, out };
  } finally {
    for (const c of clients) c.close();
    await stopAll(procs);
  }
}

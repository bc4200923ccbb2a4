/**
 * Robustness suite: the memory of one auxctld process (the real daemon,
 * its own process, see probed-auxctld.ts) while 200 dump streams and 200
 * idle streams that never read are open, and after their clients went
 * away. Writes bench/results/robustness.json.
 *
 * Figures (MiB): the RSS growth over the baseline with the idle streams
 * open (`idle_streams_rss_growth_mib`), the further growth once the dump
 * streams are open too (`stalled_dump_streams_rss_growth_mib`) and the total
 * (`streams_rss_growth_mib`, goal < 64); after the clients closed and a
 * full GC, heap + external memory against the baseline's
 * (`streams_gone_heap_delta_mib`, goal < 16) and RSS. The baseline is taken
 * after each principal captured and downloaded one coredump (warm code,
 * connections up). Every figure is read right after a full GC in the
 * daemon, so it is what the streams hold, not garbage awaiting collection.
 * The dump store is small (16 MiB), so fresh captures beyond it are
 * refused; the counts of open and refused calls are reported.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { printTable, round, writeResults } from './harness.js';
import { startProbedAuxctld } from './probed-auxctld.js';
import { prepareLoadState, StalledLoad, settle } from './stalled-streams.js';

const MIB = 1024 * 1024;

/** RobustnessOptions: the load's shape. */
export interface RobustnessOptions {
  /** Principals (each with 2 connections). */
  readonly principals: number;
  /** Dump streams per principal: half resumes of its own dump, half fresh captures. */
  readonly dumpStreamsPerPrincipal: number;
  /** Idle streams per principal: half WatchDevices, half Sessions. */
  readonly idleStreamsPerPrincipal: number;
}

/** RobustnessFigures: what the suite reports. */
export interface RobustnessFigures {
  readonly [key: string]: number | string;
  stalled_dump_streams_rss_growth_mib: number;
  idle_streams_rss_growth_mib: number;
  streams_rss_growth_mib: number;
  streams_gone_heap_delta_mib: number;
  streams_gone_rss_delta_mib: number;
  baseline_rss_mib: number;
  baseline_heap_external_mib: number;
  streams_open_rss_mib: number;
  streams_gone_rss_mib: number;
  streams_gone_heap_external_mib: number;
  dump_streams: number;
  dump_streams_open: number;
  dump_streams_refused: string;
  idle_streams: number;
  idle_streams_open: number;
  idle_streams_ended: string;
  connections: number;
}

const DEFAULTS: RobustnessOptions = {
  principals: 10,
  dumpStreamsPerPrincipal: 20,
  idleStreamsPerPrincipal: 20,
};

/** measureRobustness: run the load against a fresh auxctld and return the figures. */
export async function measureRobustness(
  o: RobustnessOptions = DEFAULTS,
): Promise<RobustnessFigures> {
  const dir = await mkdtemp(join(tmpdir(), 'auxctl-robustness-'));
  const state = await prepareLoadState(dir, o.principals);
  const daemon = await startProbedAuxctld([
    '--state-dir',
    state.paths.dir,
    '--policy',
    state.policyPath,
    '--listen',
    '127.0.0.1:0',
    '--devices',
    '1',
    '--dump-store-mib',
    '16',
    '--dumps',
    String(o.principals * o.dumpStreamsPerPrincipal),
    '--dumps-per-principal',
    String(o.dumpStreamsPerPrincipal),
  ]);
  let load: StalledLoad | undefined;
  try {
    const device = '0000:08:00.0';
    load = new StalledLoad(daemon.address, state, device, 2);
    const ids: string[] = [];
    for (let p = 0; p < o.principals; p++) ids.push(await load.captureOne(p));
    await settle(() => daemon.rssBytes(), { tolerance: MIB / 2, maxMs: 3000 });
    const base = await daemon.memoryAfterGc();
    const baseRss = base.rss;

    const idleHalf = o.idleStreamsPerPrincipal >> 1;
    for (let p = 0; p < o.principals; p++) {
      for (let n = 0; n < o.idleStreamsPerPrincipal; n++) {
        if (n < idleHalf) load.idleWatch(p, n);
        else load.idleSession(p, n);
      }
    }
    await load.settled();
    await settle(() => daemon.rssBytes(), { tolerance: MIB, maxMs: 20_000 });
    const idleRss = (await daemon.memoryAfterGc()).rss;
    const idle = load.outcome(['watch', 'session']);

    // Resumes first (they pin the principals' dumps), then fresh captures beyond the store.
    const half = o.dumpStreamsPerPrincipal >> 1;
    for (let p = 0; p < o.principals; p++) {
      for (let n = 0; n < half; n++) load.stalledDump(p, n, ids[p]);
    }
    await load.settled();
    await settle(() => daemon.rssBytes(), { tolerance: MIB, maxMs: 10_000 });
    for (let p = 0; p < o.principals; p++) {
      for (let n = half; n < o.dumpStreamsPerPrincipal; n++) load.stalledDump(p, n);
    }
    await load.settled();
    const dumps = load.outcome(['dump']);
    await settle(() => daemon.rssBytes(), { tolerance: MIB, maxMs: 20_000 });
    // After a GC: what the open streams hold, not garbage of refused captures awaiting collection.
    const allRss = (await daemon.memoryAfterGc()).rss;

    load.close();
    load = undefined;
    // The server sees the connections go; give it a bounded time to end the calls.
    await settle(() => daemon.rssBytes(), { tolerance: MIB / 2, maxMs: 5000 });
    const gone = await daemon.memoryAfterGc();
    const heapExt = (m: { heapUsed: number; external: number }) => m.heapUsed + m.external;
    const codes = (ended: Readonly<Record<string, number>>): string =>
      Object.entries(ended)
        .map(([k, v]) => `${k}:${v}`)
        .join(',') || 'none';
    return {
      stalled_dump_streams_rss_growth_mib: round((allRss - idleRss) / MIB),
      idle_streams_rss_growth_mib: round((idleRss - baseRss) / MIB),
      streams_rss_growth_mib: round((allRss - baseRss) / MIB),
      streams_gone_heap_delta_mib: round((heapExt(gone) - heapExt(base)) / MIB),
      streams_gone_rss_delta_mib: round((gone.rss - baseRss) / MIB),
      baseline_rss_mib: round(baseRss / MIB),
      baseline_heap_external_mib: round(heapExt(base) / MIB),
      streams_open_rss_mib: round(allRss / MIB),
      streams_gone_rss_mib: round(gone.rss / MIB),
      streams_gone_heap_external_mib: round(heapExt(gone) / MIB),
      dump_streams: o.principals * o.dumpStreamsPerPrincipal,
      dump_streams_open: dumps.open,
      dump_streams_refused: codes(dumps.ended),
      idle_streams: o.principals * o.idleStreamsPerPrincipal,
      idle_streams_open: idle.open,
      idle_streams_ended: codes(idle.ended),
      connections: o.principals * 2,
    };
  } finally {
    load?.close();
    await daemon.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** runRobustness: the suite (the measuring time does not apply: the load is fixed). */
export async function runRobustness(_ms: number): Promise<RobustnessFigures> {
  const f = await measureRobustness();
  printTable('robustness: 200 never-reading dump streams + 200 idle streams, one auxctld', [
    { what: 'RSS growth, idle streams open', value: `${f.idle_streams_rss_growth_mib} MiB` },
    {
      what: 'RSS growth, dump streams added',
      value: `${f.stalled_dump_streams_rss_growth_mib} MiB`,
    },
    { what: 'RSS growth, all open', value: `${f.streams_rss_growth_mib} MiB`, goal: '< 64 MiB' },
    {
      what: 'heap+external after close + GC',
      value: `${f.streams_gone_heap_delta_mib} MiB`,
      goal: '< 16 MiB',
    },
    { what: 'RSS after close + GC', value: `${f.streams_gone_rss_delta_mib} MiB` },
  ]);
  writeResults('robustness', f);
  return f;
}

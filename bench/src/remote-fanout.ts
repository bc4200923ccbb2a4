/**
 * Fan-out figure of the remote suite: aggregate Exec NOP calls/s to 8
 * auxctld processes through the client library's `fanOut`, next to the same
 * pattern done by a bare grpc-js client against 8 bare echo processes.
 *
 * The two sides are the same pattern: 8 hosts, each its own process and its
 * own channel (same mTLS certificates and channel options), all 8 at once,
 * 4 callers per host, each making unary calls back to back for a fixed time;
 * the bare requests and answers have the encoded sizes of ExecRequest and
 * ExecResponse. The bare side starts its hosts with a plain Promise.all, as
 * a program without the library would. Callers never wait for each other,
 * so the figure is throughput, not the pace of the slowest host. A third
 * side, the floor, runs the library's pattern against the bare processes'
 * CtlService, which answers Exec at once (remote-floor.ts).
 *
 * All 16 server processes run for the whole figure, but only one side's 8
 * are busy at a time, so on a machine with fewer cores than processes both
 * sides share the cores with the same number of busy processes. The sides
 * alternate in rounds (the order rotating) after every process has been
 * warmed up; the figure is the median of the per-round rate ratios,
 * reported with their spread, and next to it each side's CPU time per call
 * in the bench process and in its servers, which tells where a gap comes
 * from when the machine's other load blurs the rates. Everything started
 * here is stopped, whatever fails.
 */
import { type AuxctlClient, fanOut } from '@auxctl/client';
import { ExecRequest, ExecResponse, RpcScope } from '@auxctl/proto';
import { median, type Row, ratioSpread, round, roundList } from './harness.js';
import { type BareClient, echoRequest, newBareClient, unaryEcho } from './remote-bare.js';
import { callersFor } from './remote-load.js';
import { cpuMsOfPid, type ServerProcess, startServerProcess, stopAll } from './remote-process.js';
import type { RemoteServerConfig } from './remote-server.js';
import type { BenchState } from './remote-state.js';

/** FANOUT_HOSTS / FANOUT_IN_FLIGHT: the shape of the figure (in flight over all hosts). */
export const FANOUT_HOSTS = 8;
export const FANOUT_IN_FLIGHT = 32;
/** FANOUT_ROUNDS: rounds of the figure; each runs both sides for a share of its time. */
export const FANOUT_ROUNDS = 8;
/** FANOUT_WARMUP_CALLS_PER_HOST: calls each server process answers before the rounds. */
export const FANOUT_WARMUP_CALLS_PER_HOST = 2_500;
/** Bound on the whole warm-up's time (both sides). */
const WARMUP_MAX_MS = 30_000;
/** Bound on the calls of one caller in one span (far above what a span allows). */
const MAX_CALLS_PER_CALLER = 100_000;
const OUT_LEN = 16;
const SCOPE = 'DEBUG_READ_ONLY';

/** startMany: `n` server processes of `cfg`; every one started is pushed to `into`, even if another fails. */
async function startMany(
  cfg: RemoteServerConfig,
  n: number,
  into: ServerProcess[],
): Promise<ServerProcess[]> {
  const started = await Promise.allSettled(
    Array.from({ length: n }, () => startServerProcess(cfg)),
  );
  const mine: ServerProcess[] = [];
  for (const s of started) if (s.status === 'fulfilled') mine.push(s.value);
  into.push(...mine);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw (failed as PromiseRejectedResult).reason;
  return mine;
}

/** Span: what one side did in one span: calls, wall ms, CPU ms of the bench process and of its servers. */
interface Span {
  ops: number;
  ms: number;
  clientCpuMs: number;
  serverCpuMs: number;
}

/** timed: run `work` (resolving the calls it completed) and measure its Span. */
async function timed(
  servers: readonly ServerProcess[],
  work: () => Promise<number>,
): Promise<Span> {
  const serverCpu = () => servers.reduce((sum, p) => sum + cpuMsOfPid(p.pid), 0);
  const s0 = serverCpu();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const ops = await work();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { ops, ms, clientCpuMs: (c.user + c.system) / 1000, serverCpuMs: serverCpu() - s0 };
}

/** measureFanOut: start the servers, measure both sides in rounds, stop everything. */
export async function measureFanOut(
  state: BenchState,
  nop: Buffer,
  ms: number,
): Promise<{ rows: Row[]; out: Record<string, number | string> }> {
  const procs: ServerProcess[] = [];
  const clients: { close(): void }[] = [];
  try {
    // One kind after the other: 16 processes starting at once on a small machine
    // can take longer than a start is allowed.
    const auxProcs = await startMany(
      { mode: 'auxctld', stateDir: state.paths.dir, maxInFlight: 32 },
      FANOUT_HOSTS,
      procs,
    );
    const bareProcs = await startMany(
      { mode: 'bare', stateDir: state.paths.dir },
      FANOUT_HOSTS,
      procs,
    );
    const aux: AuxctlClient[] = [];
    for (const p of auxProcs) {
      const c = await state.connect(p.ready.address);
      clients.push(c);
      aux.push(c);
    }
    const bare: BareClient[] = bareProcs.map((p) => {
      const c = newBareClient(p.ready.address, state.grpcCredentials(), state.grpcOptions);
      clients.push(c);
      return c;
    });
    // The floor: the same client library against the bare processes' CtlService (remote-floor.ts).
    const floor: AuxctlClient[] = [];
    for (const p of bareProcs) {
      const c = await state.connect(p.ready.address);
      clients.push(c);
      floor.push(c);
    }
    const devices = await Promise.all(
      aux.map(async (c) => {
        const d = (await c.listDevices())[0];
        if (!d) throw new Error(`no device on ${c.address}`);
        return d.name;
      }),
    );
    const reqBytes = ExecRequest.encode({
      device: devices[0] as string,
      scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY,
      inbox: nop,
      outLen: OUT_LEN,
    }).finish().length;
    const resBytes = ExecResponse.encode({ outbox: Buffer.alloc(OUT_LEN) }).finish().length;
    const echoReq = echoRequest(reqBytes, resBytes);
    const perHost = FANOUT_IN_FLIGHT / FANOUT_HOSTS;
    const span = ms / 4;

    // A side runs every host's callers for `span` ms, at most `perCaller` calls each.
    const viaFanOut =
      (servers: readonly ServerProcess[], to: readonly AuxctlClient[]) =>
      (span: number, perCaller: number): Promise<Span> =>
        timed(servers, async () => {
          const res = await fanOut(
            to.map((c) => c.address),
            (_h, i) =>
              callersFor(
                perHost,
                () => to[i]!.exec(devices[i]!, SCOPE, nop, OUT_LEN),
                span,
                perCaller,
              ),
            { concurrency: FANOUT_HOSTS },
          );
          let ops = 0;
          for (const r of res) {
            if (!r.ok) throw r.error;
            ops += r.value;
          }
          return ops;
        });
    const auxctl = viaFanOut(auxProcs, aux);
    const floorSide = viaFanOut(bareProcs, floor);
    const bareSide = (span: number, perCaller: number): Promise<Span> =>
      timed(bareProcs, async () => {
        const counts = await Promise.all(
          bare.map((b) => callersFor(perHost, () => unaryEcho(b, echoReq), span, perCaller)),
        );
        return counts.reduce((a, b) => a + b, 0);
      });

    // Warm-up of every server process (and the client), then the rounds. A
    // round gives each process only a few hundred calls, and a fresh process
    // runs its per-call path several times slower until the JIT has
    // optimized it (after a couple of thousand calls here), more so for
    // auxctld's longer path than for the echo: without this the figure
    // measured cold code, not what a running daemon costs.
    // One host at a time with all callers on it: the same per-call path, but
    // batched, so it takes a fraction of the time of warming all 8 at once
    // (which on a busy machine ran into the time bound half warm).
    const warmPerCaller = FANOUT_WARMUP_CALLS_PER_HOST / FANOUT_IN_FLIGHT;
    const warmEnd = performance.now() + WARMUP_MAX_MS;
    for (let i = 0; i < FANOUT_HOSTS; i++) {
      const b = bare[i] as BareClient;
      const left = () => Math.max(0, warmEnd - performance.now());
      await callersFor(FANOUT_IN_FLIGHT, () => unaryEcho(b, echoReq), left(), warmPerCaller);
      for (const c of [aux[i], floor[i]] as AuxctlClient[]) {
        await callersFor(
          FANOUT_IN_FLIGHT,
          () => c.exec(devices[i]!, SCOPE, nop, OUT_LEN),
          left(),
          warmPerCaller,
        );
      }
    }
    const sides = [bareSide, auxctl, floorSide];
    const spans: [Span, Span, Span][] = [];
    for (let r = 0; r < FANOUT_ROUNDS; r++) {
      const row: Span[] = [];
      for (let j = 0; j < sides.length; j++) {
        const k = (r + j) % sides.length;
        row[k] = await (sides[k] as typeof auxctl)(span, MAX_CALLS_PER_CALLER);
      }
      spans.push(row as [Span, Span, Span]);
    }
    const perSec = (t: Span) => (t.ops / t.ms) * 1000;
    const roundRatios = spans.map(([b, a]) => perSec(a) / perSec(b));
    const floorRatios = spans.map(([b, , f]) => perSec(f) / perSec(b));
    const auxPerSec = median(spans.map(([, a]) => perSec(a)));
    const barePerSec = median(spans.map(([b]) => perSec(b)));
    const floorPerSec = median(spans.map(([, , f]) => perSec(f)));
    // CPU per call over all rounds: what each side costs whatever the machine's
    // other load did to the rates (/proc counts in 10 ms ticks, hence the pooling).
    const cpuUs = (k: 0 | 1 | 2, of: 'clientCpuMs' | 'serverCpuMs') => {
      const sum = (f: (t: Span) => number) => spans.reduce((acc, row) => acc + f(row[k]), 0);
      return round((sum((t) => t[of]) * 1000) / sum((t) => t.ops));
    };
    const out = {
      exec_fanout8_32_per_s: Math.round(auxPerSec),
      bare_unary_fanout8_32_per_s: Math.round(barePerSec),
      fanout8_vs_bare_fanout_ratio: round(median(roundRatios), 3),
      fanout8_round_ratios: roundList(roundRatios),
      fanout8_rounds: FANOUT_ROUNDS,
      fanout8_exec_client_cpu_us_per_call: cpuUs(1, 'clientCpuMs'),
      fanout8_exec_server_cpu_us_per_call: cpuUs(1, 'serverCpuMs'),
      fanout8_bare_client_cpu_us_per_call: cpuUs(0, 'clientCpuMs'),
      fanout8_bare_server_cpu_us_per_call: cpuUs(0, 'serverCpuMs'),
      floor_fanout8_32_per_s: Math.round(floorPerSec),
      fanout8_floor_vs_bare_fanout_ratio: round(median(floorRatios), 3),
      fanout8_floor_round_ratios: roundList(floorRatios),
      fanout8_vs_floor_ratio: round(median(spans.map(([, a, f]) => perSec(a) / perSec(f))), 3),
      fanout8_floor_client_cpu_us_per_call: cpuUs(2, 'clientCpuMs'),
      fanout8_floor_server_cpu_us_per_call: cpuUs(2, 'serverCpuMs'),
      fanout8_request_bytes: reqBytes,
      fanout8_response_bytes: resBytes,
    };
    const rows: Row[] = [
      {
        what: `Exec NOP to ${FANOUT_HOSTS} auxctld via fanOut, ${FANOUT_IN_FLIGHT} in flight (median of ${FANOUT_ROUNDS} rounds, ${ratioSpread(roundRatios)})`,
        value: `${Math.round(auxPerSec).toLocaleString('en')}/s`,
        baseline: `${Math.round(barePerSec).toLocaleString('en')}/s bare unary x${FANOUT_HOSTS}`,
        ratio: out.fanout8_vs_bare_fanout_ratio,
        goal: '>= 0.8',
      },
      {
        what: `the same fan-out to the bare processes' floor CtlService (answers at once)`,
        value: `${Math.round(floorPerSec).toLocaleString('en')}/s`,
        baseline: `${Math.round(barePerSec).toLocaleString('en')}/s bare unary x${FANOUT_HOSTS}`,
        ratio: out.fanout8_floor_vs_bare_fanout_ratio,
      },
    ];
    return { rows, out };
  } finally {
    for (const c of clients) c.close();
    await stopAll(procs);
  }
}

/**
 * remote suite: what auxctld and its client library cost over the network
 * path, each figure next to a bare baseline over the same mutual TLS
 * certificates, channel settings and message sizes, in the same run.
 *
 * - Session RPCs/s (NOP, 16-byte inbox and outbox, 32 in flight) vs a bare
 *   grpc-js bidi echo (identity serializers) with 32 in flight: the median
 *   of per-round rate ratios, both sides run in every round.
 * - Exec p50 latency (sequential NOPs) vs a bare unary echo: the median of
 *   per-round p50 ratios, both sides sampled in every round; beside it the
 *   floor, the same client against a server answering Exec at once
 *   (remote-floor.ts), sampled in the same rounds; and how many functions
 *   one Exec runs in each server (call-path.ts).
 * - A 64 MiB coredump stream vs a bare server stream and a raw TLS socket,
 *   and the client's and server's peak RSS growth (remote-dump.ts), on a
 *   fresh server and again after the RPC figures' load.
 * - `auxctl coredump -o FILE` as a process vs a bare grpc-js client process
 *   saving the same dump (remote-cli-dump.ts).
 * - Exec RPCs/s over 8 auxctld processes through fanOut vs the same
 *   fan-out by a bare grpc-js client over 8 bare echo processes
 *   (remote-fanout.ts).
 * - p99 / p50 latency of 64 Sessions x 5,000 sequential NOPs on one
 *   auxctld, next to 64 bare bidi echo streams (remote-sessions.ts).
 * - What a wakeup after a sleep costs on the machine, first, before any
 *   server runs (machine-wakeup.ts).
 *
 * auxctld and the baselines run in child processes (remote-server.ts), so
 * client and server each have their own event loop as in production and
 * the server's RSS is its own. Everything started here is stopped and the
 * temporary state directory removed, whatever fails.
 */
import type { AuxctlClient, Session } from '@auxctl/client';
import { buildInbox } from '@auxctl/core';
import { NopIn, Op } from '@auxctl/prm';
import {
  ExecRequest,
  ExecResponse,
  RpcScope,
  SessionRequest,
  SessionResponse,
} from '@auxctl/proto';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { countCallPath } from './call-path.js';
import {
  compareRates,
  inFlight,
  median,
  printTable,
  type Row,
  ratio,
  round,
  roundList,
  writeResults,
} from './harness.js';
import { measureWakeups } from './machine-wakeup.js';
import { type BareClient, echoRequest, newBareClient, unaryEcho } from './remote-bare.js';
import { measureCliDump } from './remote-cli-dump.js';
import { DUMP_BYTES, measureDump } from './remote-dump.js';
import { measureFanOut } from './remote-fanout.js';
import { percentile, sampleLatencies } from './remote-load.js';
import { cpuMsOfPid, type ServerProcess, startServerProcess, stopAll } from './remote-process.js';
import { measureSessions } from './remote-sessions.js';
import { type BenchState, prepareState } from './remote-state.js';

const IN_FLIGHT = 32;
const OUT_LEN = 16;
const SCOPE = 'DEBUG_READ_ONLY';
/** The same scope as the raw gRPC baseline writes it on the wire. */
const WIRE_SCOPE = RpcScope.RPC_SCOPE_DEBUG_READ_ONLY;
/** At most this many sequential latency samples per side and round. */
const MAX_SAMPLES = 50_000;
/**
 * Sequential calls each side makes before the Exec rounds, and the bound on
 * their time. The JIT settles by calls, not by time: bounded by the
 * figure's time (1.5 s), the warm-up ended short of its calls whenever a
 * call took over 300 µs, which on a busy machine it does. How many calls
 * every side made is reported (`exec_warmup_calls`).
 */
const WARMUP_CALLS = 5_000;
const WARMUP_MAX_MS = 20_000;
/** Rounds of the Session and Exec figures (each runs both sides for a share of the figure's time). */
const ROUNDS = 12;

/** chatBatch: `total` echoes on an open bidi stream, at most `window` outstanding. */
function chatBatch(
  call: ClientDuplexStream<Buffer, Buffer>,
  req: Buffer,
  total: number,
  window: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let got = 0;
    const cleanup = (): void => {
      call.off('data', onData);
      call.off('error', onError);
    };
    const onData = (): void => {
      got++;
      if (sent < total) {
        sent++;
        call.write(req);
      }
      if (got === total) {
        cleanup();
        resolve();
      }
    };
    const onError = (e: Error): void => {
      cleanup();
      reject(e);
    };
    call.on('data', onData);
    call.on('error', onError);
    while (sent < Math.min(window, total)) {
      sent++;
      call.write(req);
    }
  });
}

interface Rig {
  state: BenchState;
  auxctld: ServerProcess;
  bareProc: ServerProcess;
  client: AuxctlClient;
  bare: BareClient;
  /** The same client library against the floor CtlService of the bare process (remote-floor.ts). */
  floor: AuxctlClient;
  device: string;
}

async function measureRpc(
  rig: Rig,
  nop: Buffer,
  ms: number,
): Promise<{ rows: Row[]; out: Record<string, number | string> }> {
  const { client, bare, floor, device } = rig;
  // Message sizes of the auxctl calls, so the bare side moves as many bytes.
  const id = 1_000_000;
  const outbox = Buffer.alloc(OUT_LEN);
  const sReq = SessionRequest.encode({
    kind: { $case: 'rpc', rpc: { requestId: id, inbox: nop, outLen: OUT_LEN } },
  }).finish().length;
  const sRes = SessionResponse.encode({
    kind: { $case: 'result', result: { requestId: id, outbox } },
  }).finish().length;
  const eReq = ExecRequest.encode({
    device,
    scope: WIRE_SCOPE,
    inbox: nop,
    outLen: OUT_LEN,
  }).finish().length;
  const eRes = ExecResponse.encode({ outbox }).finish().length;

  const session: Session = await client.openSession(device, SCOPE);
  const chat = bare.chat();
  chat.on('error', () => {});
  try {
    if (session.info.maxInFlight < IN_FLIGHT) {
      throw new Error(
        `auxctld runs ${session.info.maxInFlight} RPCs per session, not ${IN_FLIGHT}`,
      );
    }
    const per = 8;
    const total = IN_FLIGHT * per;
    const chatReq = echoRequest(sReq, sRes);
    const first = await session.rpc(nop, OUT_LEN);
    if (first.length !== OUT_LEN || first.readUInt8(0) !== 0) throw new Error('NOP failed');
    // Throughput in rounds as well (compareRates): the median of per-round ratios.
    const sess = await compareRates(
      () => chatBatch(chat, chatReq, total, IN_FLIGHT),
      () => inFlight(IN_FLIGHT, () => session.rpc(nop, OUT_LEN), per),
      { perBatch: total, ms, rounds: ROUNDS },
    );

    // Sequential latency in rounds: each round samples both sides back to back
    // (the order rotating), so a slow spell of this shared machine hits both
    // alike. The figure is the median of the rounds' p50 ratios and the p50
    // columns the median of each side's round p50s: on this machine a side's
    // latencies come in two speeds, and a p50 over every sample lands between
    // them (it is reported too, as the pooled ratio). The floor (the same
    // client against a server that answers Exec at once) is sampled in the
    // same rounds.
    const echoReq = echoRequest(eReq, eRes);
    const bareLat: number[] = [];
    const execLat: number[] = [];
    const roundP50s: [number, number, number][] = [];
    // Each side's server process, and its CPU time and calls over the rounds.
    const sideOf = (lat: number[] | undefined, call: () => Promise<unknown>, pid: number) => ({
      lat,
      call,
      pid,
      cpuMs: 0,
      calls: 0,
    });
    const sides = [
      sideOf(bareLat, () => unaryEcho(bare, echoReq), rig.bareProc.pid),
      sideOf(execLat, () => client.exec(device, SCOPE, nop, OUT_LEN), rig.auxctld.pid),
      // Only its round p50s are reported: its samples are not kept.
      sideOf(undefined, () => floor.exec(device, SCOPE, nop, OUT_LEN), rig.bareProc.pid),
    ];
    // Warm-up until the JIT has settled (a shorter one left the first rounds of
    // auxctld, which runs far more code per call than the echo, visibly slower).
    let warmupCalls = WARMUP_CALLS;
    for (const side of sides) {
      const warm = await sampleLatencies(side.call, WARMUP_MAX_MS, WARMUP_CALLS);
      warmupCalls = Math.min(warmupCalls, warm.length);
    }
    for (let r = 0; r < ROUNDS; r++) {
      const p50s = [Number.NaN, Number.NaN, Number.NaN];
      for (let j = 0; j < sides.length; j++) {
        const k = (r + j) % sides.length;
        const side = sides[k] as (typeof sides)[number];
        const cpu0 = cpuMsOfPid(side.pid);
        const lat = await sampleLatencies(side.call, ms / 8, MAX_SAMPLES);
        side.cpuMs += cpuMsOfPid(side.pid) - cpu0;
        side.calls += lat.length;
        side.lat?.push(...lat);
        p50s[k] = percentile(lat, 50);
      }
      roundP50s.push([p50s[0] as number, p50s[1] as number, p50s[2] as number]);
    }
    // The path of one Exec in auxctld and in the floor, counted after the timed rounds.
    const execPath = await countCallPath(rig.auxctld, (sides[1] as (typeof sides)[number]).call);
    const floorPath = await countCallPath(rig.bareProc, (sides[2] as (typeof sides)[number]).call);
    const roundRatios = roundP50s.map(([b, e]) => e / b);
    const floorRatios = roundP50s.map(([b, , f]) => f / b);
    const bareP50 = median(roundP50s.map(([b]) => b));
    const execP50 = median(roundP50s.map(([, e]) => e));
    const floorP50 = median(roundP50s.map(([, , f]) => f));
    // Server CPU per call over all rounds (/proc counts in 10 ms ticks, hence the pooling):
    // the cost of one call with the server's cores to itself, next to the fan-out's figures
    // of the same calls when 8 busy server processes share the cores.
    const cpuUs = (k: number) => {
      const side = sides[k] as (typeof sides)[number];
      return round((side.cpuMs * 1000) / side.calls);
    };
    const out = {
      session_rpc_32_per_s: Math.round(sess.subjectPerSec),
      bare_bidi_echo_32_per_s: Math.round(sess.baselinePerSec),
      session_rpc_vs_bare_ratio: round(sess.ratio, 3),
      session_rpc_pooled_vs_bare_ratio: round(sess.pooledRatio, 3),
      session_round_ratios: roundList(sess.roundRatios),
      session_rounds: ROUNDS,
      session_request_bytes: sReq,
      session_response_bytes: sRes,
      exec_p50_us: round(execP50 * 1000),
      exec_p99_us: round(percentile(execLat, 99) * 1000),
      bare_unary_p50_us: round(bareP50 * 1000),
      exec_p50_vs_bare_ratio: round(median(roundRatios), 3),
      exec_p50_pooled_vs_bare_ratio: ratio(percentile(execLat, 50), percentile(bareLat, 50)),
      exec_round_p50_ratios: roundList(roundRatios),
      exec_rounds: ROUNDS,
      exec_samples: execLat.length,
      exec_floor_p50_us: round(floorP50 * 1000),
      exec_floor_p50_vs_bare_ratio: round(median(floorRatios), 3),
      exec_floor_round_p50_ratios: roundList(floorRatios),
      exec_p50_vs_floor_ratio: round(median(roundP50s.map(([, e, f]) => e / f)), 3),
      exec_warmup_calls: warmupCalls,
      exec_path_functions: execPath.functions,
      exec_path_function_calls: round(execPath.calls),
      exec_path_own_functions: execPath.own,
      exec_floor_path_functions: floorPath.functions,
      exec_floor_path_function_calls: round(floorPath.calls),
      exec_server_cpu_us_per_call: cpuUs(1),
      exec_floor_server_cpu_us_per_call: cpuUs(2),
      bare_unary_server_cpu_us_per_call: cpuUs(0),
    };
    const rows: Row[] = [
      {
        what: `Session NOP, ${IN_FLIGHT} in flight (median of ${ROUNDS} rounds)`,
        value: `${Math.round(sess.subjectPerSec).toLocaleString('en')}/s`,
        baseline: `${Math.round(sess.baselinePerSec).toLocaleString('en')}/s bare bidi`,
        ratio: out.session_rpc_vs_bare_ratio,
        goal: '>= 0.8',
      },
      {
        what: `Exec NOP p50 latency, sequential (median of ${ROUNDS} rounds)`,
        value: `${out.exec_p50_us} µs`,
        baseline: `${out.bare_unary_p50_us} µs bare unary`,
        ratio: out.exec_p50_vs_bare_ratio,
        goal: '<= 1.2',
      },
      {
        what: 'Exec NOP p50, the same client against a server that answers at once (floor)',
        value: `${out.exec_floor_p50_us} µs`,
        baseline: `${out.bare_unary_p50_us} µs bare unary`,
        ratio: out.exec_floor_p50_vs_bare_ratio,
      },
      {
        what: `functions one Exec runs in the server (${execPath.own} of auxctl's own)`,
        value: `${execPath.functions}`,
        baseline: `${floorPath.functions} floor`,
        ratio: execPath.functions / floorPath.functions,
      },
    ];
    return { rows, out };
  } finally {
    chat.end();
    await session.close().catch(() => session.cancel());
  }
}

/** runRemote: measure and write bench/results/remote.json. */
export async function runRemote(ms: number): Promise<Record<string, number | string>> {
  const state = await prepareState();
  const procs: ServerProcess[] = [];
  const clients: { close(): void }[] = [];
  const out: Record<string, number | string> = {};
  const rows: Row[] = [];
  const nop = buildInbox(NopIn, Op.NOP);
  try {
    Object.assign(out, await measureWakeups());
    rows.push({
      what: 'machine: CPU of an empty timer wakeup every 100 ms (vs every 1 ms)',
      value: `${out.machine_empty_wakeup_us_at_10hz} µs`,
      baseline: `${out.machine_empty_wakeup_us_at_1khz} µs at 1 ms`,
    });
    const started = async (p: Promise<ServerProcess>): Promise<ServerProcess> => {
      const proc = await p;
      procs.push(proc);
      return proc;
    };
    const [auxctld, bareProc] = await Promise.all([
      started(
        startServerProcess({
          mode: 'auxctld',
          stateDir: state.paths.dir,
          crdumpSize: DUMP_BYTES,
          maxInFlight: IN_FLIGHT,
        }),
      ),
      started(startServerProcess({ mode: 'bare', stateDir: state.paths.dir })),
    ]);
    const client = await state.connect(auxctld.ready.address);
    clients.push(client);
    const bare = newBareClient(bareProc.ready.address, state.grpcCredentials(), state.grpcOptions);
    clients.push(bare);
    const floor = await state.connect(bareProc.ready.address);
    clients.push(floor);
    const device = (await client.listDevices())[0]?.name;
    if (!device) throw new Error('auxctld lists no device');
    const rig: Rig = { state, auxctld, bareProc, client, bare, floor, device };

    const dumpTarget = {
      client,
      device,
      auxctld,
      bare,
      tlsPort: bareProc.ready.tlsPort ?? 0,
      tls: state.admin,
      ms,
    };
    // The dump figures on a server that has served nothing else yet, then the RPC
    // figures, then the dump ratio again on the same server after that load (it has
    // been lower there on this machine; both are reported).
    const dump = await measureDump(dumpTarget);
    rows.push(...dump.rows);
    Object.assign(out, dump.out, dump.rounds);
    const cliDump = await measureCliDump({ state, auxctld, client, device, ms });
    rows.push(...cliDump.rows);
    Object.assign(out, cliDump.out);
    const rpc = await measureRpc(rig, nop, ms);
    rows.push(...rpc.rows);
    Object.assign(out, rpc.out);
    const loaded = await measureDump(dumpTarget);
    out.dump_stream_after_rpc_load_mib_per_s = loaded.out.dump_stream_mib_per_s ?? Number.NaN;
    out.dump_stream_after_rpc_load_vs_bare_ratio =
      loaded.out.dump_stream_vs_bare_ratio ?? Number.NaN;
    rows.push({
      what: 'coredump 64 MiB again, after the Session and Exec load',
      value: `${out.dump_stream_after_rpc_load_mib_per_s} MiB/s`,
      baseline: `${loaded.out.dump_bare_grpc_mib_per_s} MiB/s bare grpc`,
      ratio: out.dump_stream_after_rpc_load_vs_bare_ratio,
    });
    for (const c of clients.splice(0)) c.close();
    await stopAll(procs.splice(0));

    const many = await measureSessions(state, nop);
    rows.push(...many.rows);
    Object.assign(out, many.out);
    const fan = await measureFanOut(state, nop, ms);
    rows.push(...fan.rows);
    Object.assign(out, fan.out);
  } finally {
    for (const c of clients) c.close();
    await stopAll(procs);
    await state.dispose();
  }
  printTable(
    'remote: auxctld over mTLS vs bare grpc-js / raw TLS (same certificates, sizes)',
    rows,
  );
  writeResults('remote', out);
  return out;
}

/**
 * Many-sessions figure of the remote suite: 64 Sessions open at once on one
 * auxctld, each making 5,000 NOP RPCs one after another; the latency of
 * every RPC is kept, and the figure is p99 over p50 of all of them (the
 * tail against the typical call under the same load), with 0 errors
 * required: an RPC that fails is counted, and any failure or any RPC not
 * made in time makes the figure invalid (NaN, the row says why).
 *
 * One client connection carries all 64 sessions: that is how the library is
 * used (one AuxctlClient per host; its channel multiplexes every session it
 * opens), and it is the harder case for the tail, since every session then
 * shares one TCP connection, one TLS stream and one HTTP/2 session on both
 * ends, so a stall there shows in all of them. More connections would
 * spread the same work over more sockets in the same two event loops. The
 * server's per-connection stream cap (32 by default) is raised with the
 * bench's other limits (remote-server.ts).
 *
 * Baseline, measured in the same run: the same shape on a bare grpc-js bidi
 * echo (64 streams on one connection, 5,000 sequential echoes each, the
 * Session messages' encoded sizes). The RPCs are made in rounds of 1,000
 * per session, alternating with the baseline's (the order rotating), so a
 * slow spell of the machine hits both; each round's p99/p50 is reported as
 * the spread. Counts are fixed and the whole figure is bounded in time.
 */
import type { AuxctlClient, Session } from '@auxctl/client';
import { SessionRequest, SessionResponse } from '@auxctl/proto';
import type { ClientDuplexStream } from '@grpc/grpc-js';
import { type Row, round } from './harness.js';
import { type BareClient, echoRequest, newBareClient } from './remote-bare.js';
import { percentile } from './remote-load.js';
import { type ServerProcess, startServerProcess, stopAll } from './remote-process.js';
import type { RemoteServerConfig } from './remote-server.js';
import type { BenchState } from './remote-state.js';

/** SESSIONS / RPCS_PER_SESSION / SESSION_ROUNDS: the shape of the figure. */
export const SESSIONS = 64;
export const RPCS_PER_SESSION = 5_000;
export const SESSION_ROUNDS = 5;
/** Bound on each side's measuring time over all rounds; what is not done by then is missing. */
const SIDE_MAX_MS = 120_000;
const OUT_LEN = 16;
const SCOPE = 'DEBUG_READ_ONLY';

/** Side: one side's latencies (ms, by session then call) and failures. */
interface Side {
  readonly lat: Float64Array;
  made: number;
  errors: number;
  firstError?: unknown;
  /** budget: measuring time left (ms); deadline: when the current round must stop. */
  budget: number;
  deadline: number;
}

function newSide(): Side {
  return {
    // NaN marks a call not made (or failed), so it never counts as a latency.
    lat: new Float64Array(SESSIONS * RPCS_PER_SESSION).fill(Number.NaN),
    made: 0,
    errors: 0,
    budget: SIDE_MAX_MS,
    deadline: 0,
  };
}

/**
 * runRound: calls `from`..`to` of every lane at once, each lane one call at
 * a time; a lane stops at the side's deadline. Failures are counted, not
 * thrown.
 */
async function runRound(
  side: Side,
  lanes: readonly (() => Promise<unknown>)[],
  from: number,
  to: number,
): Promise<void> {
  await Promise.all(
    lanes.map(async (call, s) => {
      for (let i = from; i < to && performance.now() < side.deadline; i++) {
        const t0 = performance.now();
        try {
          await call();
          side.lat[s * RPCS_PER_SESSION + i] = performance.now() - t0;
        } catch (e) {
          side.errors++;
          side.firstError ??= e;
          side.lat[s * RPCS_PER_SESSION + i] = Number.NaN;
        }
        side.made++;
      }
    }),
  );
}

/** sequentialEcho: one echo at a time on an open bidi stream. */
function sequentialEcho(
  call: ClientDuplexStream<Buffer, Buffer>,
  req: Buffer,
): () => Promise<void> {
  let waiting: { resolve(): void; reject(e: Error): void } | undefined;
  call.on('data', () => {
    const w = waiting;
    waiting = undefined;
    w?.resolve();
  });
  call.on('error', (e: Error) => {
    const w = waiting;
    waiting = undefined;
    w?.reject(e);
  });
  return () =>
    new Promise<void>((resolve, reject) => {
      waiting = { resolve, reject };
      call.write(req);
    });
}

/** stats: p50, p99 (ms) and their ratio over the finite latencies in `xs`. */
function stats(xs: ArrayLike<number>): { p50: number; p99: number; ratio: number; n: number } {
  const ok = Array.from(xs).filter((x) => Number.isFinite(x));
  const p50 = percentile(ok, 50);
  const p99 = percentile(ok, 99);
  return { p50, p99, ratio: p99 / p50, n: ok.length };
}

/** measureSessions: start auxctld and a bare server, measure both sides in rounds, stop everything. */
export async function measureSessions(
  state: BenchState,
  nop: Buffer,
): Promise<{ rows: Row[]; out: Record<string, number | string> }> {
  const procs: ServerProcess[] = [];
  const sessions: Session[] = [];
  const streams: ClientDuplexStream<Buffer, Buffer>[] = [];
  let client: AuxctlClient | undefined;
  let bare: BareClient | undefined;
  try {
    const started = async (cfg: RemoteServerConfig): Promise<ServerProcess> => {
      const p = await startServerProcess(cfg);
      procs.push(p);
      return p;
    };
    const [auxctld, bareProc] = await Promise.all([
      started({ mode: 'auxctld', stateDir: state.paths.dir, maxInFlight: 32 }),
      started({ mode: 'bare', stateDir: state.paths.dir }),
    ]);
    client = await state.connect(auxctld.ready.address);
    bare = newBareClient(bareProc.ready.address, state.grpcCredentials(), state.grpcOptions);
    const device = (await client.listDevices())[0]?.name;
    if (!device) throw new Error('auxctld lists no device');
    for (let s = 0; s < SESSIONS; s++) sessions.push(await client.openSession(device, SCOPE));
    const sReq = SessionRequest.encode({
      kind: { $case: 'rpc', rpc: { requestId: RPCS_PER_SESSION, inbox: nop, outLen: OUT_LEN } },
    }).finish().length;
    const sRes = SessionResponse.encode({
      kind: {
        $case: 'result',
        result: { requestId: RPCS_PER_SESSION, outbox: Buffer.alloc(OUT_LEN) },
      },
    }).finish().length;
    const chatReq = echoRequest(sReq, sRes);
    const bareLanes: (() => Promise<unknown>)[] = [];
    for (let s = 0; s < SESSIONS; s++) {
      const call = bare.chat();
      streams.push(call);
      bareLanes.push(sequentialEcho(call, chatReq));
    }
    const auxLanes = sessions.map((session) => () => session.rpc(nop, OUT_LEN));
    // Warm-up outside the figure: a few calls on every lane of both sides.
    for (const lanes of [bareLanes, auxLanes]) {
      await Promise.all(
        lanes.map(async (call) => {
          for (let i = 0; i < 20; i++) await call();
        }),
      );
    }

    const sides = [
      { side: newSide(), lanes: bareLanes },
      { side: newSide(), lanes: auxLanes },
    ];
    const perRound = RPCS_PER_SESSION / SESSION_ROUNDS;
    const roundRatios: [number, number][] = [];
    for (let r = 0; r < SESSION_ROUNDS; r++) {
      const row: [number, number] = [Number.NaN, Number.NaN];
      for (let j = 0; j < sides.length; j++) {
        const k = (r + j) % sides.length;
        const { side, lanes } = sides[k] as (typeof sides)[number];
        // Each side's time bound runs only while that side runs.
        const t0 = performance.now();
        side.deadline = t0 + side.budget;
        await runRound(side, lanes, r * perRound, (r + 1) * perRound);
        side.budget -= performance.now() - t0;
        const inRound: number[] = [];
        for (let l = 0; l < lanes.length; l++) {
          const at = l * RPCS_PER_SESSION + r * perRound;
          inRound.push(...side.lat.subarray(at, at + perRound));
        }
        row[k] = stats(inRound).ratio;
      }
      roundRatios.push(row);
    }
    const [b, a] = sides.map(({ side }) => side) as [Side, Side];
    const planned = SESSIONS * RPCS_PER_SESSION;
    const aux = stats(a.lat);
    const base = stats(b.lat);
    const valid = a.errors === 0 && a.made === planned;
    const why =
      a.errors > 0
        ? `${a.errors} errors (first: ${String(a.firstError)})`
        : `${a.made} of ${planned} RPCs in time`;
    const out: Record<string, number | string> = {
      sessions64_p50_us: round(aux.p50 * 1000),
      sessions64_p99_us: round(aux.p99 * 1000),
      sessions64_p99_over_p50: valid ? round(aux.ratio, 2) : Number.NaN,
      sessions64_rpcs: a.made,
      sessions64_errors: a.errors,
      sessions64_round_p99_over_p50: roundRatios.map(([, x]) => x.toFixed(2)).join(' '),
      bare_bidi64_p50_us: round(base.p50 * 1000),
      bare_bidi64_p99_us: round(base.p99 * 1000),
      bare_bidi64_p99_over_p50: round(base.ratio, 2),
      bare_bidi64_errors: b.errors,
      bare_bidi64_round_p99_over_p50: roundRatios.map(([x]) => x.toFixed(2)).join(' '),
    };
    const rows: Row[] = [
      {
        what: `${SESSIONS} Sessions x ${RPCS_PER_SESSION.toLocaleString('en')} NOP, p99 / p50 (p50 ${out.sessions64_p50_us} µs, p99 ${out.sessions64_p99_us} µs)`,
        value: valid ? `${out.sessions64_p99_over_p50}` : `invalid: ${why}`,
        baseline: `${out.bare_bidi64_p99_over_p50} bare bidi x${SESSIONS}`,
        goal: '<= 10',
      },
    ];
    return { rows, out };
  } finally {
    for (const s of streams) s.cancel();
    await Promise.allSettled(sessions.map((s) => s.close().catch(() => s.cancel())));
    client?.close();
    bare?.close();
    await stopAll(procs);
  }
}

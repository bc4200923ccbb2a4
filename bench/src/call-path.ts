/**
 * How much JavaScript one call runs in a server process: the functions
 * (and function calls) V8 counted while the bench made a known number of
 * identical calls, those run at least once per call being the call's path.
 *
 * The remote suite reports it for auxctld's Exec and the floor's, next to
 * their times: where other processes run on the cores between a server's
 * calls (the client, or the fan-out's other servers), each call runs its
 * code cold, so the length of the path is what a call pays for; and unlike
 * a time it does not change with the machine's load.
 *
 * Counting uses the inspector's precise coverage with call counts, in the
 * server process itself (remote-server.ts starts and takes a count when the
 * bench asks on its stdin); it is switched on only between start and take,
 * after the timed figures.
 */
import { Session } from 'node:inspector/promises';
import type { ServerProcess } from './remote-process.js';

/** FunctionCount: one function of V8's precise coverage and how often it ran. */
export interface FunctionCount {
  readonly url: string;
  readonly name: string;
  readonly count: number;
}

/** CallPath: the path of one call, summed from a count over `calls` calls. */
export interface CallPath {
  /** Distinct functions that ran at least once per call. */
  readonly functions: number;
  /** Calls of those functions per call. */
  readonly calls: number;
  /** Of `functions`, those in auxctl's own packages (`/packages/` or `/proto/` in their URL). */
  readonly own: number;
}

/** Own code: a module of the workspace's packages or its generated protocol. */
const OWN = /\/(packages|proto)\//;

/**
 * callPath: the CallPath of `counts`, taken over `calls` identical calls;
 * a function run fewer times than `calls` (start-up, an occasional timer)
 * is not on the path.
 */
export function callPath(counts: readonly FunctionCount[], calls: number): CallPath {
  if (!Number.isInteger(calls) || calls <= 0)
    throw new RangeError(`calls must be > 0, not ${calls}`);
  let functions = 0;
  let total = 0;
  let own = 0;
  for (const f of counts) {
    if (f.count < calls) continue;
    functions++;
    total += f.count;
    if (OWN.test(f.url)) own++;
  }
  return { functions, calls: total / calls, own };
}

/** PATH_CALLS: the calls a count is taken over. */
export const PATH_CALLS = 500;

/** countCallPath: the CallPath of `call` in `server`, counted over PATH_CALLS calls made one at a time. */
export async function countCallPath(
  server: Pick<ServerProcess, 'ask'>,
  call: () => Promise<unknown>,
): Promise<CallPath> {
  await server.ask('count-start');
  for (let i = 0; i < PATH_CALLS; i++) await call();
  const a = (await server.ask(`count-take ${PATH_CALLS}`)) as { path: CallPath };
  return a.path;
}

/** PathCounter: counting in this process, from start() to take(). */
export class PathCounter {
  private session: Session | undefined;

  /** start: count every function call from now on (restarting a count that runs). */
  async start(): Promise<void> {
    await this.stop();
    const s = new Session();
    s.connect();
    this.session = s;
    await s.post('Profiler.enable');
    await s.post('Profiler.startPreciseCoverage', { callCount: true, detailed: false });
    // Counts start at the first take: drop what ran before.
    await s.post('Profiler.takePreciseCoverage');
  }

  /** take: the counts since start(), and counting stops. */
  async take(): Promise<FunctionCount[]> {
    const s = this.session;
    if (!s) throw new Error('no count was started');
    const { result } = await s.post('Profiler.takePreciseCoverage');
    await this.stop();
    const out: FunctionCount[] = [];
    for (const script of result) {
      for (const f of script.functions) {
        const count = f.ranges[0]?.count ?? 0;
        if (count > 0) out.push({ url: script.url, name: f.functionName, count });
      }
    }
    return out;
  }

  private async stop(): Promise<void> {
    const s = this.session;
    if (!s) return;
    this.session = undefined;
    try {
      await s.post('Profiler.stopPreciseCoverage');
      await s.post('Profiler.disable');
    } finally {
      s.disconnect();
    }
  }
}

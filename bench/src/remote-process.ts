/**
 * ServerProcess: one remote-server.js child of the bench — spawn it, wait
 * for its ready line (bounded), read its resident set size, stop it.
 *
 * The child's stdin is a pipe it watches, so it exits with the bench even
 * if the bench dies before `stop()`. `stop()` sends SIGTERM, waits a
 * bounded time, then SIGKILLs; it must never leave a child running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RemoteServerConfig, RemoteServerReady } from './remote-server.js';

/** The built server script (from src under a test runner as from dist). */
const script = fileURLToPath(new URL('../dist/remote-server.js', import.meta.url));

/** ServerProcess: a started child and what it listens on. */
export interface ServerProcess {
  readonly ready: RemoteServerReady;
  readonly pid: number;
  /** rssBytes: the child's VmRSS from /proc (NaN where /proc is unavailable). */
  rssBytes(): number;
  /**
   * ask: send one request line on the child's stdin and resolve its answer,
   * the next JSON line on its stdout (remote-server.ts); rejects after
   * `timeoutMs`, or with the child's `error` answer.
   */
  ask(line: string, timeoutMs?: number): Promise<unknown>;
  stop(): Promise<void>;
}

/** rssOfPid: VmRSS of `pid` in bytes, NaN when it cannot be read. */
export function rssOfPid(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * cpuMsOfPid: user + system CPU time `pid` has used, in ms, from
 * /proc/<pid>/stat (10 ms ticks on most kernels); NaN where it cannot be read.
 */
export function cpuMsOfPid(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at state; utime and stime are 14 and 15.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS_PER_SEC;
  } catch {
    return Number.NaN;
  }
}

/** CLOCK_TICKS_PER_SEC: USER_HZ of /proc's time fields (100 on Linux for every common architecture). */
const CLOCK_TICKS_PER_SEC = 100;

/** exited: whether `child` has exited or exits within `ms`. */
export function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** startServerProcess: spawn the child with `cfg`; rejects if it is not ready within `timeoutMs`. */
export function startServerProcess(
  cfg: RemoteServerConfig,
  timeoutMs = 30_000,
): Promise<ServerProcess> {
  // BENCH_CPU_PROF_DIR=dir: each server child writes a V8 CPU profile there when it stops.
  const prof = process.env.BENCH_CPU_PROF_DIR;
  const nodeArgs = prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : [];
  const child = spawn(process.execPath, [...nodeArgs, script, JSON.stringify(cfg)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    if (!(await exited(child, 5000))) {
      child.kill('SIGKILL');
      await exited(child, 5000);
    }
    child.stdin?.destroy();
    child.stdout?.destroy();
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      void stop().finally(() => reject(new Error(`remote-server (${cfg.mode}): ${why}`)));
    };
    const timer = setTimeout(() => fail(`not ready after ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code, signal) => fail(`exited early (${code ?? signal})`));
    child.once('error', (e) => fail(e.message));
    child.stdout?.setEncoding('utf8');
    const onData = (s: string): void => {
      out += s;
      const nl = out.indexOf('\n');
      if (nl < 0) {
        if (out.length > 65_536) fail('no ready line');
        return;
      }
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.removeAllListeners('exit');
      child.removeAllListeners('error');
      child.on('error', () => {});
      const ready = JSON.parse(out.slice(0, nl)) as RemoteServerReady;
      const pid = child.pid ?? ready.pid;
      resolve({
        ready,
        pid,
        rssBytes: () => rssOfPid(pid),
        ask: answers(child, out.slice(nl + 1)),
        stop,
      });
    };
    child.stdout?.on('data', onData);
  });
}

/** answers: ServerProcess.ask over `child`'s stdin and stdout (`rest`: what followed the ready line). */
function answers(child: ChildProcess, rest: string): ServerProcess['ask'] {
  const waiting: ((line: string) => void)[] = [];
  let buf = rest;
  // A child that is gone answers nothing: the ask times out instead of the bench failing on EPIPE.
  child.stdin?.on('error', () => {});
  child.stdout?.on('data', (s: string) => {
    buf += s;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  return (line, timeoutMs = 30_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = waiting.indexOf(onLine);
        // Left in place (answered as nothing) so later answers still pair with their requests.
        if (i >= 0) waiting[i] = () => {};
        reject(new Error(`remote-server: no answer to ${line} in ${timeoutMs} ms`));
      }, timeoutMs);
      const onLine = (answer: string): void => {
        clearTimeout(timer);
        try {
          const a = JSON.parse(answer) as { error?: string };
          if (typeof a.error === 'string') reject(new Error(`remote-server: ${a.error}`));
          else resolve(a);
        } catch {
          reject(new Error(`remote-server: not a JSON answer: ${answer.slice(0, 200)}`));
        }
      };
      waiting.push(onLine);
      child.stdin?.write(`${line}\n`);
    });
}

/** stopAll: stop every process, whatever fails. */
export async function stopAll(ps: readonly ServerProcess[]): Promise<void> {
  await Promise.allSettled(ps.map((p) => p.stop()));
}

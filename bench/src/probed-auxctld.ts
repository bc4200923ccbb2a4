/**
 * ProbedAuxctld: the real `auxctld` command in a child process of its own,
 * started with `--expose-gc` and a small preloaded probe that, asked over
 * the IPC channel, runs a full garbage collection and answers the
 * process's memory figures (heap used, external, array buffers, RSS).
 *
 * The probe is a `data:` module, so nothing but the daemon's own build
 * runs in the child; it unrefs the IPC channel, so the channel never keeps
 * the daemon alive. `stop()` sends SIGTERM to the child's pid, waits a
 * bounded time, then SIGKILLs it; it must never leave the child running.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { exited, rssOfPid } from './remote-process.js';

/** The daemon measured: this checkout's, or the script AUXCTL_BENCH_AUXCTLD names (another build). */
const AUXCTLD =
  process.env.AUXCTL_BENCH_AUXCTLD ??
  fileURLToPath(new URL('../../packages/server/bin/auxctld.js', import.meta.url));

const PROBE = `
process.on('message', (m) => {
  if (!m || m.type !== 'memory') return;
  for (let i = 0; i < 3; i++) globalThis.gc();
  const u = process.memoryUsage();
  process.send({ type: 'memory', id: m.id, heapUsed: u.heapUsed, external: u.external,
    arrayBuffers: u.arrayBuffers, rss: u.rss });
});
process.channel?.unref();
`;

/** ProcessMemory: what the probe answers, in bytes, right after a full GC. */
export interface ProcessMemory {
  readonly heapUsed: number;
  readonly external: number;
  readonly arrayBuffers: number;
  readonly rss: number;
}

/** ProbedAuxctld: a running daemon. */
export interface ProbedAuxctld {
  readonly pid: number;
  readonly address: string;
  /** startupLog: what it wrote to stdout up to its listening line (JSON log lines). */
  readonly startupLog: string;
  /** rssBytes: VmRSS now (no GC). */
  rssBytes(): number;
  /** memoryAfterGc: the child's memory after a full GC (bounded wait). */
  memoryAfterGc(timeoutMs?: number): Promise<ProcessMemory>;
  stop(): Promise<void>;
}

/** startProbedAuxctld: spawn `auxctld <args>`; resolves when it logged where it listens. */
export function startProbedAuxctld(
  args: readonly string[],
  timeoutMs = 30_000,
): Promise<ProbedAuxctld> {
  const child = spawn(
    process.execPath,
    [
      '--expose-gc',
      '--import',
      `data:text/javascript,${encodeURIComponent(PROBE)}`,
      AUXCTLD,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
  const pid = child.pid ?? -1;
  let asked = 0;
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (s: string) => {
    if (stderr.length < 8192) stderr += s;
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(pid, 'SIGTERM');
    if (!(await exited(child, 5000))) {
      process.kill(pid, 'SIGKILL');
      await exited(child, 5000);
    }
  };
  const memoryAfterGc = (ms = 30_000): Promise<ProcessMemory> => {
    const id = ++asked;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        reject(new Error('auxctld did not answer the memory probe'));
      }, ms);
      const onMessage = (m: { type?: string; id?: number } & ProcessMemory): void => {
        if (m.type !== 'memory' || m.id !== id) return;
        clearTimeout(timer);
        child.off('message', onMessage);
        resolve({
          heapUsed: m.heapUsed,
          external: m.external,
          arrayBuffers: m.arrayBuffers,
          rss: m.rss,
        });
      };
      child.on('message', onMessage);
      child.send({ type: 'memory', id });
    });
  };
  return new Promise((resolve, reject) => {
    let out = '';
    const fail = (why: string): void => {
      clearTimeout(timer);
      void stop().finally(() => reject(new Error(`auxctld: ${why}\n${stderr}`)));
    };
    const timer = setTimeout(() => fail(`not listening after ${timeoutMs} ms`), timeoutMs);
    child.once('exit', (code, signal) => fail(`exited early (${code ?? signal})`));
    child.stdout?.setEncoding('utf8');
    const onData = (s: string): void => {
      out += s;
      for (const line of out.split('\n')) {
        let msg: { msg?: string; address?: string };
        try {
          msg = JSON.parse(line) as typeof msg;
        } catch {
          continue;
        }
        if (msg.msg !== 'listening' || typeof msg.address !== 'string') continue;
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        const address = msg.address;
        resolve({
          pid,
          address,
          startupLog: out,
          rssBytes: () => rssOfPid(pid),
          memoryAfterGc,
          stop,
        });
        return;
      }
      if (out.length > 1 << 20) fail('no listening line');
    };
    child.stdout?.on('data', onData);
  });
}

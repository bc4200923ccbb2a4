/**
 * What this machine charges a process for waking up: the CPU time a Node
 * process spends on one timer wakeup after sleeping between wakeups, at
 * 1,000 and at 10 wakeups a second, with nothing to do and with 256 KiB of
 * memory to read and write, next to what reading and writing that memory
 * costs back to back.
 *
 * Why the remote suite reports it: its sequential Exec and fan-out figures
 * measure servers that sleep between calls (or take turns on the cores),
 * so every call starts with a wakeup; the Session figure keeps one server
 * busy. What a wakeup costs, and whether memory touched after one costs
 * more than warm, describes the machine those figures were measured on in
 * the same run: both differ widely between machines and with their load.
 *
 * Each probe runs in a child process of its own (`node machine-wakeup.js
 * <hz> <KiB> <ms>`, printing one JSON line), so the bench's own heap and
 * timers are not part of it; the child is killed by pid whatever happens.
 * CPU time is the scheduler's own count (/proc/self/schedstat, ns), not
 * the tick-sampled times of /proc/<pid>/stat.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { round } from './harness.js';
import { exited } from './remote-process.js';

/** schedRuntimeNs: the CPU time (ns) in a /proc/<pid>/schedstat text; NaN if it is not one. */
export function schedRuntimeNs(text: string): number {
  const m = /^(\d+) \d+ \d+\s*$/.exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

/** WakeupCost: one probe's figures, µs of CPU per wakeup and per back-to-back touch. */
export interface WakeupCost {
  readonly wakeups: number;
  readonly usPerWakeup: number;
  /** The memory's read-and-write once, back to back (warm), µs; only the loop's own cost without memory. */
  readonly warmTouchUs: number;
}

/** Touches one byte per 64-byte line of `mem` (read and write), so every line is used. */
function touch(mem: Uint8Array): void {
  for (let i = 0; i < mem.length; i += 64) mem[i] = ((mem[i] as number) + 1) & 0xff;
}

/** probeHere: the probe, in this process (the child's body). */
function probeHere(hz: number, kib: number, ms: number): Promise<WakeupCost> {
  const mem = new Uint8Array(kib * 1024);
  const runtime = () => schedRuntimeNs(readFileSync('/proc/self/schedstat', 'utf8'));
  for (let i = 0; i < 2_000; i++) touch(mem);
  const w0 = process.hrtime.bigint();
  for (let i = 0; i < 200; i++) touch(mem);
  const warmTouchUs = Number(process.hrtime.bigint() - w0) / 200 / 1000;
  return new Promise((resolve) => {
    let wakeups = 0;
    const r0 = runtime();
    const tick = setInterval(() => {
      touch(mem);
      wakeups++;
    }, 1000 / hz);
    setTimeout(() => {
      clearInterval(tick);
      resolve({ wakeups, usPerWakeup: (runtime() - r0) / 1000 / wakeups, warmTouchUs });
    }, ms);
  });
}

/** The built module, run as the child (from src under a test runner as from dist). */
const script = fileURLToPath(new URL('../dist/machine-wakeup.js', import.meta.url));

/** probeWakeups: one probe in a child process; rejects if it fails or overruns its time by 10 s. */
export async function probeWakeups(hz: number, kib: number, ms: number): Promise<WakeupCost> {
  const child = spawn(process.execPath, [script, String(hz), String(kib), String(ms)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
    });
    if (!(await exited(child, ms + 10_000))) throw new Error('wakeup probe overran its time');
    if (child.exitCode !== 0) throw new Error(`wakeup probe exited ${child.exitCode}`);
    return JSON.parse(out) as WakeupCost;
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited(child, 5_000);
    }
  }
}

/** measureWakeups: the figures of the module header, for remote.json. */
export async function measureWakeups(): Promise<Record<string, number>> {
  const fast = await probeWakeups(1_000, 0, 3_000);
  const slow = await probeWakeups(10, 0, 6_000);
  const mem = await probeWakeups(1_000, 256, 3_000);
  return {
    machine_empty_wakeup_us_at_1khz: round(fast.usPerWakeup, 1),
    machine_empty_wakeup_us_at_10hz: round(slow.usPerWakeup, 1),
    machine_256k_wakeup_us_at_1khz: round(mem.usPerWakeup, 1),
    machine_256k_touch_warm_us: round(mem.warmTouchUs, 1),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [hz, kib, ms] = process.argv.slice(2).map(Number) as [number, number, number];
  const cost = await probeHere(hz, kib, ms);
  process.stdout.write(`${JSON.stringify(cost)}\n`);
}

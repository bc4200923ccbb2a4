/**
 * fwctl suite: what serving the kernel's fwctl devices costs.
 *
 * - One real ioctl through the FFI layer on this machine (koffi + libc,
 *   `@auxctl/fwctl-linux`'s linuxSyscalls): FIONREAD on a regular file,
 *   which the kernel answers by writing an int through the pointer it is
 *   given (as FWCTL_RPC's struct carries pointers), on the calling thread
 *   (`ffi_ioctl_sync_us`) and off the event loop on koffi's worker
 *   (`ffi_ioctl_async_us`), against a plain JS call that writes the same
 *   int (`js_call_us`), measured in interleaved rounds.
 * - Session NOP at 32 in flight on auxctld serving the fwctl source over
 *   the kernel double (the FFI seam's double, then the simulated firmware)
 *   against auxctld serving the simulated source, each in its own process
 *   (`fwctl_vs_sim_session_ratio`, goal >= 0.8).
 */
import { closeSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Session } from '@auxctl/client';
import { buildInbox } from '@auxctl/core';
import { linuxSyscalls } from '@auxctl/fwctl-linux';
import { NopIn, Op } from '@auxctl/prm';
import {
  compareRates,
  inFlight,
  median,
  printTable,
  type Row,
  round,
  roundList,
  timeInterleaved,
  writeResults,
} from './harness.js';
import { type ServerProcess, startServerProcess, stopAll } from './remote-process.js';
import { prepareState } from './remote-state.js';

const FIONREAD = 0x541b;
const IN_FLIGHT = 32;
const ROUNDS = 9;

/** measureFfi: µs per call of the three sides, median over interleaved rounds. */
async function measureFfi(ms: number): Promise<Record<string, number | string>> {
  const sys = linuxSyscalls();
  const fd = openSync(fileURLToPath(import.meta.url), 'r');
  const arg = Buffer.alloc(8);
  let sink = 0;
  const jsCall = (b: Buffer): void => {
    b.writeInt32LE(b.length, 0);
  };
  try {
    // Calibrate: calls per round so each side takes about ms / ROUNDS.
    const n = 20_000;
    const sides = [
      () => {
        for (let i = 0; i < n; i++) jsCall(arg);
        sink += arg[0] ?? 0;
      },
      () => {
        for (let i = 0; i < n; i++) sys.ioctlSync(fd, FIONREAD, arg);
        sink += arg[0] ?? 0;
      },
      async () => {
        for (let i = 0; i < n / 10; i++) await sys.ioctl(fd, FIONREAD, arg);
        sink += arg[0] ?? 0;
      },
    ];
    const warm = await timeInterleaved(sides, 1);
    const perRoundMs = Math.max(...(warm[0] ?? [1]));
    const rounds = Math.max(3, Math.min(ROUNDS, Math.round(ms / Math.max(1, perRoundMs))));
    const times = await timeInterleaved(sides, rounds);
    const us = (k: number, calls: number) => times.map((r) => ((r[k] as number) * 1000) / calls);
    const js = us(0, n);
    const sync = us(1, n);
    const async_ = us(2, n / 10);
    if (sink < 0) throw new Error('unreachable');
    return {
      js_call_us: round(median(js), 4),
      ffi_ioctl_sync_us: round(median(sync), 3),
      ffi_ioctl_async_us: round(median(async_), 2),
      ffi_ioctl_sync_vs_js_ratio: round(median(sync.map((s, i) => s / (js[i] as number))), 1),
      ffi_ioctl_async_vs_sync_ratio: round(
        median(async_.map((a, i) => a / (sync[i] as number))),
        1,
      ),
      ffi_ioctl_sync_round_us: sync.map((x) => x.toFixed(3)).join(' '),
      ffi_ioctl_async_round_us: async_.map((x) => x.toFixed(2)).join(' '),
      ffi_rounds: rounds,
    };
  } finally {
    closeSync(fd);
  }
}

/** measureSessions: Session NOP on the fwctl source (kernel double) against the simulated source. */
async function measureSessions(ms: number): Promise<Record<string, number | string>> {
  const state = await prepareState();
  const procs: ServerProcess[] = [];
  const sessions: Session[] = [];
  const clients: { close(): void }[] = [];
  try {
    const start = async (fwctlDouble: boolean) => {
      const p = await startServerProcess({
        mode: 'auxctld',
        stateDir: state.paths.dir,
        maxInFlight: IN_FLIGHT,
        fwctlDouble,
      });
      procs.push(p);
      const client = await state.connect(p.ready.address);
      clients.push(client);
      const device = (await client.listDevices())[0]?.name;
      if (!device) throw new Error('auxctld lists no device');
      const s = await client.openSession(device, 'DEBUG_READ_ONLY');
      sessions.push(s);
      return s;
    };
    const [sim, fwctl] = [await start(false), await start(true)];
    const nop = buildInbox(NopIn, Op.NOP);
    for (const s of [sim, fwctl]) {
      const out = await s.rpc(nop, 16);
      if (out.readUInt8(0) !== 0) throw new Error('NOP failed');
    }
    const per = 8;
    const c = await compareRates(
      () => inFlight(IN_FLIGHT, () => sim.rpc(nop, 16), per),
      () => inFlight(IN_FLIGHT, () => fwctl.rpc(nop, 16), per),
      { perBatch: IN_FLIGHT * per, ms, rounds: ROUNDS },
    );
    return {
      sim_session_rpc_32_per_s: Math.round(c.baselinePerSec),
      fwctl_session_rpc_32_per_s: Math.round(c.subjectPerSec),
      fwctl_vs_sim_session_ratio: round(c.ratio, 3),
      fwctl_vs_sim_session_pooled_ratio: round(c.pooledRatio, 3),
      fwctl_session_round_ratios: roundList(c.roundRatios),
      fwctl_session_rounds: ROUNDS,
    };
  } finally {
    for (const s of sessions) await s.close().catch(() => s.cancel());
    for (const c of clients) c.close();
    await stopAll(procs);
    await state.dispose();
  }
}

/** runFwctl: measure and write bench/results/fwctl.json. */
export async function runFwctl(ms: number): Promise<Record<string, number | string>> {
  const out = { ...(await measureFfi(ms)), ...(await measureSessions(ms)) };
  const rows: Row[] = [
    {
      what: 'ioctl FIONREAD through koffi, on the calling thread',
      value: `${out.ffi_ioctl_sync_us} µs`,
      baseline: `${out.js_call_us} µs plain JS call`,
      ratio: out.ffi_ioctl_sync_vs_js_ratio as number,
    },
    {
      what: 'ioctl FIONREAD through koffi, off the event loop (awaited)',
      value: `${out.ffi_ioctl_async_us} µs`,
      baseline: `${out.ffi_ioctl_sync_us} µs on the thread`,
      ratio: out.ffi_ioctl_async_vs_sync_ratio as number,
    },
    {
      what: `Session NOP, ${IN_FLIGHT} in flight, fwctl source over the kernel double`,
      value: `${(out.fwctl_session_rpc_32_per_s as number).toLocaleString('en')}/s`,
      baseline: `${(out.sim_session_rpc_32_per_s as number).toLocaleString('en')}/s sim source`,
      ratio: out.fwctl_vs_sim_session_ratio as number,
      goal: '>= 0.8',
    },
  ];
  printTable('fwctl: the FFI layer and the fwctl source against their baselines', rows);
  writeResults('fwctl', out);
  return out;
}

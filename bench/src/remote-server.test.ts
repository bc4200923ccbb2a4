import { buildInbox } from '@auxctl/core';
import { NopIn, Op } from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallPath } from './call-path.js';
import { type ServerProcess, startServerProcess, stopAll } from './remote-process.js';
import { type BenchState, prepareState } from './remote-state.js';

const started: ServerProcess[] = [];
const states: BenchState[] = [];
const closers: { close(): void }[] = [];
afterEach(async () => {
  for (const c of closers.splice(0)) c.close();
  await stopAll(started.splice(0));
  for (const s of states.splice(0)) await s.dispose();
});

/** alive: whether a process `pid` exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('remote-server process', () => {
  it('counts the functions a call runs in it when asked, and answers a bad request with an error', async () => {
    const state = await prepareState();
    states.push(state);
    const proc = await startServerProcess({ mode: 'bare', stateDir: state.paths.dir });
    started.push(proc);
    const client = await state.connect(proc.ready.address);
    closers.push(client);
    const nop = buildInbox(NopIn, Op.NOP);
    const exec = () => client.exec('d', 'DEBUG_READ_ONLY', nop, 16);
    await exec();
    expect(await proc.ask('count-start')).toEqual({ counting: true });
    for (let i = 0; i < 40; i++) await exec();
    const { path } = (await proc.ask('count-take 40')) as { path: CallPath };
    // The floor's Exec: grpc-js, http2 and the generated codec, each at least once per call.
    expect(path.functions).toBeGreaterThan(20);
    expect(path.calls).toBeGreaterThanOrEqual(path.functions);
    expect(path.own).toBeGreaterThanOrEqual(1);
    await expect(proc.ask('count-take 40')).rejects.toThrow(/no count was started/);
    await expect(proc.ask('what')).rejects.toThrow(/unknown request/);
    await proc.stop();
    expect(alive(proc.pid)).toBe(false);
  });
});

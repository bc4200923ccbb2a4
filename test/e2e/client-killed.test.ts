import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuxctlServer } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN } from './cli-fixtures.js';

// A client process killed with SIGKILL (no goodbye on the wire, the kernel
// just closes its sockets) in the middle of a session that owns firmware
// objects, and in the middle of a coredump download: the server must give
// every uid, object, umem and dump pin back by itself.

const MiB = 1024 * 1024;

/** A session that allocates a PD (an object of its uid), says READY and waits to be killed. */
const SESSION_CLIENT = `
import { AuxctlClient } from '@auxctl/client';
import { buildInbox } from '@auxctl/core';
import { AllocPdIn, AllocPdOut, Op } from '@auxctl/prm';
const client = await AuxctlClient.connect({ config: process.env.CONFIG, host: process.env.HOST });
const s = await client.openSession(process.env.DEVICE, 'DEBUG_READ_ONLY');
const out = await s.rpc(buildInbox(AllocPdIn, Op.ALLOC_PD), AllocPdOut.bytes);
if (out.readUInt8(0) !== 0) throw new Error('ALLOC_PD failed');
process.stdout.write('READY\\n');
setInterval(() => {}, 1000);
`;

async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('a client process killed mid-session and mid-dump', () => {
  let dir: string;
  let server: AuxctlServer;
  let address: string;
  let device: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auxctl-killed-'));
    server = new AuxctlServer({
      stateDir: join(dir, 'state'),
      listen: '127.0.0.1:0',
      health: { poll: false },
      drainTimeoutMs: 1000,
      devices: 1,
      crdumpSize: 32 * MiB,
    });
    address = await server.start();
    device = server.fleet.cores()[0]?.name ?? '';
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const env = () => ({
    ...process.env,
    AUXCTL_STATE_DIR: join(dir, 'state'),
    CONFIG: join(dir, 'state', 'client.json'),
    HOST: address,
    DEVICE: device,
  });

  it('SIGKILL of a session holding a PD: uid and PD are released, counts back to baseline', async () => {
    const fw = server.fleet.sim(device).engine;
    const baseline = fw.objectCounts();
    const child = spawn(process.execPath, ['--input-type=module', '-e', SESSION_CLIENT], {
      env: env(),
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let err = '';
    child.stderr?.on('data', (b: Buffer) => {
      err += b.toString();
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (b: Buffer) => b.toString().includes('READY') && resolve());
      child.once('exit', (code) => reject(new Error(`client exited (${code}): ${err}`)));
    });
    expect(fw.objectCounts()).toMatchObject({ UCTX: (baseline.UCTX ?? 0) + 1, PD: 1 });
    child.kill('SIGKILL');
    await exited(child);
    await until(
      () => JSON.stringify(fw.objectCounts()) === JSON.stringify(baseline),
      'the session context to be closed',
    );
    expect(fw.objectCounts()).toEqual(baseline);
  });

  it('SIGKILL of `auxctl coredump` mid-download: objects, dump slots and store pins released', async () => {
    const fw = server.fleet.sim(device).engine;
    const baseline = fw.objectCounts();
    const file = join(dir, 'core.bin');
    const child = spawn(
      process.execPath,
      [CLI_BIN, '--host', address, 'coredump', device, '-o', file],
      {
        env: env(),
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    children.push(child);
    // Killed once bytes have reached the partial file: the stream is under way.
    await until(
      () =>
        stat(`${file}.part`).then(
          (s) => s.size > 0,
          () => false,
        ),
      'the download to start',
      30_000,
    );
    expect(child.exitCode).toBeNull();
    child.kill('SIGKILL');
    await exited(child);
    expect((await stat(`${file}.part`)).size).toBeLessThan(32 * MiB);
    await until(() => server.dumps.inUse === 0, 'the dump slot to be released');
    await until(() => server.dumps.store.stats().readers === 0, 'the store pin to be released');
    expect(server.dumps.store.stats()).toMatchObject({ readers: 0, pinned: 0 });
    expect(server.dumps.streams.stats().active).toBe(0);
    expect(fw.objectCounts()).toEqual(baseline);
  });
});

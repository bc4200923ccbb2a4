import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AuxctlClient, migrateVf } from '@auxctl/client';
import { GuestProgram, MigrationState } from '@auxctl/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './cli-fixtures.js';

// Live migration of a VF with a running guest between two auxctld
// processes over mutual TLS. Each daemon plays the VMM of the guests on its
// VFs; their PFs are cabled (--sim-wire-listen / --sim-wire-connect). A FLOW
// guest on A's VF 0 sends numbered frames to an ECHO guest on B's VF 1: over
// the cable while it runs on A, through B's embedded switch once it moved
// to B's VF 0. The flow must carry on after every move with no completion
// lost or repeated; both daemons audit their side. Every process started
// here is killed by pid.

const BIN = fileURLToPath(new URL('../../packages/server/bin/auxctld.js', import.meta.url));
const PF = '0000:08:00.0';
const VF0 = '0000:08:00.2';
const VF1 = '0000:08:00.3';
const MAC = { a0: '02:00:00:00:0a:00', b0: '02:00:00:00:0b:00', b1: '02:00:00:00:0b:01' };
const MiB = 1024 * 1024;

/** A migrator that pipes Save into Load, says READY after the first MiB of state and then waits to be killed. */
const DYING_MIGRATOR = `
import { AuxctlClient } from '@auxctl/client';
const connect = (host) => AuxctlClient.connect({ config: process.env.CONFIG, host });
const [from, to] = [await connect(process.env.FROM), await connect(process.env.TO)];
let sent = 0;
async function* forward() {
  yield { kind: { $case: 'header', header: { vf: process.env.VF } } };
  for await (const m of from.migration.save({ vf: process.env.VF, precopyRounds: 4, chunkBytes: 65536 })) {
    if (m.kind?.$case !== 'data') continue;
    yield { kind: { $case: 'data', data: m.kind.data } };
    sent += m.kind.data.length;
    if (sent >= 1024 * 1024) {
      process.stdout.write('READY\\n');
      await new Promise(() => {});
    }
  }
}
await to.migration.load(forward());
`;

interface Daemon {
  readonly child: ChildProcess;
  readonly address: string;
  out(): string;
}

const children: ChildProcess[] = [];

/** daemon: auxctld with `args`; resolves once it logged where it listens (20 s bound). */
function daemon(args: string[]): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`auxctld did not start:\n${out}`)), 20_000);
    child.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const address = /"address":"([^"]+)"[^\n]*"msg":"listening"/.exec(out)?.[1];
      if (address) {
        clearTimeout(timer);
        resolve({ child, address, out: () => out });
      }
    });
    child.stderr?.on('data', (b: Buffer) => {
      out += b.toString();
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`auxctld exited ${code}:\n${out}`));
    });
  });
}

/** migratable: `macs.length` VFs, each migratable with its MAC and bound to mlx5_vfio_pci. */
async function migratable(c: AuxctlClient, macs: readonly string[]): Promise<void> {
  await c.pci.setNumVfs(PF, macs.length);
  for (const [i, hwAddr] of macs.entries()) {
    const bdf = i === 0 ? VF0 : VF1;
    await c.pci.unbind(bdf);
    await c.pci.setVf(PF, i, { hwAddr, migratable: true });
    await c.pci.bind(bdf, 'mlx5_vfio_pci');
  }
}

/** auditLines: the daemon's audit lines of `event`. */
function auditLines(d: Daemon, event: string): Array<Record<string, unknown>> {
  return d
    .out()
    .split('\n')
    .flatMap((l) => {
      try {
        const j = JSON.parse(l) as Record<string, unknown>;
        return j.event === event ? [j] : [];
      } catch {
        return [];
      }
    });
}

describe('live migration of a VF with a running guest between two auxctld processes', () => {
  let dir: string;
  let a: Daemon;
  let b: Daemon;
  let ca: AuxctlClient;
  let cb: AuxctlClient;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'auxctl-live-mig-'));
    const state = join(dir, 'state');
    const common = ['--state-dir', state, '--listen', '127.0.0.1:0', '--devices', '1'];
    a = await daemon([...common, '--sim-wire-listen', '127.0.0.1:0']);
    const wire = /"wire":"([^"]+)","msg":"simulated cable listening"/.exec(a.out())?.[1];
    b = await daemon([...common, '--sim-wire-connect', wire as string]);
    const connect = (host: string) =>
      AuxctlClient.connect({ config: join(state, 'client.json'), host });
    [ca, cb] = [await connect(a.address), await connect(b.address)];
    await migratable(ca, [MAC.a0]);
    await migratable(cb, [MAC.b0, MAC.b1]);
    await cb.simulator.startGuest({
      vf: VF1,
      program: GuestProgram.GUEST_PROGRAM_ECHO,
      memoryBytes: MiB,
      peerMac: '',
    });
    await ca.simulator.startGuest({
      vf: VF0,
      program: GuestProgram.GUEST_PROGRAM_FLOW,
      memoryBytes: 4 * MiB,
      peerMac: MAC.b1,
    });
  }, 60_000);

  afterAll(async () => {
    ca?.close();
    cb?.close();
    // Every process started here, killed by its pid, and waited for.
    for (const c of children) {
      if (c.exitCode !== null || c.signalCode !== null) continue;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** midStream: a DYING_MIGRATOR moving VF 0 from `from` to `to`, once it stands mid-stream. */
  async function midStream(from: Daemon, to: Daemon): Promise<ChildProcess> {
    const mig = spawn(process.execPath, ['--input-type=module', '-e', DYING_MIGRATOR], {
      env: {
        ...process.env,
        CONFIG: join(dir, 'state', 'client.json'),
        FROM: from.address,
        TO: to.address,
        VF: VF0,
      },
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(mig);
    let out = '';
    const take = (d: Buffer) => {
      out += d.toString();
    };
    mig.stdout?.on('data', take);
    mig.stderr?.on('data', take);
    await until(async () => /READY/.test(out) || mig.exitCode !== null, 'the migrator mid-stream');
    expect(out).toMatch(/READY/);
    return mig;
  }

  /** flowCarriesOn: the flow on `c` counts echoes past what it had, with no completion error. */
  async function flowCarriesOn(c: AuxctlClient, more = 20): Promise<number> {
    const before = (await c.simulator.getGuest(VF0)).echoed;
    await until(
      async () => (await c.simulator.getGuest(VF0)).echoed >= before + more,
      `${more} more echoes`,
    );
    const g = await c.simulator.getGuest(VF0);
    expect(g.running).toBe(true);
    expect(g.completionErrors).toBe(0);
    expect(g.mac).toBe(MAC.a0.replaceAll(':', ''));
    return g.echoed;
  }

  it('moves the guest there and back; its flow carries on each time, both daemons audit it', async () => {
    const echoedOnA = await flowCarriesOn(ca);
    const there = await migrateVf(ca, cb, { vf: VF0, toVf: VF0, precopyRounds: 2 });
    expect(there.precopyRounds).toBe(2);
    expect(there.bytes).toBeGreaterThan(4 * MiB);
    // The counters moved with the guest's memory: they go on from where they were.
    expect((await cb.simulator.getGuest(VF0)).echoed).toBeGreaterThanOrEqual(echoedOnA);
    await expect(ca.simulator.getGuest(VF0)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const echoedOnB = await flowCarriesOn(cb);

    const back = await migrateVf(cb, ca, { vf: VF0, toVf: VF0 });
    expect(back.stopCopyBytes).toBeGreaterThan(4 * MiB);
    expect((await ca.simulator.getGuest(VF0)).echoed).toBeGreaterThanOrEqual(echoedOnB);
    await flowCarriesOn(ca);

    // Audit lines are batched and reach the pipe after the reply: wait for them.
    const steps = (d: Daemon) =>
      auditLines(d, 'migration').map((l) => `${l.action}:${l.result}:${l.vf}`);
    const audited = (d: Daemon) => {
      const done = steps(d);
      return [`save:ok:${VF0}`, `commit:ok:${VF0}`, `load:ok:${VF0}`].every((s) =>
        done.includes(s),
      );
    };
    await until(() => audited(a) && audited(b), 'both daemons to audit save, commit and load');
    expect(auditLines(a, 'sim-guest').map((l) => `${l.action}:${l.result}`)).toContain('start:ok');
  }, 90_000);

  it('a migrating process killed mid-stream: the source runs on, the destination is left clean', async () => {
    // The migrator pipes the source's Save into the destination's Load, stops
    // after the first MiB of state has gone (READY), and is killed there:
    // neither side hears a goodbye, both streams just die.
    const echoed = (await ca.simulator.getGuest(VF0)).echoed;
    const mig = await midStream(a, b);
    process.kill(mig.pid as number, 'SIGKILL');
    await new Promise((r) => mig.once('exit', r));

    // The source's Save was cancelled: its guest runs on A again, where it was.
    await until(
      async () => (await ca.simulator.getGuest(VF0)).running,
      'the source guest running again',
    );
    expect((await ca.simulator.getGuest(VF0)).echoed).toBeGreaterThanOrEqual(echoed);
    await flowCarriesOn(ca);
    // The destination's Load was cancelled: refused and audited, the VF reset, no guest on it.
    const loadFailed = () =>
      auditLines(b, 'migration').some((l) => l.action === 'load' && l.result !== 'ok');
    await until(async () => loadFailed(), "B's audit of the refused load");
    await expect(cb.simulator.getGuest(VF0)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await cb.migration.state(VF0)).state).toBe(MigrationState.MIGRATION_STATE_RUNNING);
    // Both sides can migrate again.
    await migrateVf(ca, cb, { vf: VF0, toVf: VF0, precopyRounds: 1 });
    await flowCarriesOn(cb);
  }, 90_000);

  it('a source host that dies mid-migration: the destination is left clean, the source comes back', async () => {
    // The guest is on B now. B (and the migrator with it) die mid-stream towards A.
    const mig = await midStream(b, a);
    for (const child of [b.child, mig]) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    // A's Load died with its client: refused and audited, A's VF reset and running, no guest.
    const loads = () => auditLines(a, 'migration').filter((l) => l.action === 'load');
    await until(
      async () => loads().filter((l) => l.result !== 'ok').length > 0,
      "A's refused load",
    );
    await expect(ca.simulator.getGuest(VF0)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await ca.migration.state(VF0)).state).toBe(MigrationState.MIGRATION_STATE_RUNNING);

    // B comes back (its guests died with it): it serves again, re-cabled, and takes a guest from A.
    const state = join(dir, 'state');
    const wire = /"wire":"([^"]+)","msg":"simulated cable listening"/.exec(a.out())?.[1];
    b = await daemon([
      '--state-dir',
      state,
      '--listen',
      '127.0.0.1:0',
      '--devices',
      '1',
      '--sim-wire-connect',
      wire as string,
    ]);
    cb.close();
    cb = await AuxctlClient.connect({ config: join(state, 'client.json'), host: b.address });
    await migratable(cb, [MAC.b0, MAC.b1]);
    await cb.simulator.startGuest({
      vf: VF1,
      program: GuestProgram.GUEST_PROGRAM_ECHO,
      memoryBytes: MiB,
      peerMac: '',
    });
    await ca.simulator.startGuest({
      vf: VF0,
      program: GuestProgram.GUEST_PROGRAM_FLOW,
      memoryBytes: MiB,
      peerMac: MAC.b1,
    });
    await flowCarriesOn(ca);
    await migrateVf(ca, cb, { vf: VF0, toVf: VF0, precopyRounds: 1 });
    await flowCarriesOn(cb);
  }, 90_000);
});

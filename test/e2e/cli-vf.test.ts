import { ExitCode } from '@auxctl/client';
import { ListFunctionsResponse, type PciFunction } from '@auxctl/proto';
import type { PolicyDocument } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, runCli, startAuxctld } from './cli-fixtures.js';

// SR-IOV end to end: `auxctl vf` against auxctld's PciService over mutual
// TLS — sriov_numvfs with the kernel's rules and errnos, VFs that the core
// driver binds served as devices of their own, a VF's port function set
// while it is unbound, driver_override binding, and the policy allowing one
// PF and denying the other.

const ADMIN = 'spiffe://auxctl/admin';
const PF0 = '0000:08:00.0';
const PF1 = '0000:09:00.0';
// The simulated PF's VFs sit at offset 2, stride 1.
const VF0 = '0000:08:00.2';
const VF1 = '0000:08:00.3';

// --json is the proto3 JSON mapping (defaults omitted): read it back through the message.
const fns = (out: string): PciFunction[] =>
  ListFunctionsResponse.fromJSON(JSON.parse(out)).functions;
const fn = (out: string): PciFunction => fns(`{"functions":[${out}]}`)[0] as PciFunction;

async function deviceNames(s: RunningServer): Promise<{ name: string; parent: string }[]> {
  const r = await runCli(s, ['devices', '--json']);
  expect(r.code).toBe(ExitCode.OK);
  return (JSON.parse(r.out) as { devices: { name: string; parent: string }[] }).devices.map(
    (d) => ({ name: d.name, parent: d.parent }),
  );
}

describe('auxctl vf against auxctld', () => {
  let s: RunningServer;
  beforeAll(async () => {
    const policy: PolicyDocument = {
      version: 1,
      deny: [{ principals: [ADMIN], methods: ['auxctl.v1.PciService/*'], devices: [PF1] }],
      allow: [{ principals: [ADMIN], methods: ['*'], devices: ['*'] }],
    };
    s = await startAuxctld(policy);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('lists only the PFs the caller may configure, with their SR-IOV capability', async () => {
    const r = await runCli(s, ['vf', 'list', '--json']);
    expect(r.code).toBe(ExitCode.OK);
    const list = fns(r.out);
    expect(list.map((f) => f.bdf)).toEqual([PF0]);
    expect(list[0]).toMatchObject({
      driver: 'mlx5_core',
      device: PF0,
      sriov: { totalVfs: 4, numVfs: 0, driversAutoprobe: true },
    });
    const denied = await runCli(s, ['vf', 'list', PF1]);
    expect(denied.code).toBe(ExitCode.PERMISSION);
    const text = await runCli(s, ['vf', 'list']);
    expect(text.out).toMatch(/0000:08:00\.0\s+0\/4\s+15b3:101d\s+mlx5_core/);
  });

  it('enables VFs that mlx5_core binds and auxctld serves; refuses what sysfs refuses', async () => {
    const on = await runCli(s, ['vf', 'numvfs', PF0, '2', '--json']);
    expect(on.code, on.err).toBe(ExitCode.OK);
    const list = fns(on.out);
    expect(list.map((f) => [f.bdf, f.vfIndex, f.driver, f.device, f.physfn])).toEqual([
      [PF0, undefined, 'mlx5_core', PF0, ''],
      [VF0, 0, 'mlx5_core', VF0, PF0],
      [VF1, 1, 'mlx5_core', VF1, PF0],
    ]);
    expect(await deviceNames(s)).toEqual(
      expect.arrayContaining([
        { name: VF0, parent: PF0 },
        { name: VF1, parent: PF0 },
      ]),
    );
    // The tree hangs each VF's device, with its own aux devices, under its PF.
    const tree = await runCli(s, ['devices', '--tree']);
    expect(tree.code).toBe(ExitCode.OK);
    expect(tree.out).toMatch(
      /^0000:08:00\.0 up[^\n]*\n(?:[├│└ ─][^\n]*\n)*?├─ 0000:08:00\.2 up[^\n]*\n│ {2}├─ mlx5_core\.eth\.\d+ = mlx5e\n/m,
    );
    // A VF's device answers firmware commands of its own.
    const info = await runCli(s, ['info', VF0, '--json']);
    expect(info.code, info.err).toBe(ExitCode.OK);

    const busy = await runCli(s, ['vf', 'numvfs', PF0, '3']);
    expect(busy.code).toBe(ExitCode.REMOTE);
    expect(busy.err).toMatch(/EBUSY/);
    const range = await runCli(s, ['vf', 'numvfs', PF0, '5']);
    expect(range.code).toBe(ExitCode.REMOTE);
    expect(range.err).toMatch(/ERANGE/);
    const denied = await runCli(s, ['vf', 'numvfs', PF1, '1']);
    expect(denied.code).toBe(ExitCode.PERMISSION);
  });

  it("sets a VF's port only while it is unbound, and binds by driver_override", async () => {
    const busy = await runCli(s, ['vf', 'set', PF0, '0', '--migratable', 'on']);
    expect(busy.code).toBe(ExitCode.REMOTE);
    expect(busy.err).toMatch(/EBUSY/);

    const un = await runCli(s, ['vf', 'unbind', VF0, '--json']);
    expect(un.code, un.err).toBe(ExitCode.OK);
    expect(fn(un.out)).toMatchObject({ bdf: VF0, driver: '', device: '' });
    expect((await deviceNames(s)).map((d) => d.name)).not.toContain(VF0);

    const set = await runCli(s, [
      'vf',
      'set',
      PF0,
      '0',
      '--migratable',
      'on',
      '--hw-addr',
      '02:00:00:00:0a:01',
      '--json',
    ]);
    expect(set.code, set.err).toBe(ExitCode.OK);
    expect(fn(set.out).port).toMatchObject({ hwAddr: '02:00:00:00:0a:01', migratable: true });

    const nosuch = await runCli(s, ['vf', 'bind', VF0, 'no_such_driver']);
    expect(nosuch.code).toBe(ExitCode.NOT_FOUND);
    const pf = await runCli(s, ['vf', 'bind', PF0, 'mlx5_core']);
    expect(pf.code).toBe(ExitCode.REMOTE);
    expect(pf.err).toMatch(/EINVAL.*PF/);

    const bound = await runCli(s, ['vf', 'bind', VF0, 'mlx5_core', '--json']);
    expect(bound.code, bound.err).toBe(ExitCode.OK);
    expect(fn(bound.out)).toMatchObject({
      driver: 'mlx5_core',
      driverOverride: 'mlx5_core',
      device: VF0,
      port: { migratable: true },
    });
  });

  it('sriov_numvfs 0 removes the VFs and their devices', async () => {
    const off = await runCli(s, ['vf', 'numvfs', PF0, '0', '--json']);
    expect(off.code, off.err).toBe(ExitCode.OK);
    expect(fns(off.out).map((f) => f.bdf)).toEqual([PF0]);
    const names = (await deviceNames(s)).map((d) => d.name);
    expect(names).not.toContain(VF0);
    expect(names).not.toContain(VF1);
    const gone = await runCli(s, ['vf', 'unbind', VF0]);
    expect(gone.code).toBe(ExitCode.NOT_FOUND);
  });
});

import { ExitCode } from '@auxctl/client';
import type { PolicyDocument } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nopRpc, type RunningServer, runCli, startAuxctld } from './cli-fixtures.js';

// Sub-functions end to end: `auxctl sf` against auxctld's PortFunctionService
// (policy allow and deny), the SF's own device in `devices --tree`, and a
// firmware RPC on the SF's ctl device, all over mutual TLS.

const ADMIN = 'spiffe://auxctl/admin';
const PF0 = '0000:08:00.0';
const PF1 = '0000:09:00.0';

interface WirePort {
  index: number;
  sfnum: number;
  state: string;
  hwAddr?: string;
  roce?: boolean;
  auxDevice?: string;
  device?: string;
}

describe('auxctl sf against auxctld', () => {
  let s: RunningServer;
  beforeAll(async () => {
    // Port functions are allowed on the first PF only.
    const policy: PolicyDocument = {
      version: 1,
      deny: [{ principals: [ADMIN], methods: ['auxctl.v1.PortFunctionService/*'], devices: [PF1] }],
      allow: [{ principals: [ADMIN], methods: ['*'], devices: ['*'] }],
    };
    s = await startAuxctld(policy);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('adds, configures and activates an SF whose own device serves ctl; then deletes it', async () => {
    const pf = s.servers[0]?.fleet.core(PF0);
    if (!pf) throw new Error('no PF');
    const added = await runCli(s, ['sf', 'add', PF0, '--sfnum', '88', '--json']);
    expect(added.code).toBe(ExitCode.OK);
    const port = JSON.parse(added.out) as WirePort;
    expect(port).toMatchObject({ sfnum: 88, state: 'PORT_FUNCTION_STATE_INACTIVE' });
    const index = String(port.index);

    const dup = await runCli(s, ['sf', 'add', PF0, '--sfnum', '88']);
    expect(dup.code).toBe(ExitCode.REMOTE);
    expect(dup.err).toMatch(/ALREADY_EXISTS/);

    const set = await runCli(s, [
      'sf',
      'set',
      PF0,
      index,
      '--hw-addr',
      '02:00:00:00:00:58',
      '--roce',
      'on',
      '--json',
    ]);
    expect(set.code).toBe(ExitCode.OK);
    expect(JSON.parse(set.out)).toMatchObject({ hwAddr: '02:00:00:00:00:58', roce: true });

    const act = await runCli(s, ['sf', 'activate', PF0, index, '--json']);
    expect(act.code).toBe(ExitCode.OK);
    const attached = JSON.parse(act.out) as WirePort;
    expect(attached.state).toBe('PORT_FUNCTION_STATE_ATTACHED');
    const sfDev = attached.device as string;
    expect(sfDev).toMatch(/^mlx5_core\.sf\.\d+$/);

    // A busy port cannot be reconfigured.
    const busy = await runCli(s, ['sf', 'set', PF0, index, '--roce', 'off']);
    expect(busy.code).not.toBe(ExitCode.OK);
    expect(busy.err).toMatch(/RESOURCE_EXHAUSTED/);

    // The SF is a device of its own: in the tree under its PF, its aux devices bound.
    const tree = await runCli(s, ['devices', '--tree']);
    expect(tree.code).toBe(ExitCode.OK);
    const lines = tree.out.split('\n');
    const at = lines.findIndex((l) => l.includes(`sfnum 88) attached`));
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toContain(`${sfDev} up`);
    const below = lines.slice(at + 2, at + 5).join('\n');
    expect(below).toMatch(/mlx5_core\.eth\.\d+ = mlx5e/);
    expect(below).toMatch(/mlx5_core\.rdma\.\d+ = mlx5_ib\.rdma/);
    expect(below).toMatch(/mlx5_core\.ctl\.\d+ = mlx5_fwctl/);
    const json = JSON.parse((await runCli(s, ['devices', '--json'])).out) as {
      devices: { name: string; parent?: string; portFunctions?: WirePort[] }[];
    };
    expect(json.devices.find((d) => d.name === sfDev)?.parent).toBe(PF0);
    expect(json.devices.find((d) => d.name === PF0)?.portFunctions?.[0]?.device).toBe(sfDev);

    // ctl on the SF's device, with no SF-specific code anywhere on the path.
    const rpc = await runCli(s, nopRpc(sfDev, 'debug_read_only', '--json'));
    expect(rpc.code).toBe(ExitCode.OK);
    expect(JSON.parse(rpc.out)).toMatchObject({ status: 0 });

    const list = JSON.parse((await runCli(s, ['sf', 'list', PF0, '--json'])).out) as {
      portFunctions: WirePort[];
    };
    expect(list.portFunctions.map((p) => p.sfnum)).toEqual([88]);

    const del = await runCli(s, ['sf', 'delete', PF0, index]);
    expect(del.code).toBe(ExitCode.OK);
    expect(pf.portFunctions.size).toBe(0);
    const after = JSON.parse((await runCli(s, ['devices', '--json'])).out) as {
      devices: { name: string }[];
    };
    expect(after.devices.map((d) => d.name)).toEqual([PF0, PF1]);
    const gone = await runCli(s, nopRpc(sfDev, 'debug_read_only'));
    expect(gone.code).toBe(ExitCode.NOT_FOUND);
  });

  it('a PF the policy denies port functions on refuses every sf command (3), and nothing changes', async () => {
    for (const argv of [
      ['sf', 'add', PF1, '--sfnum', '1'],
      ['sf', 'list', PF1],
      ['sf', 'activate', PF1, '0'],
    ]) {
      const r = await runCli(s, argv);
      expect(r.code).toBe(ExitCode.PERMISSION);
      expect(r.err).toMatch(/PERMISSION_DENIED/);
    }
    expect(s.servers[0]?.fleet.core(PF1).portFunctions.size).toBe(0);
  });

  it('sf arguments are checked before anything is sent (1)', async () => {
    expect((await runCli(s, ['sf', 'set', PF0, '0', '--hw-addr', '01:00:00:00:00:01'])).code).toBe(
      ExitCode.USAGE,
    );
    expect((await runCli(s, ['sf', 'add', PF0])).code).toBe(ExitCode.USAGE);
  });
});

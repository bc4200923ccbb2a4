import { ExitCode } from '@auxctl/client';
import type { PolicyDocument } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryIo, type RunningServer, runCli, startAuxctld } from './cli-fixtures.js';

// vDPA end to end: `auxctl vdpa` against auxctld's VdpaService over mutual
// TLS — mlx5_vdpa's management device per sub-function, devices whose data
// queues are the SF's firmware virtqueues, add / show / config / vstats /
// delete with the policy allowing one SF and denying the other, the
// refusals' exit codes (one device per SF: ENOSPC), and the vdpa events in
// WatchDevices.

const ADMIN = 'spiffe://auxctl/admin';
const PF0 = '0000:08:00.0';
const PF1 = '0000:09:00.0';
// Sub-function devices are numbered by the PF's auxiliary bus in activation order.
const SF_ALLOWED = 'mlx5_core.sf.0';
const SF_DENIED = 'mlx5_core.sf.1';

interface WireDevice {
  name: string;
  mgmtdev: string;
  device: string;
  status: number;
  driver: string;
  config?: { mac: string; linkUp: boolean; negotiatedFeatures: number[] };
}

async function activateSf(s: RunningServer, pf: string, sfnum: number): Promise<string> {
  const added = await runCli(s, ['sf', 'add', pf, '--sfnum', String(sfnum), '--json']);
  expect(added.code).toBe(ExitCode.OK);
  const index = String((JSON.parse(added.out) as { index: number }).index);
  const act = await runCli(s, ['sf', 'activate', pf, index, '--json']);
  expect(act.code).toBe(ExitCode.OK);
  return (JSON.parse(act.out) as { device: string }).device;
}

describe('auxctl vdpa against auxctld', () => {
  let s: RunningServer;
  beforeAll(async () => {
    const policy: PolicyDocument = {
      version: 1,
      deny: [{ principals: [ADMIN], methods: ['auxctl.v1.VdpaService/*'], devices: [SF_DENIED] }],
      allow: [{ principals: [ADMIN], methods: ['*'], devices: ['*'] }],
    };
    s = await startAuxctld(policy);
    expect(await activateSf(s, PF0, 1)).toBe(SF_ALLOWED);
    expect(await activateSf(s, PF1, 2)).toBe(SF_DENIED);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('lists only the management devices the policy lets the caller configure', async () => {
    const all = await runCli(s, ['vdpa', 'mgmtdev', 'show', '--json']);
    expect(all.code).toBe(ExitCode.OK);
    const names = (JSON.parse(all.out) as { mgmtdevs: { name: string }[] }).mgmtdevs.map(
      (m) => m.name,
    );
    expect(names).toEqual([`auxiliary/${SF_ALLOWED}`]);
    const text = await runCli(s, ['vdpa', 'mgmtdev', 'show']);
    expect(text.out).toContain(`auxiliary/${SF_ALLOWED}:`);
    expect(text.out).toMatch(/dev_features .*VERSION_1 ACCESS_PLATFORM/);
    const denied = await runCli(s, ['vdpa', 'mgmtdev', 'show', `auxiliary/${SF_DENIED}`]);
    expect(denied.code).toBe(ExitCode.PERMISSION);
  });

  it('adds a device that virtio_vdpa brings up, shows it, reads a queue, refuses bad adds, deletes it', async () => {
    const add = await runCli(s, [
      'vdpa',
      'dev',
      'add',
      'name',
      'vd0',
      'mgmtdev',
      `auxiliary/${SF_ALLOWED}`,
      'mac',
      '02:00:00:00:00:aa',
      '--json',
    ]);
    expect(add.code, add.err).toBe(ExitCode.OK);
    const [dev] = (JSON.parse(add.out) as { devices: WireDevice[] }).devices;
    expect(dev).toMatchObject({ name: 'vd0', device: SF_ALLOWED, driver: 'virtio_vdpa' });

    const shown = JSON.parse((await runCli(s, ['vdpa', 'dev', 'show', 'vd0', '--json'])).out) as {
      devices: WireDevice[];
    };
    // ACKNOWLEDGE | DRIVER | FEATURES_OK | DRIVER_OK: the virtio-net driver is up on it.
    expect(shown.devices[0]?.status).toBe(0x0f);
    expect(shown.devices[0]?.config?.mac).toBe('02:00:00:00:00:aa');
    expect(shown.devices[0]?.config?.negotiatedFeatures).toEqual(expect.arrayContaining([32, 33]));
    const cfg = await runCli(s, ['vdpa', 'dev', 'config', 'show', 'vd0']);
    // auxctld's simulated ports have no cable: the SF's link, and so the config status, is down.
    expect(cfg.out).toMatch(/^vd0: mac 02:00:00:00:00:aa link down/);
    const q = await runCli(s, ['vdpa', 'dev', 'vstats', 'show', 'vd0', 'qidx', '0', '--json']);
    expect(q.code, q.err).toBe(ExitCode.OK);
    expect(JSON.parse(q.out)).toMatchObject({
      name: 'vd0',
      queueType: 'rx',
      state: 'VDPA_QUEUE_STATE_READY',
      size: 64,
    });
    const badQ = await runCli(s, ['vdpa', 'dev', 'vstats', 'show', 'vd0', 'qidx', '99']);
    expect(badQ.code).toBe(ExitCode.REMOTE);
    expect(badQ.err).toMatch(/INVALID_ARGUMENT/);

    // A name in use (EEXIST) and a second device on the SF (ENOSPC).
    const dup = await runCli(s, [
      'vdpa',
      'dev',
      'add',
      'name',
      'vd0',
      'mgmtdev',
      `auxiliary/${SF_ALLOWED}`,
    ]);
    expect(dup.code).toBe(ExitCode.REMOTE);
    expect(dup.err).toMatch(/ALREADY_EXISTS/);
    const second = await runCli(s, [
      'vdpa',
      'dev',
      'add',
      'name',
      'vd1',
      'mgmtdev',
      `auxiliary/${SF_ALLOWED}`,
    ]);
    expect(second.code).toBe(ExitCode.REMOTE);
    expect(second.err).toMatch(/RESOURCE_EXHAUSTED/);
    const unknown = await runCli(s, [
      'vdpa',
      'dev',
      'add',
      'name',
      'vd9',
      'mgmtdev',
      'auxiliary/nope',
    ]);
    expect(unknown.code).toBe(ExitCode.NOT_FOUND);

    const del = await runCli(s, ['vdpa', 'dev', 'del', 'vd0']);
    expect(del.code, del.err).toBe(ExitCode.OK);
    // With the SF free again, more pairs than its queues allow is EINVAL.
    const pairs = await runCli(s, [
      'vdpa',
      'dev',
      'add',
      'name',
      'vd9',
      'mgmtdev',
      `auxiliary/${SF_ALLOWED}`,
      'max_vqp',
      '4096',
    ]);
    expect(pairs.code).toBe(ExitCode.REMOTE);
    expect(pairs.err).toMatch(/INVALID_ARGUMENT/);
    const none = JSON.parse((await runCli(s, ['vdpa', 'dev', 'show', '--json'])).out) as {
      devices?: WireDevice[];
    };
    expect(none.devices ?? []).toEqual([]);
    const gone = await runCli(s, ['vdpa', 'dev', 'del', 'vd0']);
    expect(gone.code).toBe(ExitCode.NOT_FOUND);

    // The add and the delete are in the event log WatchDevices streams.
    const stop = new AbortController();
    const io = memoryIo({ AUXCTL_STATE_DIR: s.stateDir }, stop.signal, (out) => {
      if (out.includes('VDPA_DEVICE_EVENT_KIND_REMOVED')) stop.abort();
    });
    const watched = await runCli(s, ['--json', 'watch', '--resume-after', '1'], io);
    expect(watched.code).toBe(ExitCode.OK);
    const vdpa = io.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { device: string; vdpa?: { name: string; kind: string } })
      .filter((e) => e.vdpa);
    expect(vdpa.map((e) => [e.device, e.vdpa?.name, e.vdpa?.kind])).toEqual([
      [SF_ALLOWED, 'vd0', 'VDPA_DEVICE_EVENT_KIND_ADDED'],
      [SF_ALLOWED, 'vd0', 'VDPA_DEVICE_EVENT_KIND_REMOVED'],
    ]);
  });

  it('a management device the policy denies refuses add (3), and nothing is created', async () => {
    const r = await runCli(s, [
      'vdpa',
      'dev',
      'add',
      'name',
      'vdx',
      'mgmtdev',
      `auxiliary/${SF_DENIED}`,
    ]);
    expect(r.code).toBe(ExitCode.PERMISSION);
    expect(r.err).toMatch(/PERMISSION_DENIED/);
    const list = await runCli(s, ['vdpa', 'dev', 'show', '--json']);
    expect((JSON.parse(list.out) as { devices?: unknown[] }).devices ?? []).toEqual([]);
  });

  it('vdpa arguments are checked before anything is sent (1)', async () => {
    expect((await runCli(s, ['vdpa', 'dev', 'add', 'name', 'x'])).code).toBe(ExitCode.USAGE);
    expect(
      (await runCli(s, ['vdpa', 'dev', 'add', 'name', 'x', 'mgmtdev', 'm', 'max_vqp', '0'])).code,
    ).toBe(ExitCode.USAGE);
  });
});

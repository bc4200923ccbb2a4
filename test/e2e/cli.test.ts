import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auxctlMain, ExitCode } from '@auxctl/client';
import type { PolicyDocument } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  memoryIo,
  NOP_INBOX,
  nopRpc,
  type RunningServer,
  runCli,
  startAuxctld,
} from './cli-fixtures.js';

const ADMIN = 'spiffe://auxctl/admin';

describe('auxctl against a real auxctld over mutual TLS', () => {
  let s: RunningServer;
  let dev: string;

  beforeAll(async () => {
    s = await startAuxctld();
  });
  afterAll(async () => {
    await s?.close();
  });

  it('devices --json lists the devices; the table shows state, fw and bound aux drivers', async () => {
    const r = await runCli(s, ['devices', '--json']);
    expect(r.code).toBe(ExitCode.OK);
    const doc = JSON.parse(r.out) as {
      devices: { name: string; state: string; auxDevices: { name: string; driver?: string }[] }[];
    };
    expect(doc.devices.length).toBe(2);
    expect(doc.devices.every((d) => d.state === 'DEVICE_STATE_UP')).toBe(true);
    dev = doc.devices[0]?.name as string;
    const table = await runCli(s, ['devices']);
    expect(table.code).toBe(ExitCode.OK);
    const lines = table.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DEVICE\s+STATE\s+FW\s+AUX DEVICES\s+TAINT$/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(dev);
    expect(lines[1]).toMatch(/\bup\b/);
    expect(lines[1]).toMatch(/mlx5_core\.ctl\.\d+=\S+/);
  });

  it('health DEV reads the reporters; an unknown device is not found (4)', async () => {
    const r = await runCli(s, ['health', dev, '--json']);
    expect(r.code).toBe(ExitCode.OK);
    const doc = JSON.parse(r.out) as { device: string; reporters: unknown[] };
    expect(doc.device).toBe(dev);
    expect(doc.reporters.length).toBeGreaterThan(0);
    const text = await runCli(s, ['health', dev]);
    expect(text.out).toMatch(/reporter fw: healthy/);
    const missing = await runCli(s, ['health', '0000:ff:00.0']);
    expect(missing.code).toBe(ExitCode.NOT_FOUND);
    expect(missing.err).toMatch(/NOT_FOUND/);
  });

  it('info DEV opens a session and prints its context', async () => {
    const r = await runCli(s, ['info', dev, '--json']);
    expect(r.code).toBe(ExitCode.OK);
    const info = JSON.parse(r.out) as { device: string; uid: number; maxInFlight: number };
    expect(info.device).toBe(dev);
    expect(info.uid).toBeGreaterThan(0);
    expect(info.maxInFlight).toBe(16);
    const text = await runCli(s, ['info', dev]);
    expect(text.out).toMatch(/\nuid\s+[1-9]\d*\n/); // each session is a new context (new uid)
    expect(text.out).toMatch(/taint\s+-/);
  });

  it('cap decodes the general capability, current and max', async () => {
    const cur = await runCli(s, ['cap', dev, '--json']);
    expect(cur.code).toBe(ExitCode.OK);
    const c = JSON.parse(cur.out) as {
      capType: string;
      mode: string;
      fields: Record<string, number>;
    };
    const max = JSON.parse(
      (await runCli(s, ['cap', dev, '--mode', 'max', '--json'])).out,
    ) as typeof c;
    expect(c.capType).toBe('general');
    expect(max.mode).toBe('max');
    // Values of the simulated ConnectX-6 Dx-like PF; current never exceeds max.
    expect(max.fields.log_max_qp).toBe(18);
    expect(c.fields.log_max_qp).toBeLessThanOrEqual(18);
    expect(max.fields.device_frequency_mhz).toBe(156);
    expect(c.fields.num_ports).toBe(1);
    expect(c.fields.log_pg_sz).toBe(12);
    const hex = JSON.parse((await runCli(s, ['cap', dev, '--id', 'debug', '--hex', '--json'])).out);
    expect(hex.hex).toMatch(/^[0-9a-f]{8192}$/);
    // Every cap type the device offers decodes with its prm layout.
    for (const id of ['roce', 'debug', 'vdpa_emulation']) {
      const r = JSON.parse((await runCli(s, ['cap', dev, '--id', id, '--json'])).out) as typeof c;
      expect(r.capType).toBe(id);
      expect(Object.keys(r.fields).length).toBeGreaterThan(3);
    }
    const v = JSON.parse(
      (await runCli(s, ['cap', dev, '--id', 'vdpa_emulation', '--json'])).out,
    ) as typeof c;
    expect(v.fields.max_num_virtio_queues).toBeGreaterThan(0);
    // --raw FILE writes the capability bytes as firmware returned them.
    const file = join(tmpdir(), `auxctl-cap-${process.pid}.bin`);
    const raw = await runCli(s, ['cap', dev, '--raw', file]);
    expect(raw.code, raw.err).toBe(ExitCode.OK);
    const bytes = await readFile(file);
    await rm(file);
    expect(bytes.length).toBe(4096);
    expect(bytes.readUInt32BE(0x10) & 0x1f).toBe(c.fields.log_max_qp);
  });

  it('rpc runs a raw NOP and prints status, syndrome and outbox', async () => {
    const args = nopRpc(dev, 'debug_read_only');
    const r = await runCli(s, [...args, '--json']);
    expect(r.code).toBe(ExitCode.OK);
    const doc = JSON.parse(r.out) as { status: number; statusName: string; outbox: string };
    expect(doc).toMatchObject({ status: 0, statusName: 'OK', syndrome: 0 });
    expect(doc.outbox).toMatch(/^[0-9a-f]{32}$/);
    const text = await runCli(s, args);
    expect(text.out).toMatch(/^status OK \(0x0\) syndrome 0x00000000\n00000 {2}/);
  });

  it('an opcode above the session scope is refused as permission denied (3)', async () => {
    // NOP is DEBUG_READ_ONLY; at CONFIGURATION the device refuses it (EPERM).
    const r = await runCli(s, nopRpc(dev, 'configuration'));
    expect(r.code).toBe(ExitCode.PERMISSION);
  });

  it('an rpc at DEBUG_WRITE taints the device, and `devices` shows it on that device only', async () => {
    const other = JSON.parse((await runCli(s, ['devices', '--json'])).out).devices[1]
      .name as string;
    const r = await runCli(s, nopRpc(dev, 'debug_write'));
    expect(r.code).toBe(ExitCode.OK);
    const rows = (await runCli(s, ['devices'])).out.trimEnd().split('\n');
    const row = (name: string) => rows.find((l) => l.startsWith(name)) ?? '';
    expect(row(dev)).toMatch(/debug.?write/i);
    expect(row(other)).toMatch(/\s-$/);
    const doc = JSON.parse((await runCli(s, ['devices', dev, '--json'])).out);
    expect(doc.devices[0].taintReasons.length).toBeGreaterThan(0);
  });

  it('watch --snapshot --json streams one JSON object per line until interrupted (0)', async () => {
    const stop = new AbortController();
    const io = memoryIo({ AUXCTL_STATE_DIR: s.stateDir }, stop.signal, (out) => {
      if (out.split('\n').length > 2) stop.abort();
    });
    const { code } = await runCli(s, ['--json', 'watch', '--snapshot'], io);
    expect(code).toBe(ExitCode.OK);
    const events = io.out
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events[0]).toMatchObject({ device: dev });
    expect(events[0].snapshot.name).toBe(dev);
  });
});

describe('auxctl with a policy that denies', () => {
  let s: RunningServer;
  beforeAll(async () => {
    const policy: PolicyDocument = {
      version: 1,
      deny: [{ principals: [ADMIN], methods: ['auxctl.v1.CtlService/*'], devices: ['*'] }],
      allow: [{ principals: [ADMIN], methods: ['*'], devices: ['*'] }],
    };
    s = await startAuxctld(policy);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('CtlService calls exit 3; DeviceService calls still work', async () => {
    const devices = await runCli(s, ['devices', '--json']);
    expect(devices.code).toBe(ExitCode.OK);
    const dev = (JSON.parse(devices.out) as { devices: { name: string }[] }).devices[0]
      ?.name as string;
    const rpc = await runCli(s, nopRpc(dev, 'debug_read_only'));
    expect(rpc.code).toBe(ExitCode.PERMISSION);
    expect(rpc.err).toMatch(/PERMISSION_DENIED/);
    expect((await runCli(s, ['info', dev])).code).toBe(ExitCode.PERMISSION);
    expect((await runCli(s, ['cap', dev])).code).toBe(ExitCode.PERMISSION);
  });
});

describe('auxctl --hosts over three servers', () => {
  let fleet: RunningServer;
  beforeAll(async () => {
    fleet = await startAuxctld(undefined, 3);
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('runs a command on every host and prints a per-host summary, all ok', async () => {
    const env = { AUXCTL_STATE_DIR: fleet.stateDir };
    const hosts = fleet.addresses.join(',');
    const io = memoryIo(env);
    expect(await auxctlMain(['--hosts', hosts, '--concurrency', '2', 'devices'], io)).toBe(
      ExitCode.OK,
    );
    const summary = io.out.slice(io.out.lastIndexOf('HOST'));
    expect(summary.trimEnd().split('\n').slice(1)).toEqual(
      fleet.addresses.map((a) =>
        expect.stringMatching(new RegExp(`^${a.replace(/\./g, '\\.')}\\s+yes\\s+-$`)),
      ),
    );
    for (const a of fleet.addresses) expect(io.out).toContain(`== ${a} ==\nDEVICE`);

    const json = memoryIo(env);
    expect(
      await auxctlMain(
        [
          '--hosts',
          hosts,
          '--json',
          'rpc',
          '0000:08:00.0',
          '--scope',
          'debug_read_only',
          '--in',
          NOP_INBOX,
          '--out-len',
          '16',
        ],
        json,
      ),
    ).toBe(ExitCode.OK);
    const doc = JSON.parse(json.out) as {
      hosts: { host: string; ok: boolean; result: { statusName: string } }[];
    };
    expect(doc.hosts.map((h) => [h.host, h.ok, h.result.statusName])).toEqual(
      fleet.addresses.map((a) => [a, true, 'OK']),
    );
  });

  it('a host that is down makes the fan-out partial (6) and is named in the summary', async () => {
    const io = memoryIo({ AUXCTL_STATE_DIR: fleet.stateDir });
    const hosts = [...fleet.addresses, '127.0.0.1:1'].join(',');
    expect(await auxctlMain(['--hosts', hosts, '--json', 'devices'], io)).toBe(ExitCode.PARTIAL);
    const doc = JSON.parse(io.out) as { hosts: { host: string; ok: boolean }[] };
    expect(doc.hosts.map((h) => h.ok)).toEqual([true, true, true, false]);
  });
});

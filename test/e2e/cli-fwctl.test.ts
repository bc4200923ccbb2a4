/**
 * End-to-end: auxctld serving Linux fwctl devices (`sources: ['fwctl']`),
 * with the kernel behind the syscall seam replaced by a double that does
 * the kernel's checks and forwards accepted mailboxes to simulated firmware
 * (`@auxctl/server/testing`). The CLI runs the same commands as against
 * simulated devices; what fwctl cannot do is refused saying why.
 */

import { join } from 'node:path';
import { AuxctlClient, ExitCode, isAuxctlError } from '@auxctl/client';
import type { PolicyDocument } from '@auxctl/server';
import { type FwctlDouble, startFwctlDouble } from '@auxctl/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOP_INBOX, nopRpc, type RunningServer, runCli, startAuxctld } from './cli-fixtures.js';

const ADMIN = 'spiffe://auxctl/admin';
// The admin may use every device, up to DEBUG_READ_ONLY: DEBUG_WRITE would taint the host.
const POLICY: PolicyDocument = {
  version: 1,
  deny: [],
  allow: [{ principals: [ADMIN], methods: ['*'], devices: ['*'], maxScope: 'DEBUG_READ_ONLY' }],
};

describe('auxctl against auxctld serving Linux fwctl devices (kernel double)', () => {
  let host: FwctlDouble;
  let s: RunningServer;
  let dev: string;

  beforeAll(async () => {
    host = await startFwctlDouble({ devices: 2 });
    s = await startAuxctld(POLICY, 1, {
      sources: ['fwctl'],
      fwctl: {
        ...host.sourceOptions(),
        pollMs: 20,
        devlink: { path: join(host.devRoot, 'no-devlink-here') },
      },
    });
    dev = host.devices[0] as string;
  });
  afterAll(async () => {
    await s?.close();
    // Nothing the server opened is left open once it stopped.
    expect(host?.kernel.openFiles()).toBe(0);
    await host?.close();
  });

  it('devices lists the fwctl functions by PCI address with their aux drivers', async () => {
    const r = await runCli(s, ['devices', '--json']);
    expect(r.code).toBe(ExitCode.OK);
    const doc = JSON.parse(r.out) as {
      devices: { name: string; state: string; auxDevices: { name: string; driver?: string }[] }[];
    };
    expect(doc.devices.map((d) => d.name)).toEqual(host.devices);
    expect(doc.devices.every((d) => d.state === 'DEVICE_STATE_UP')).toBe(true);
    expect(doc.devices[0]?.auxDevices.some((a) => /^mlx5_core\.eth\.\d+$/.test(a.name))).toBe(true);
  });

  it('info opens one fwctl file (one uid) per session', async () => {
    const a = JSON.parse((await runCli(s, ['info', dev, '--json'])).out) as { uid: number };
    const b = JSON.parse((await runCli(s, ['info', dev, '--json'])).out) as { uid: number };
    expect(a.uid).toBeGreaterThan(0);
    expect(b.uid).not.toBe(a.uid);
  });

  it('cap, reg and rpc reach the firmware through FWCTL_RPC', async () => {
    const cap = await runCli(s, ['cap', dev, '--json']);
    expect(cap.code).toBe(ExitCode.OK);
    expect(JSON.parse(cap.out)).toHaveProperty('fields');
    const reg = await runCli(s, ['--json', 'reg', dev, '--id', 'PPCNT', '--port', '1']);
    expect(reg.code).toBe(ExitCode.OK);
    const rpc = await runCli(s, nopRpc(dev, 'debug_read_only', '--json'));
    expect(rpc.code).toBe(ExitCode.OK);
    expect(JSON.parse(rpc.out)).toMatchObject({ status: 0, statusName: 'OK' });
  });

  it('rscdump reads the menu inline through FWCTL_RPC register reads', async () => {
    const file = join(host.devRoot, 'menu.bin');
    const r = await runCli(s, ['--json', 'rscdump', dev, '-o', file]);
    expect(r.code).toBe(ExitCode.OK);
    const doc = JSON.parse(r.out) as { header: { mode: string; size: number } };
    expect(doc.header.mode).toBe('DUMP_MODE_INLINE');
    expect(doc.header.size).toBeGreaterThan(0);
    const menu = JSON.parse((await runCli(s, ['--json', 'rscdump', dev])).out) as {
      menu: { segmentName: string }[];
    };
    expect(menu.menu.map((m) => m.segmentName)).toContain('FULL_QPC');
  });

  it('a umem dump is refused saying why (mainline fwctl has no user memory)', async () => {
    const r = await runCli(s, [
      'coredump',
      dev,
      '--mode',
      'umem',
      '-o',
      join(host.devRoot, 'u.bin'),
    ]);
    expect(r.code).not.toBe(ExitCode.OK);
    expect(r.err).toMatch(/UNIMPLEMENTED.*no user memory registration/);
  });

  it('coredump comes from devlink health; without devlink it is FAILED_PRECONDITION', async () => {
    const r = await runCli(s, ['coredump', dev, '-o', join(host.devRoot, 'core.bin')]);
    expect(r.code).not.toBe(ExitCode.OK);
    expect(r.err).toMatch(/FAILED_PRECONDITION.*install iproute2/);
  });

  it('what fwctl lacks is refused saying why: health reporters, port functions', async () => {
    const health = await runCli(s, ['health', dev]);
    expect(health.code).not.toBe(ExitCode.OK);
    expect(health.err).toMatch(/UNIMPLEMENTED.*devlink health show/);
    const sf = await runCli(s, ['sf', 'list', dev]);
    expect(sf.err).toMatch(/UNIMPLEMENTED.*does not manage port functions/);
    // Faults need DEBUG_WRITE_FULL, which this policy does not grant: the policy answers first.
    const fault = await runCli(s, ['fault', 'list', dev]);
    expect(fault.err).toMatch(/PERMISSION_DENIED/);
  });

  it('refuses DEBUG_WRITE the policy does not grant before any ioctl, so the host stays untainted', async () => {
    const before = host.ioctls();
    const r = await runCli(s, nopRpc(dev, 'debug_write'));
    expect(r.code).toBe(ExitCode.PERMISSION);
    expect(host.ioctls()).toBe(before);
    expect(host.kernel.tainted).toBe(false);
  });

  it('an opcode the kernel does not allow at the scope is PERMISSION_DENIED (EBADMSG)', async () => {
    // NOP needs DEBUG_READ_ONLY; auxctld refuses it at CONFIGURATION before the kernel does.
    const r = await runCli(s, nopRpc(dev, 'configuration'));
    expect(r.code).toBe(ExitCode.PERMISSION);
  });

  it('a session on a device removed mid-session ends UNAVAILABLE and its file is closed', async () => {
    const client = await AuxctlClient.connect(
      { config: join(s.stateDir, 'client.json'), host: s.address },
      {},
      {},
    );
    try {
      const victim = host.devices[1] as string;
      const session = await client.openSession(victim, 'DEBUG_READ_ONLY');
      const open = host.kernel.openFiles();
      expect(open).toBeGreaterThan(0);
      await host.remove(victim);
      // Until the removal is seen (within a sysfs poll), the kernel answers ENODEV per RPC;
      // then the session itself ends UNAVAILABLE.
      let ended: unknown;
      for (let i = 0; i < 200 && ended === undefined; i++) {
        try {
          await session.rpc(Buffer.from(NOP_INBOX, 'hex'), 16);
        } catch (err) {
          if (!isAuxctlError(err, 'ENODEV')) ended = err;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      // The RPC in flight when it ended fails UNAVAILABLE; a later one names that end (EPIPE).
      expect(ended).toBeInstanceOf(Error);
      expect((ended as Error).message).toMatch(/UNAVAILABLE/);
      await session.close().catch(() => {});
      await expect.poll(() => host.kernel.openFiles()).toBe(open - 1);
      const list = JSON.parse((await runCli(s, ['devices', '--json'])).out) as {
        devices: { name: string }[];
      };
      expect(list.devices.map((d) => d.name)).toEqual([dev]);
    } finally {
      client.close();
    }
  });
});

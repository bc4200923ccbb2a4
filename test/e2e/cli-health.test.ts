import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '@auxctl/client';
import type { PolicyDocument } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, runCli, startAuxctld } from './cli-fixtures.js';

// devlink-health parity, remotely: a BMC fetches a reporter's dump and
// triggers its recovery over auxctld's API, with no shell on the host. The
// device here does not recover on its own (autoRecover off), as an operator
// who wants the evidence first would set it.

const ADMIN = 'spiffe://auxctl/admin';
const PF0 = '0000:08:00.0';
const PF1 = '0000:09:00.0';
const CRDUMP = 64 * 1024;

describe('auxctl health --dump / --recover against auxctld', () => {
  let s: RunningServer;
  let dir: string;
  beforeAll(async () => {
    const policy: PolicyDocument = {
      version: 1,
      deny: [
        {
          principals: [ADMIN],
          methods: [
            'auxctl.v1.CtlService/HealthDump',
            'auxctl.v1.DeviceService/RecoverHealthReporter',
          ],
          devices: [PF1],
        },
      ],
      allow: [{ principals: [ADMIN], methods: ['*'], devices: ['*'] }],
    };
    s = await startAuxctld(policy, 1, {
      crdumpSize: CRDUMP,
      health: { poll: false, autoRecover: false },
    });
    dir = await mkdtemp(join(tmpdir(), 'auxctl-cli-health-'));
  });
  afterAll(async () => {
    await s?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const fleet = () => {
    const f = s.servers[0]?.fleet;
    if (!f) throw new Error('no fleet');
    return f;
  };

  it("saves the fw reporter's health-buffer sample as JSON", async () => {
    const file = join(dir, 'fw.json');
    const r = await runCli(s, ['--json', 'health', PF0, '--dump', 'fw', '-o', file]);
    expect(r.code, r.err).toBe(ExitCode.OK);
    const sample = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
    expect(sample).toHaveProperty('synd');
  });

  it('after a fatal error: the stored crdump is fetched, then the recovery run remotely', async () => {
    const core = fleet().core(PF0);
    fleet().sim(PF0).faults.fatal();
    core.health.poller.poll();
    for (let i = 0; i < 500 && core.health.fwFatal.storedDump === undefined; i++) {
      await new Promise((r) => setTimeout(r, 2));
    }
    const before = JSON.parse((await runCli(s, ['--json', 'health', PF0])).out) as {
      reporters: { status: { name: string; state: string }; dumpStored: boolean }[];
    };
    const fatal = before.reporters.find((x) => x.status.name === 'HEALTH_REPORTER_NAME_FW_FATAL');
    expect(fatal).toMatchObject({ status: { state: 'REPORTER_STATE_ERROR' }, dumpStored: true });

    const file = join(dir, 'crdump.bin');
    const r = await runCli(s, ['--json', 'health', PF0, '--dump', 'fw_fatal', '-o', file]);
    expect(r.code, r.err).toBe(ExitCode.OK);
    const bytes = await readFile(file);
    expect(bytes.length).toBe(CRDUMP);
    // The reporter's stored dump, byte for byte (the first failure's evidence).
    expect(bytes.equals(core.health.fwFatal.storedDump?.data as Buffer)).toBe(true);
    expect(JSON.parse(r.out)).toMatchObject({ header: { device: PF0, mode: 'DUMP_MODE_HOST' } });

    const rec = await runCli(s, ['--json', 'health', PF0, '--recover', 'fw_fatal']);
    expect(rec.code, rec.err).toBe(ExitCode.OK);
    const report = (JSON.parse(rec.out) as { report: { status: Record<string, unknown> } }).report;
    expect(report.status).toMatchObject({ state: 'REPORTER_STATE_HEALTHY', recoverCount: 1 });
    expect(core.state).toBe('up');
    const text = await runCli(s, ['health', PF0, '--recover', 'fw']);
    expect(text.out).toMatch(/^device 0000:08:00\.0: recovered\nreporter fw: healthy/);
  });

  it('refuses a denied device, and bad option combinations before sending', async () => {
    const denied = await runCli(s, ['health', PF1, '--dump', 'fw_fatal', '-o', join(dir, 'x')]);
    expect(denied.code).toBe(ExitCode.PERMISSION);
    expect((await runCli(s, ['health', PF1, '--recover', 'fw_fatal'])).code).toBe(
      ExitCode.PERMISSION,
    );
    // Reading the reporters stays allowed there.
    expect((await runCli(s, ['health', PF1])).code).toBe(ExitCode.OK);
    for (const args of [
      ['health', PF0, '--dump', 'fw'],
      ['health', PF0, '--dump', 'fw', '--recover', 'fw', '-o', 'x'],
      ['health', PF0, '--dump', 'nope', '-o', 'x'],
      ['health', PF0, '-o', 'x'],
    ]) {
      expect((await runCli(s, args)).code, args.join(' ')).toBe(ExitCode.USAGE);
    }
  });
});

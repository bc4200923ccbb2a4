import { ExitCode } from '@auxctl/client';
import type { PolicyDocument } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, runCli, startAuxctld } from './cli-fixtures.js';

// VF migration end to end: two auxctld over mutual TLS, each with a VF
// bound to mlx5_vfio_pci (migratable port function); `auxctl migrate`
// saves the source VF through its PF's SUSPEND/QUERY/SAVE_VHCA commands,
// streams it to the destination, which loads it (LOAD_VHCA_STATE) and runs
// it, and commits the source. Refusals leave both VFs usable.

const ADMIN = 'spiffe://auxctl/admin';
const PF0 = '0000:08:00.0';
const PF1 = '0000:09:00.0';
const VF0 = '0000:08:00.2';
const VF1 = '0000:09:00.2';

async function cli(s: RunningServer, host: string, argv: string[]) {
  return runCli({ ...s, address: host }, argv);
}

async function migratableVf(s: RunningServer, host: string, pf: string, vf: string) {
  for (const argv of [
    ['vf', 'numvfs', pf, '1'],
    ['vf', 'unbind', vf],
    ['vf', 'set', pf, '0', '--migratable', 'on'],
    ['vf', 'bind', vf, 'mlx5_vfio_pci'],
  ]) {
    const r = await cli(s, host, argv);
    expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(ExitCode.OK);
  }
}

describe('auxctl migrate between two auxctld', () => {
  let s: RunningServer;
  let a: string;
  let b: string;
  beforeAll(async () => {
    const policy: PolicyDocument = {
      version: 1,
      deny: [{ principals: [ADMIN], methods: ['auxctl.v1.MigrationService/*'], devices: [PF1] }],
      allow: [{ principals: [ADMIN], methods: ['*'], devices: ['*'] }],
    };
    s = await startAuxctld(policy, 2);
    [a, b] = s.addresses as [string, string];
    await migratableVf(s, a, PF0, VF0);
    await migratableVf(s, b, PF0, VF0);
    await migratableVf(s, b, PF1, VF1);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('moves a VF with pre-copy rounds and reports the sizes and the stop-copy downtime', async () => {
    const r = await cli(s, a, [
      'migrate',
      '--from',
      a,
      '--vf',
      VF0,
      '--to',
      b,
      '--to-vf',
      VF0,
      '--precopy-rounds',
      '2',
      '--json',
    ]);
    expect(r.code, r.err).toBe(ExitCode.OK);
    const out = JSON.parse(r.out) as Record<string, number>;
    expect(out.bytes).toBeGreaterThan(0);
    expect(out.precopyRounds).toBe(2);
    expect(out.downtimeMs).toBeGreaterThanOrEqual(0);
    expect(out.totalMs).toBeGreaterThanOrEqual(out.downtimeMs as number);
    // The source was committed (reset, running): it can be moved again, the other way.
    const back = await cli(s, a, ['migrate', '--from', b, '--vf', VF0, '--to', a, '--to-vf', VF0]);
    expect(back.code, back.err).toBe(ExitCode.OK);
    expect(back.out).toMatch(/stop-copy downtime [\d.]+ ms, total [\d.]+ ms/);
  });

  it('refuses a destination VF without a migration driver, and the source runs on', async () => {
    const un = await cli(s, b, ['vf', 'unbind', VF0]);
    expect(un.code).toBe(ExitCode.OK);
    const r = await cli(s, a, ['migrate', '--from', a, '--vf', VF0, '--to', b, '--to-vf', VF0]);
    expect(r.code).toBe(ExitCode.REMOTE);
    expect(r.err).toMatch(/EOPNOTSUPP.*mlx5_vfio_pci/);
    expect((await cli(s, b, ['vf', 'bind', VF0, 'mlx5_vfio_pci'])).code).toBe(ExitCode.OK);
    // The source was rolled back: the same migration now goes through.
    const again = await cli(s, a, ['migrate', '--from', a, '--vf', VF0, '--to', b, '--to-vf', VF0]);
    expect(again.code, again.err).toBe(ExitCode.OK);
  });

  it('is denied on a PF the policy does not allow', async () => {
    const r = await cli(s, a, ['migrate', '--from', b, '--vf', VF1, '--to', a, '--to-vf', VF0]);
    expect(r.code).toBe(ExitCode.PERMISSION);
  });
});

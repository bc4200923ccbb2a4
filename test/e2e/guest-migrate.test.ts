import { ExitCode } from '@auxctl/client';
import type { AuxctlServer } from '@auxctl/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, runCli, startAuxctld, until } from './cli-fixtures.js';

// `auxctl guest` and `auxctl migrate` as a user runs them, against two
// auxctld (in this process, over mutual TLS) whose PFs are cabled: a FLOW
// guest moves from A's VF 0 to B's VF 0 and back while it sends to an ECHO
// guest on B's VF 1. Afterwards, with the guests stopped, each side has
// exactly the firmware objects and DMA mappings it started with: nothing
// of a guest, a saved state or a loaded one is left on a PF or in a VF's
// IOMMU domain.

const PF = '0000:08:00.0';
const VF0 = '0000:08:00.2';
const VF1 = '0000:08:00.3';
const MAC = { a0: '02:00:00:00:0a:00', b0: '02:00:00:00:0b:00', b1: '02:00:00:00:0b:01' };

async function cli(s: RunningServer, host: string, argv: string[]) {
  const r = await runCli({ ...s, address: host }, argv);
  return r;
}

async function ok(s: RunningServer, host: string, argv: string[]): Promise<string> {
  const r = await cli(s, host, argv);
  expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(ExitCode.OK);
  return r.out;
}

/** footprint: a server's PF objects and DMA mappings, and every VF domain's mappings. */
function footprint(server: AuxctlServer) {
  const sim = server.fleet.sim(PF);
  const vfs = sim.engine.virtualFunctions.list();
  return {
    pfObjects: { ...sim.engine.objectCounts() },
    pfMappings: sim.dma.mappings,
    vfObjects: vfs.map((v) => ({ ...v.firmware.objectCounts() })),
    vfMappings: vfs.map((v) => v.firmware.dmaSpace.mappings),
  };
}

describe('auxctl guest and migrate: a running guest moves, nothing is left behind', () => {
  let s: RunningServer;
  let a: RunningServer;
  let b: RunningServer;
  beforeAll(async () => {
    s = await startAuxctld(undefined, 2, (i, started) => {
      const wire = started[0]?.fleet.wire?.address;
      return {
        devices: 1,
        simVfs: 2,
        simWire: i === 0 ? { listen: '127.0.0.1:0' } : { connect: `${wire?.host}:${wire?.port}` },
      };
    });
    a = { ...s, address: s.addresses[0] as string, servers: [s.servers[0] as AuxctlServer] };
    b = { ...s, address: s.addresses[1] as string, servers: [s.servers[1] as AuxctlServer] };
  });
  afterAll(async () => {
    await s?.close();
  });

  it('moves a flow guest there and back; stopped guests leave both sides as they were', async () => {
    for (const [s, macs] of [
      [a, [MAC.a0]],
      [b, [MAC.b0, MAC.b1]],
    ] as const) {
      await ok(s, s.address, ['vf', 'numvfs', PF, String(macs.length)]);
      for (const [i, mac] of macs.entries()) {
        const vf = i === 0 ? VF0 : VF1;
        await ok(s, s.address, ['vf', 'unbind', vf]);
        await ok(s, s.address, [
          'vf',
          'set',
          PF,
          String(i),
          '--migratable',
          'on',
          '--hw-addr',
          mac,
        ]);
        await ok(s, s.address, ['vf', 'bind', vf, 'mlx5_vfio_pci']);
      }
    }
    const before = [footprint(a.servers[0]!), footprint(b.servers[0]!)];
    await ok(b, b.address, ['guest', 'start', VF1, '--program', 'echo']);
    const started = await ok(a, a.address, [
      'guest',
      'start',
      VF0,
      '--program',
      'flow',
      '--peer',
      MAC.b1,
      '--memory-mib',
      '2',
      '--json',
    ]);
    expect(JSON.parse(started)).toMatchObject({
      vf: VF0,
      program: 'GUEST_PROGRAM_FLOW',
      running: true,
    });
    const echoed = async (s: RunningServer) =>
      Number(JSON.parse(await ok(s, s.address, ['guest', 'show', VF0, '--json'])).echoed ?? 0);
    await until(async () => (await echoed(a)) > 10, 'echoes on A');

    const out = await ok(a, a.address, [
      'migrate',
      '--from',
      a.address,
      '--vf',
      VF0,
      '--to',
      b.address,
      '--to-vf',
      VF0,
      '--precopy-rounds',
      '2',
    ]);
    expect(out).toMatch(/stop-copy downtime [\d.]+ ms, total [\d.]+ ms/);
    const there = await echoed(b);
    await until(async () => (await echoed(b)) > there + 10, 'echoes on B after the move');
    expect((await cli(a, a.address, ['guest', 'show', VF0])).code).toBe(ExitCode.NOT_FOUND);
    const table = await ok(b, b.address, ['guest', 'show', VF0]);
    expect(table).toMatch(/flow\s+020000000a00\s+2 MiB/);

    await ok(a, a.address, [
      'migrate',
      '--from',
      b.address,
      '--vf',
      VF0,
      '--to',
      a.address,
      '--to-vf',
      VF0,
    ]);
    const back = await echoed(a);
    await until(async () => (await echoed(a)) > back + 10, 'echoes on A after the move back');
    const shown = JSON.parse(await ok(a, a.address, ['guest', 'show', VF0, '--json']));
    expect(shown.completionErrors ?? 0).toBe(0);

    await ok(a, a.address, ['guest', 'stop', VF0]);
    await ok(b, b.address, ['guest', 'stop', VF1]);
    expect([footprint(a.servers[0]!), footprint(b.servers[0]!)]).toEqual(before);
  }, 90_000);

  it('refuses a guest on a VF without mlx5_vfio_pci, a second guest, and a flow without a peer', async () => {
    await ok(a, a.address, ['vf', 'unbind', VF0]);
    await ok(a, a.address, ['vf', 'bind', VF0, 'mlx5_core']);
    const r = await cli(a, a.address, ['guest', 'start', VF0, '--program', 'echo']);
    expect(r.code).toBe(ExitCode.REMOTE);
    expect(r.err).toMatch(/EOPNOTSUPP.*mlx5_vfio_pci/);
    await ok(a, a.address, ['vf', 'unbind', VF0]);
    await ok(a, a.address, ['vf', 'bind', VF0, 'mlx5_vfio_pci']);
    await ok(a, a.address, ['guest', 'start', VF0, '--program', 'echo']);
    const twice = await cli(a, a.address, ['guest', 'start', VF0, '--program', 'echo']);
    expect(twice.err).toMatch(/EBUSY/);
    // The VMM holds the VF's vfio device: it is not unbound or removed under the guest.
    expect((await cli(a, a.address, ['vf', 'unbind', VF0])).err).toMatch(/EBUSY.*guest stop/);
    expect((await cli(a, a.address, ['vf', 'numvfs', PF, '0'])).err).toMatch(/EBUSY/);
    await ok(a, a.address, ['guest', 'stop', VF0]);
    const noPeer = await cli(a, a.address, ['guest', 'start', VF0, '--program', 'flow']);
    expect(noPeer.code).toBe(ExitCode.USAGE);
  }, 60_000);
});

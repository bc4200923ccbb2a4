/**
 * auxctld serving only fwctl devices, to an admin the policy allows
 * everything: what the fwctl source lacks is UNIMPLEMENTED with its reason
 * (the policy does not stop these calls first, as it does for lesser
 * principals).
 */
import { createHash } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CoredumpResponse,
  DumpMode,
  type ListDevicesRequest,
  type ListDevicesResponse,
  PortFunctionServiceClient,
  SimulatorServiceClient,
} from '@auxctl/proto';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  failure,
  type Harness,
  startHarness,
  unaryCall,
} from '../../test-support/server-harness.js';
import { type FwctlDouble, startFwctlDouble } from '../../testing/index.js';

describe('auxctld with the fwctl source: what it lacks', () => {
  let host: FwctlDouble;
  let h: Harness;

  beforeAll(async () => {
    host = await startFwctlDouble({ devices: 1 });
    h = await startHarness({ sources: ['fwctl'], fwctl: host.sourceOptions() });
  });
  afterAll(async () => {
    await h?.close();
    await host?.close();
  });

  it('faults, port functions and health reporters are UNIMPLEMENTED, saying why', async () => {
    const dev = host.devices[0] as string;
    const sim = new SimulatorServiceClient(h.address, h.admin);
    const ports = new PortFunctionServiceClient(h.address, h.admin);
    const devs = h.devices(h.admin);
    try {
      const f = await failure(unaryCall(sim.listFaults.bind(sim), { device: dev }));
      expect([f.code, f.details]).toEqual([
        status.UNIMPLEMENTED,
        expect.stringContaining('not simulated'),
      ]);
      const p = await failure(unaryCall(ports.list.bind(ports), { device: dev }));
      expect([p.code, p.details]).toEqual([
        status.UNIMPLEMENTED,
        expect.stringContaining('fwctl source, which does not manage port functions'),
      ]);
      const g = await failure(unaryCall(devs.getHealth.bind(devs), { device: dev, reporters: [] }));
      expect([g.code, g.details]).toEqual([
        status.UNIMPLEMENTED,
        expect.stringContaining('devlink'),
      ]);
    } finally {
      sim.close();
      ports.close();
    }
  });
});

describe('auxctld --source auto', () => {
  it('serves the fwctl devices when sysfs shows any, else the simulated ones', async () => {
    const host = await startFwctlDouble({ devices: 1 });
    const withFwctl = await startHarness({ sources: ['auto'], fwctl: host.sourceOptions() });
    const without = await startHarness({
      sources: ['auto'],
      devices: 2,
      fwctl: { ...host.sourceOptions(), sysfsRoot: `${host.sysfsRoot}-missing` },
    });
    try {
      const list = async (h: Harness) => {
        const c = h.devices(h.admin);
        const r = await unaryCall<ListDevicesRequest, ListDevicesResponse>(c.listDevices.bind(c), {
          devices: [],
        });
        return r.devices.map((d) => d.name);
      };
      expect(await list(withFwctl)).toEqual(host.devices);
      expect(withFwctl.server.devices.sources.map((s) => s.kind)).toEqual(['fwctl']);
      expect(without.server.devices.sources.map((s) => s.kind)).toEqual(['sim']);
      expect(await list(without)).toHaveLength(2);
    } finally {
      await withFwctl.close();
      await without.close();
      await host.close();
    }
  });
});

describe('auxctld with the fwctl source: coredumps from devlink health', () => {
  it('streams the fw_fatal dump devlink prints, framed and hashed like any dump', async () => {
    const host = await startFwctlDouble({ devices: 1 });
    const dir = await mkdtemp(join(tmpdir(), 'auxctl-devlink-'));
    const dump = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    const chunks = [dump.subarray(0, 256), dump.subarray(256)].map((c) => [...c]);
    const json = join(dir, 'dump.json');
    await writeFile(json, JSON.stringify({ crdump_data: chunks }));
    const devlink = join(dir, 'devlink');
    await writeFile(devlink, `#!/bin/sh\ncat ${JSON.stringify(json)}\n`);
    await chmod(devlink, 0o755);
    const h = await startHarness({
      sources: ['fwctl'],
      fwctl: { ...host.sourceOptions(), devlink: { path: devlink } },
    });
    try {
      const ctl = h.ctl(h.admin);
      const frames: CoredumpResponse[] = [];
      await new Promise<void>((resolve, reject) => {
        const call = ctl.coredump({ device: host.devices[0] as string, mode: 0, chunkSize: 0 });
        call.on('data', (f: CoredumpResponse) => frames.push(f));
        call.on('error', reject);
        call.on('end', resolve);
      });
      const header = frames[0]?.frame;
      expect(header?.$case).toBe('header');
      if (header?.$case !== 'header') throw new Error('no header');
      expect(header.header).toMatchObject({ size: dump.length, mode: DumpMode.DUMP_MODE_HOST });
      const data = Buffer.concat(
        frames.flatMap((f) => (f.frame?.$case === 'chunk' ? [f.frame.chunk.data] : [])),
      );
      expect(data).toEqual(dump);
      const trailer = frames.at(-1)?.frame;
      if (trailer?.$case !== 'trailer') throw new Error('no trailer');
      expect(Buffer.from(trailer.trailer.sha256).toString('hex')).toBe(
        createHash('sha256').update(dump).digest('hex'),
      );
    } finally {
      await h.close();
      await host.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

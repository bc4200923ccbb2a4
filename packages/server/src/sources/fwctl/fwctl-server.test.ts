/**
 * auxctld serving only fwctl devices, to an admin the policy allows
 * everything: what the fwctl source lacks is UNIMPLEMENTED with its reason
 * (the policy does not stop these calls first, as it does for lesser
 * principals).
 */
import { PortFunctionServiceClient, SimulatorServiceClient } from '@auxctl/proto';
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

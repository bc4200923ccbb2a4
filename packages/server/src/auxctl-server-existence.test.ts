/**
 * End-to-end: authorization does not reveal which devices exist. A caller
 * the policy refuses on a device gets the same PERMISSION_DENIED whether
 * the device exists or not, on every method that names a device; only a
 * caller allowed on every device learns that a name is unknown (NOT_FOUND).
 */
import { buildInbox } from '@auxctl/core';
import { NopIn, Op } from '@auxctl/prm';
import {
  type CtlServiceClient,
  type DeviceServiceClient,
  DumpMode,
  PortFunctionServiceClient,
  RpcScope,
  SimulatorServiceClient,
} from '@auxctl/proto';
import { type ChannelCredentials, type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyDocument } from './policy/index.js';
import { failure, type Harness, startHarness, unaryCall } from './test-support/server-harness.js';

const ADMIN = 'spiffe://auxctl/admin';
const ONE = 'spiffe://auxctl/one-device';
const DEV0 = '0000:08:00.0';
const DEV1 = '0000:09:00.0';
const MISSING = '0000:ff:00.0';
const POLICY: PolicyDocument = {
  version: 1,
  deny: [],
  allow: [
    { principals: [ADMIN], methods: ['*'], devices: ['*'] },
    { principals: [ONE], methods: ['*'], devices: [DEV0] },
  ],
};

/** streamFailure: the status a server stream ends with (its first error). */
function streamFailure(stream: NodeJS.EventEmitter & { cancel(): void }): Promise<ServiceError> {
  return new Promise((resolve) => {
    stream.on('data', () => {});
    stream.on('error', (e: ServiceError) => resolve(e));
    stream.on('end', () => resolve({ code: status.OK, details: '' } as ServiceError));
  });
}

describe('authorization does not reveal which devices exist', () => {
  let h: Harness;
  let one: ChannelCredentials;
  let ctl: CtlServiceClient;
  let devs: DeviceServiceClient;
  let ports: PortFunctionServiceClient;
  let sim: SimulatorServiceClient;

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY });
    one = await h.clientAs(ONE);
    ctl = h.ctl(one);
    devs = h.devices(one);
    ports = new PortFunctionServiceClient(h.address, one);
    sim = new SimulatorServiceClient(h.address, one);
  });
  afterAll(async () => {
    ports?.close();
    sim?.close();
    await h?.close();
  });

  /** Each call of the refused caller on `device`, with the status it ended with. */
  async function outcomes(device: string): Promise<Record<string, [number, string]>> {
    const of = async (p: Promise<unknown>): Promise<[number, string]> => {
      const e = await failure(p);
      return [e.code, e.details.replaceAll(device, 'DEV')];
    };
    const session = ctl.session();
    session.write({
      kind: { $case: 'open', open: { device, scope: RpcScope.RPC_SCOPE_CONFIGURATION } },
    });
    const sessionEnd = await streamFailure(session);
    return {
      exec: await of(
        unaryCall(ctl.exec.bind(ctl), {
          device,
          scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY,
          inbox: buildInbox(NopIn, Op.NOP),
          outLen: 16,
        }),
      ),
      session: [sessionEnd.code, sessionEnd.details.replaceAll(device, 'DEV')],
      list: await of(unaryCall(devs.listDevices.bind(devs), { devices: [device] })),
      health: await of(unaryCall(devs.getHealth.bind(devs), { device, reporters: [] })),
      coredump: await (async (): Promise<[number, string]> => {
        const e = await streamFailure(
          ctl.coredump({ device, mode: DumpMode.DUMP_MODE_INLINE, chunkSize: 0 }),
        );
        return [e.code, e.details.replaceAll(device, 'DEV')];
      })(),
      ports: await of(unaryCall(ports.list.bind(ports), { device })),
      faults: await of(unaryCall(sim.listFaults.bind(sim), { device })),
    };
  }

  it('answers PERMISSION_DENIED alike for an existing and a missing device', async () => {
    const existing = await outcomes(DEV1);
    const missing = await outcomes(MISSING);
    for (const [method, [code]] of Object.entries(existing)) {
      expect([method, code]).toEqual([method, status.PERMISSION_DENIED]);
    }
    expect(missing).toEqual(existing);
  });

  it('tells a caller allowed on every device that a name is unknown', async () => {
    const e = await failure(
      unaryCall(h.devices(h.admin).getHealth.bind(h.devices(h.admin)), {
        device: MISSING,
        reporters: [],
      }),
    );
    expect(e.code).toBe(status.NOT_FOUND);
  });
});

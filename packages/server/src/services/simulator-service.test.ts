import { buildInbox } from '@auxctl/core';
import { CmdHdrOut, NopIn, Op } from '@auxctl/prm';
import {
  type ClearFaultsRequest,
  type ClearFaultsResponse,
  type ExecRequest,
  type ExecResponse,
  GetHealthRequest,
  type GetHealthResponse,
  type InjectFaultRequest,
  type InjectFaultResponse,
  type ListFaultsRequest,
  type ListFaultsResponse,
  RpcScope,
  SimulatorServiceClient,
} from '@auxctl/proto';
import { type ChannelCredentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure, type Harness, startHarness, unaryCall } from '../test-support/server-harness.js';

// Fault injection over the wire: each fault is armed through SimulatorService
// and seen through the ordinary API (Exec outboxes, deadlines, health), then
// cleared; only a principal allowed DEBUG_WRITE_FULL may do it.
const ADMIN = 'spiffe://auxctl/admin';
const OPS = 'spiffe://auxctl/ops';
const DEV0 = '0000:08:00.0';
const DEV1 = '0000:09:00.0';
const NOP = Op.NOP;

describe('SimulatorService', () => {
  let h: Harness;
  let sim: SimulatorServiceClient;
  const audit: Record<string, unknown>[] = [];
  beforeAll(async () => {
    h = await startHarness({
      devices: 2,
      health: { poll: false, autoRecover: false },
      auditLogger: {
        info: (o: Record<string, unknown>) => audit.push(o),
        warn: (o: Record<string, unknown>) => audit.push(o),
        error: () => {},
        debug: () => {},
        isLevelEnabled: () => true,
        child() {
          return this;
        },
      } as never,
      policy: {
        version: 1,
        deny: [],
        allow: [
          { principals: [ADMIN], methods: ['*'], devices: ['*'] },
          { principals: [OPS], methods: ['*'], devices: ['*'], maxScope: 'DEBUG_WRITE' },
        ],
      },
    });
    sim = new SimulatorServiceClient(h.address, h.admin);
  });
  afterAll(async () => {
    sim.close();
    await h.close();
  });

  const inject = (req: Partial<InjectFaultRequest>, client = sim) =>
    unaryCall<InjectFaultRequest, InjectFaultResponse>(client.injectFault.bind(client), {
      device: DEV0,
      fault: undefined,
      ...req,
    });
  const list = (device = DEV0) =>
    unaryCall<ListFaultsRequest, ListFaultsResponse>(sim.listFaults.bind(sim), { device });
  const clear = (device = DEV0) =>
    unaryCall<ClearFaultsRequest, ClearFaultsResponse>(sim.clearFaults.bind(sim), { device });
  const nop = (device = DEV0, deadlineMs?: number) =>
    new Promise<ExecResponse>((resolve, reject) => {
      const c = h.ctl(h.admin);
      const req: ExecRequest = {
        device,
        scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY,
        inbox: buildInbox(NopIn, NOP),
        outLen: 16,
      };
      const opts = { deadline: Date.now() + (deadlineMs ?? 30_000) };
      c.exec(req, new Metadata(), opts, (err: ServiceError | null, res: ExecResponse) =>
        err ? reject(err) : resolve(res),
      );
    });
  const statusOf = (r: ExecResponse) => CmdHdrOut.get(r.outbox, 'status');

  it('a forced status fails the next command of the opcode in its outbox, then commands pass', async () => {
    await inject({
      fault: {
        $case: 'forceStatus',
        forceStatus: { opcode: NOP, status: 3, syndrome: 0x1234, count: 1 },
      },
    });
    const forced = await nop();
    expect(statusOf(forced)).toBe(3);
    expect(CmdHdrOut.get(forced.outbox, 'syndrome')).toBe(0x1234);
    expect(statusOf(await nop())).toBe(0);
  });

  it('a delay is listed until cleared', async () => {
    const r = await inject({ fault: { $case: 'delay', delay: { opcode: NOP, delayMs: 25 } } });
    expect(r.armed).toEqual([
      { kind: 'delay', opcode: NOP, opcodeName: 'NOP', value: 25, untilCleared: false },
    ]);
    expect(statusOf(await nop())).toBe(0);
    expect((await list()).armed).toHaveLength(1);
    await clear();
    expect((await list()).armed).toEqual([]);
  });

  it('a lost completion leaves the command unanswered until the caller gives up', async () => {
    await inject({
      fault: { $case: 'loseCompletion', loseCompletion: { opcode: NOP, count: 0 } },
    });
    expect((await list()).armed).toEqual([
      { kind: 'lost', opcode: NOP, opcodeName: 'NOP', value: 0, untilCleared: true },
    ]);
    const err = await failure(nop(DEV0, 300));
    expect(err.code).toBe(status.DEADLINE_EXCEEDED);
    await clear();
    expect((await list()).armed).toEqual([]);
  });

  it('a fatal error shows in health and the device stops taking commands', async () => {
    await inject({
      device: DEV1,
      fault: { $case: 'fatal', fatal: { syndrome: 0, extSyndrome: 7 } },
    });
    h.server.fleet.core(DEV1).health.poller.poll();
    const d = h.devices(h.admin);
    const health = await unaryCall<GetHealthRequest, GetHealthResponse>(
      d.getHealth.bind(d),
      GetHealthRequest.fromPartial({ device: DEV1 }),
    );
    expect(JSON.stringify(health)).toContain('"extSyndrome":7');
    const err = await failure(nop(DEV1));
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.details).toContain(`device ${DEV1} is`);
  });

  it('refuses a principal below DEBUG_WRITE_FULL, for a real and an unknown device alike, and audits it', async () => {
    const ops: ChannelCredentials = await h.clientAs(OPS);
    const c = new SimulatorServiceClient(h.address, ops);
    try {
      const onReal = await failure(
        inject({ fault: { $case: 'delay', delay: { opcode: NOP, delayMs: 1 } } }, c),
      );
      const onUnknown = await failure(
        inject(
          { device: '0000:ff:00.0', fault: { $case: 'delay', delay: { opcode: NOP, delayMs: 1 } } },
          c,
        ),
      );
      expect(onReal.code).toBe(status.PERMISSION_DENIED);
      expect(onUnknown.code).toBe(status.PERMISSION_DENIED);
      expect(onUnknown.details.replace('0000:ff:00.0', DEV0)).toBe(onReal.details);
      expect(audit).toContainEqual(
        expect.objectContaining({
          principal: OPS,
          method: 'auxctl.v1.SimulatorService/InjectFault',
          device: DEV0,
        }),
      );
      expect((await list()).armed).toEqual([]);
    } finally {
      c.close();
    }
  });

  it('audits each change with its outcome, and a request without a fault is INVALID_ARGUMENT', async () => {
    const err = await failure(inject({}));
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(audit).toContainEqual(
      expect.objectContaining({ event: 'sim-fault', action: 'inject', result: 'EINVAL' }),
    );
    expect(audit).toContainEqual(
      expect.objectContaining({
        event: 'sim-fault',
        action: 'clear',
        result: 'ok',
        principal: ADMIN,
      }),
    );
  });
});

import {
  CtlServiceService,
  Device,
  DeviceServiceService,
  DeviceState,
  type ExecRequest,
  type ListDevicesRequest,
  RpcScope,
  type WatchDevicesRequest,
  type WatchDevicesResponse,
} from '@auxctl/proto';
import {
  credentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type sendUnaryData,
  status,
} from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { AuxctlClient } from './auxctl-client.js';
import { AuxctlError } from './auxctl-error.js';
import { grpcError, startTestServer, type TestServer } from './test-support/test-server.js';

const device = (name: string, id: number): Device =>
  Device.fromPartial({ name, id, state: DeviceState.DEVICE_STATE_UP });

const DEVICES = [device('0000:08:00.0', 0), device('0000:08:00.1', 1)];

let running: TestServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

const deviceHandlers = {
  listDevices(
    call: ServerUnaryCall<ListDevicesRequest, unknown>,
    cb: sendUnaryData<{ devices: Device[] }>,
  ) {
    const want = call.request.devices;
    const unknown = want.find((n) => !DEVICES.some((d) => d.name === n));
    if (unknown !== undefined) cb(grpcError(status.NOT_FOUND, `no device ${unknown}`), null);
    else
      cb(null, {
        devices: want.length === 0 ? DEVICES : DEVICES.filter((d) => want.includes(d.name)),
      });
  },
};

describe('AuxctlClient unary calls', () => {
  it('listDevices returns every device, or the named ones', async () => {
    running = await startTestServer([
      { definition: DeviceServiceService, handlers: deviceHandlers },
    ]);
    const all = await running.client.listDevices();
    expect(all.map((d) => d.name)).toEqual(['0000:08:00.0', '0000:08:00.1']);
    expect(all[1]?.state).toBe(DeviceState.DEVICE_STATE_UP);
    const one = await running.client.listDevices(['0000:08:00.1']);
    expect(one.map((d) => d.id)).toEqual([1]);
  });

  it('maps a status to AuxctlError with the code name and the server details', async () => {
    running = await startTestServer([
      { definition: DeviceServiceService, handlers: deviceHandlers },
    ]);
    const err = await running.client.listDevices(['0000:ff:00.0']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuxctlError);
    const e = err as AuxctlError;
    expect(e.code).toBe('NOT_FOUND');
    expect(e.grpcCode).toBe(status.NOT_FOUND);
    expect(e.details).toBe('no device 0000:ff:00.0');
    expect(e.message).toContain('ListDevices');
  });

  it('exec sends device, scope, inbox and out_len and returns the outbox', async () => {
    const seen: ExecRequest[] = [];
    running = await startTestServer([
      {
        definition: CtlServiceService,
        handlers: {
          exec(call: ServerUnaryCall<ExecRequest, unknown>, cb: sendUnaryData<{ outbox: Buffer }>) {
            seen.push(call.request);
            if (call.request.scope === RpcScope.RPC_SCOPE_DEBUG_WRITE_FULL) {
              cb(grpcError(status.PERMISSION_DENIED, 'EPERM: scope not allowed'), null);
              return;
            }
            const out = Buffer.alloc(call.request.outLen, 0);
            call.request.inbox.copy(out, 16, 0, call.request.outLen - 16);
            cb(null, { outbox: out });
          },
        },
      },
    ]);
    const inbox = Buffer.from('0001000000000000000000000000000042', 'hex');
    const out = await running.client.exec('0000:08:00.0', 'CONFIGURATION', inbox, 40);
    expect(out.length).toBe(40);
    expect(out.subarray(16, 16 + inbox.length)).toEqual(inbox);
    expect(seen[0]).toMatchObject({
      device: '0000:08:00.0',
      scope: RpcScope.RPC_SCOPE_CONFIGURATION,
      outLen: 40,
    });
    const denied = await running.client
      .exec('0000:08:00.0', 'DEBUG_WRITE_FULL', inbox, 40)
      .catch((e: unknown) => e as AuxctlError);
    expect(denied).toMatchObject({
      code: 'PERMISSION_DENIED',
      details: 'EPERM: scope not allowed',
    });
  });

  it('a call with no answer within the deadline is DEADLINE_EXCEEDED and is cancelled on the server', async () => {
    let cancelled: () => void = () => {};
    const sawCancel = new Promise<void>((resolve) => {
      cancelled = resolve;
    });
    running = await startTestServer([
      {
        definition: DeviceServiceService,
        handlers: {
          // Never answers; reports when the client gives up on the call.
          listDevices(call: ServerUnaryCall<ListDevicesRequest, unknown>) {
            call.on('cancelled', () => cancelled());
          },
        },
      },
    ]);
    const quick = new AuxctlClient(
      { address: running.address, credentials: credentials.createInsecure(), options: {} },
      { deadlineMs: 150 },
    );
    try {
      await expect(quick.listDevices()).rejects.toMatchObject({
        code: 'DEADLINE_EXCEEDED',
        grpcCode: status.DEADLINE_EXCEEDED,
      });
      await sawCancel;
    } finally {
      quick.close();
    }
  });

  it('a server that is gone is UNAVAILABLE, and a closed client says so', async () => {
    running = await startTestServer([
      { definition: DeviceServiceService, handlers: deviceHandlers },
    ]);
    const address = running.address;
    const closed = running.client;
    await running.stop();
    running = undefined;
    await expect(closed.listDevices()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      details: expect.stringContaining('closed'),
    });
    const fresh = new AuxctlClient({
      address,
      credentials: credentials.createInsecure(),
      options: {},
    });
    try {
      await expect(fresh.listDevices()).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        grpcCode: status.UNAVAILABLE,
      });
    } finally {
      fresh.close();
    }
  });
});

describe('AuxctlClient.watchDevices', () => {
  it('yields events as an async iterable and cancels the call when the loop stops', async () => {
    let cancelled: () => void = () => {};
    const serverSawCancel = new Promise<void>((r) => {
      cancelled = r;
    });
    let request: WatchDevicesRequest | undefined;
    running = await startTestServer([
      {
        definition: DeviceServiceService,
        handlers: {
          watchDevices(call: ServerWritableStream<WatchDevicesRequest, WatchDevicesResponse>) {
            request = call.request;
            call.on('cancelled', () => cancelled());
            for (let sequence = 1; sequence <= 5; sequence++) {
              call.write({
                sequence,
                device: '0000:08:00.0',
                event: { $case: 'taint', taint: { reason: `r${sequence}` } },
              });
            }
            // Left open: only the client's cancel ends it.
          },
        },
      },
    ]);
    const seen: number[] = [];
    for await (const ev of running.client.watchDevices({ sendSnapshot: true, resumeAfter: 9 })) {
      seen.push(ev.sequence);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(request).toMatchObject({ sendSnapshot: true, resumeAfter: 9, devices: [] });
    await serverSawCancel;
  });

  it('ends with AuxctlError on a server error, and quietly on abort', async () => {
    running = await startTestServer([
      {
        definition: DeviceServiceService,
        handlers: {
          watchDevices(call: ServerWritableStream<WatchDevicesRequest, WatchDevicesResponse>) {
            if (call.request.devices.length > 0) {
              call.emit('error', grpcError(status.NOT_FOUND, 'no device x'));
              return;
            }
            call.write({
              sequence: 1,
              device: 'd',
              event: { $case: 'taint', taint: { reason: 'x' } },
            });
          },
        },
      },
    ]);
    const failing = async () => {
      for await (const _ of running?.client.watchDevices({ devices: ['x'] }) ?? []) {
        // no events expected
      }
    };
    await expect(failing()).rejects.toMatchObject({ code: 'NOT_FOUND', details: 'no device x' });
    const abort = new AbortController();
    const got: number[] = [];
    for await (const ev of running.client.watchDevices({}, abort.signal)) {
      got.push(ev.sequence);
      abort.abort();
    }
    expect(got).toEqual([1]);
  });
});

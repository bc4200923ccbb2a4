/**
 * End-to-end: open streaming calls are capped per connection and per
 * principal (RESOURCE_EXHAUSTED saying which), a slot comes back when its
 * stream ends, and HTTP/2 itself holds a connection to
 * `maxConcurrentStreams` calls of any kind.
 */
import {
  DeviceServiceClient,
  type ListDevicesRequest,
  type ListDevicesResponse,
  type WatchDevicesResponse,
} from '@auxctl/proto';
import {
  type ChannelCredentials,
  type ClientReadableStream,
  Metadata,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../policy/index.js';
import { type Harness, startHarness, unaryCall } from '../test-support/server-harness.js';

const ALICE = 'spiffe://auxctl/alice';
const BOB = 'spiffe://auxctl/bob';
const POLICY: PolicyDocument = {
  version: 1,
  deny: [],
  allow: [{ principals: [ALICE, BOB], methods: ['*'], devices: ['*'] }],
};

type Watch = ClientReadableStream<WatchDevicesResponse>;

/** started: resolves once the stream delivered its first message, or with its error. */
function started(w: Watch): Promise<ServiceError | undefined> {
  return new Promise((resolve) => {
    w.once('data', () => resolve(undefined));
    w.once('error', (e: ServiceError) => resolve(e));
  });
}

describe('stream caps', () => {
  let h: Harness;
  const open: Watch[] = [];
  const clients: DeviceServiceClient[] = [];

  /** connection: a client on a connection of its own. */
  const connection = (creds: ChannelCredentials): DeviceServiceClient => {
    const c = new DeviceServiceClient(h.address, creds, { 'grpc.use_local_subchannel_pool': 1 });
    clients.push(c);
    return c;
  };
  const watch = (c: DeviceServiceClient): Watch => {
    const w = c.watchDevices({ devices: [], sendSnapshot: true, resumeAfter: 0 });
    w.on('error', () => {});
    open.push(w);
    return w;
  };

  beforeAll(async () => {
    h = await startHarness({
      policy: POLICY,
      limits: { streamsPerConnection: 2, streamsPerPrincipal: 3, maxConcurrentStreams: 3 },
    });
  });

  afterAll(async () => {
    for (const w of open) w.cancel();
    for (const c of clients) c.close();
    await h.close();
  });

  it('refuses a stream past the per-connection and per-principal caps and frees slots when streams end', async () => {
    const alice = await h.clientAs(ALICE);
    const a1 = connection(alice);
    const first = [watch(a1), watch(a1)];
    expect(await Promise.all(first.map(started))).toEqual([undefined, undefined]);
    const third = await started(watch(a1));
    expect(third?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(third?.details).toMatch(/open streams per connection/);

    const a2 = connection(alice);
    expect(await started(watch(a2))).toBeUndefined();
    const fourth = await started(watch(a2));
    expect(fourth?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(fourth?.details).toMatch(/open streams per principal/);
    // Unary calls are not streams: still served.
    const list = await unaryCall<ListDevicesRequest, ListDevicesResponse>(
      (req, cb) => a2.listDevices(req, cb),
      { devices: [] },
    );
    expect(list.devices.length).toBeGreaterThan(0);

    // Another principal has caps of its own.
    const b = connection(await h.clientAs(BOB));
    expect(await started(watch(b))).toBeUndefined();

    // A stream that ends gives its slot back.
    first[0]?.cancel();
    let again: ServiceError | undefined;
    for (let i = 0; i < 200; i++) {
      again = await started(watch(a2));
      if (again === undefined) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(again).toBeUndefined();
  });
});

describe('HTTP/2 max concurrent streams', () => {
  it('holds one connection to maxConcurrentStreams calls of any kind', async () => {
    const h = await startHarness({
      policy: POLICY,
      limits: { streamsPerConnection: 10, maxConcurrentStreams: 2 },
    });
    const c = new DeviceServiceClient(h.address, await h.clientAs(ALICE), {
      'grpc.use_local_subchannel_pool': 1,
    });
    const ws: Watch[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const w = c.watchDevices({ devices: [], sendSnapshot: true, resumeAfter: 0 });
        w.on('error', () => {});
        ws.push(w);
      }
      expect(await Promise.all(ws.map(started))).toEqual([undefined, undefined]);
      const list = (deadlineMs: number) =>
        new Promise<ServiceError | null>((resolve) => {
          c.listDevices(
            { devices: [] },
            new Metadata(),
            { deadline: Date.now() + deadlineMs },
            (err) => resolve(err),
          );
        });
      // Both HTTP/2 slots are taken: a third call cannot start before its deadline.
      expect((await list(300))?.code).toBe(status.DEADLINE_EXCEEDED);
      ws[0]?.cancel();
      expect(await list(10_000)).toBeNull();
    } finally {
      for (const w of ws) w.cancel();
      c.close();
      await h.close();
    }
  });
});

import { createHash } from 'node:crypto';
import { credentials, Server, ServerCredentials, type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CoredumpRequest,
  type CoredumpResponse,
  CtlServiceClient,
  CtlServiceService,
  type ExecRequest,
  type ExecResponse,
  type ResourceDumpResponse,
  type SessionResponse,
} from './gen/auxctl/v1/ctl_service.js';
import type { DumpHeader } from './gen/auxctl/v1/dump.js';
import { RpcScope } from './gen/auxctl/v1/scope.js';
import { type FakeDump, fakeCtlService, fakeOutbox } from './test-support/fake-ctl-service.js';

const CHUNK = 64 * 1024;

/** A dump of a few chunks whose last chunk is short, with bytes that differ by offset. */
function patternDump(dumpId: string, size: number, seed: number): FakeDump {
  const data = Buffer.alloc(size);
  for (let i = 0; i < size; i++) data[i] = (i * 31 + seed) & 0xff;
  return { dumpId, data, createdAt: new Date('2025-01-02T03:04:05.678Z') };
}

const coredump = patternDump('crdump-1', 3 * CHUNK + 1234, 7);
const rscdump = patternDump('rsc-1', CHUNK + 10, 99);

let server: Server;
let client: CtlServiceClient;

beforeAll(async () => {
  server = new Server();
  server.addService(CtlServiceService, fakeCtlService(coredump, rscdump, CHUNK));
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  client = new CtlServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.tryShutdown(() => resolve());
  });
});

function exec(req: ExecRequest): Promise<ExecResponse> {
  return new Promise((resolve, reject) =>
    client.exec(req, (err, res) => (err ? reject(err) : resolve(res))),
  );
}

/** Collected: a dump stream's frames, in order. */
interface Collected {
  headers: DumpHeader[];
  chunks: { offset: number; data: Buffer }[];
  sha256: Buffer[];
}

async function collect(
  stream: AsyncIterable<CoredumpResponse | ResourceDumpResponse>,
): Promise<Collected> {
  const out: Collected = { headers: [], chunks: [], sha256: [] };
  for await (const msg of stream) {
    const frame = (msg as CoredumpResponse).frame;
    if (frame?.$case === 'header') out.headers.push(frame.header);
    else if (frame?.$case === 'chunk') out.chunks.push(frame.chunk);
    else if (frame?.$case === 'trailer') out.sha256.push(frame.trailer.sha256);
  }
  return out;
}

function coredumpStream(req: Partial<CoredumpRequest>) {
  return client.coredump({ device: '0000:08:00.0', mode: 0, chunkSize: 0, ...req });
}

describe('CtlService over a real grpc-js server on 127.0.0.1:0', () => {
  it('Exec returns the outbox of the fake firmware', async () => {
    const inbox = Buffer.from('0101000000000000000000000000000000000000aabbccdd', 'hex');
    const res = await exec({
      device: '0000:08:00.0',
      scope: RpcScope.RPC_SCOPE_CONFIGURATION,
      inbox,
      outLen: 48,
    });
    expect(res.outbox).toEqual(fakeOutbox(inbox, 48));
    expect(res.outbox.length).toBe(48);
  });

  it('Exec maps a refused request to a gRPC status, not a crash', async () => {
    const err = await exec({
      device: '0000:08:00.0',
      scope: RpcScope.RPC_SCOPE_CONFIGURATION,
      inbox: Buffer.alloc(4),
      outLen: 16,
    }).catch((e: unknown) => e as ServiceError);
    expect((err as ServiceError).code).toBe(status.INVALID_ARGUMENT);
    expect((err as ServiceError).details).toMatch(/EINVAL/);
  });

  it('Coredump streams header, gap-free chunks and a trailer whose SHA-256 matches', async () => {
    const got = await collect(coredumpStream({}));
    expect(got.headers).toEqual([
      {
        dumpId: 'crdump-1',
        size: coredump.data.length,
        device: '0000:08:00.0',
        fwVersion: '22.41.1000',
        createdAt: coredump.createdAt,
        chunkSize: CHUNK,
        offset: 0,
        mode: 1,
      },
    ]);
    expect(got.chunks.map((c) => c.offset)).toEqual([0, CHUNK, 2 * CHUNK, 3 * CHUNK]);
    expect(got.chunks.every((c) => c.data.length <= CHUNK)).toBe(true);
    const whole = Buffer.concat(got.chunks.map((c) => c.data));
    expect(whole.equals(coredump.data)).toBe(true);
    expect(got.sha256).toHaveLength(1);
    expect(got.sha256[0]).toEqual(createHash('sha256').update(whole).digest());
  });

  it('Coredump resumes from an offset and the trailer still covers the whole dump', async () => {
    const offset = 2 * CHUNK + 5;
    const got = await collect(coredumpStream({ resume: { dumpId: 'crdump-1', offset } }));
    expect(got.headers[0]?.offset).toBe(offset);
    expect(got.chunks[0]?.offset).toBe(offset);
    const tail = Buffer.concat(got.chunks.map((c) => c.data));
    expect(tail.equals(coredump.data.subarray(offset))).toBe(true);
    expect(got.sha256[0]).toEqual(createHash('sha256').update(coredump.data).digest());
  });

  it('Coredump with an unknown dump id ends with NOT_FOUND', async () => {
    const err = await collect(coredumpStream({ resume: { dumpId: 'gone', offset: 0 } })).catch(
      (e: unknown) => e as ServiceError,
    );
    expect((err as ServiceError).code).toBe(status.NOT_FOUND);
  });

  it('ResourceDump uses the same framing', async () => {
    const got = await collect(
      client.resourceDump({
        device: '0000:08:00.0',
        mode: 0,
        chunkSize: 0,
        segment: { $case: 'segmentName', segmentName: 'FULL_QPC' },
        index1: 0,
        index2: 0,
        numOfObj1: 0,
        numOfObj2: 0,
      }),
    );
    expect(got.headers[0]?.dumpId).toBe('rsc-1');
    expect(Buffer.concat(got.chunks.map((c) => c.data)).equals(rscdump.data)).toBe(true);
    expect(got.sha256[0]).toEqual(createHash('sha256').update(rscdump.data).digest());
  });

  it('Session: open answers info, pipelined RPCs are answered by request id, end closes', async () => {
    const call = client.session();
    const replies: SessionResponse[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      call.on('data', (r: SessionResponse) => replies.push(r));
      call.on('end', resolve);
      call.on('error', reject);
    });
    call.write({
      kind: {
        $case: 'open',
        open: { device: '0000:08:00.0', scope: RpcScope.RPC_SCOPE_DEBUG_READ_ONLY },
      },
    });
    const inbox = Buffer.alloc(16, 0xab);
    for (const requestId of [1, 2, 3]) {
      call.write({ kind: { $case: 'rpc', rpc: { requestId, inbox, outLen: 16 + requestId } } });
    }
    call.write({ kind: { $case: 'rpc', rpc: { requestId: 4, inbox, outLen: 8 } } });
    call.end();
    await ended;

    expect(replies[0]?.kind?.$case).toBe('info');
    const results = new Map<number, Buffer>();
    const errors = new Map<number, string>();
    for (const r of replies.slice(1)) {
      if (r.kind?.$case === 'result') results.set(r.kind.result.requestId, r.kind.result.outbox);
      if (r.kind?.$case === 'error') errors.set(r.kind.error.requestId, r.kind.error.code);
    }
    expect([...results.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3]);
    expect(results.get(2)).toEqual(fakeOutbox(inbox, 18));
    expect(errors).toEqual(new Map([[4, 'EINVAL']]));
  });
});

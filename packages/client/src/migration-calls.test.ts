import {
  type LoadRequest,
  type LoadResponse,
  MigrationServiceService,
  MigrationState,
} from '@auxctl/proto';
import type { ServerReadableStream, sendUnaryData } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './test-support/test-server.js';

/** LoadSeen: what the server's Load handler saw of one stream. */
interface LoadSeen {
  readonly kinds: string[];
  /** Resolves once the server saw the call cancelled. */
  readonly cancelled: Promise<void>;
}

/** serveLoad: a server whose Load answers RUNNING once the stream ends; `seen` tells what it got. */
async function serveLoad(): Promise<{ server: TestServer; seen: LoadSeen[] }> {
  const seen: LoadSeen[] = [];
  const load = (
    call: ServerReadableStream<LoadRequest, LoadResponse>,
    cb: sendUnaryData<LoadResponse>,
  ): void => {
    const kinds: string[] = [];
    const cancelled = new Promise<void>((resolve) => call.on('cancelled', () => resolve()));
    call.on('end', () =>
      cb(null, { state: MigrationState.MIGRATION_STATE_RUNNING, bytes: kinds.length }),
    );
    call.on('data', (m: LoadRequest) => kinds.push(m.kind?.$case ?? 'none'));
    call.on('error', () => {});
    seen.push({ kinds, cancelled });
  };
  const server = await startTestServer([
    { definition: MigrationServiceService, handlers: { load } },
  ]);
  return { server, seen };
}

/** messages: a header and `n` data messages; `pulled` counts what the client took. */
function messages(n: number): { source: AsyncIterable<LoadRequest>; pulled: () => number } {
  let pulled = 0;
  async function* source(): AsyncGenerator<LoadRequest> {
    pulled++;
    yield { kind: { $case: 'header', header: { vf: '0000:08:00.2' } } };
    for (let i = 0; i < n; i++) {
      pulled++;
      yield { kind: { $case: 'data', data: Buffer.alloc(8, i) } };
    }
  }
  return { source: source(), pulled: () => pulled };
}

let running: TestServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

describe('MigrationCalls.load', () => {
  it('writes every message in order and resolves the answer', async () => {
    const { server, seen } = await serveLoad();
    running = server;
    const { source } = messages(3);
    const res = await server.client.migration.load(source);
    expect(res).toEqual({ state: MigrationState.MIGRATION_STATE_RUNNING, bytes: 4 });
    expect(seen[0]?.kinds).toEqual(['header', 'data', 'data', 'data']);
  });

  it('cancels the stream for a signal that aborted before the call, pulling nothing', async () => {
    const { server } = await serveLoad();
    running = server;
    const { source, pulled } = messages(3);
    const ac = new AbortController();
    ac.abort();
    await expect(server.client.migration.load(source, ac.signal)).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect(pulled()).toBe(0);
  });

  it('cancels the stream on the server when the signal aborts during it', async () => {
    const { server, seen } = await serveLoad();
    running = server;
    const ac = new AbortController();
    // A source that stops after its header until the test aborts.
    let headerSent!: () => void;
    const sent = new Promise<void>((r) => {
      headerSent = r;
    });
    async function* stalled(): AsyncGenerator<LoadRequest> {
      yield { kind: { $case: 'header', header: { vf: '0000:08:00.2' } } };
      headerSent();
      await new Promise<void>((r) => ac.signal.addEventListener('abort', () => r()));
      yield { kind: { $case: 'data', data: Buffer.alloc(8) } };
    }
    const done = server.client.migration.load(stalled(), ac.signal);
    await sent;
    await expect.poll(() => seen[0]?.kinds.length).toBe(1);
    ac.abort();
    await expect(done).rejects.toMatchObject({ code: 'CANCELLED' });
    await seen[0]?.cancelled;
    // The message the source gave after the abort was not sent.
    expect(seen[0]?.kinds).toEqual(['header']);
  });
});

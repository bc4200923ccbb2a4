/**
 * End-to-end: a client that never reads costs a stream buffer, never a
 * dump. Its dump stays pinned (counted) in the store while its stream
 * waits for the transport, so the store's byte bound holds with stalled
 * downloads, and a capture that would not fit beside them is refused with
 * RESOURCE_EXHAUSTED; nothing counts as delivered until the trailer went.
 */
import { type CoredumpResponse, type CtlServiceClient, DumpMode } from '@auxctl/proto';
import { type ClientReadableStream, type ServiceError, status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../test-support/server-harness.js';

const DEV0 = '0000:08:00.0';
const KiB = 1024;
const DUMP = 512 * KiB;

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('dump streams whose client never reads', () => {
  let h: Harness;
  let ctl: CtlServiceClient;
  const calls: ClientReadableStream<CoredumpResponse>[] = [];

  const stalled = (): ClientReadableStream<CoredumpResponse> => {
    const c = ctl.coredump({ device: DEV0, mode: DumpMode.DUMP_MODE_UMEM, chunkSize: 64 * KiB });
    c.pause();
    c.on('error', () => {});
    calls.push(c);
    return c;
  };

  beforeAll(async () => {
    h = await startHarness({
      crdumpSize: DUMP,
      dumps: { storeBytes: 2 * DUMP + DUMP / 2, concurrent: 8, concurrentPerPrincipal: 8 },
    });
    ctl = h.ctl(h.admin);
  });

  afterAll(async () => {
    for (const c of calls) c.cancel();
    await h.close();
  });

  it('keep their dumps pinned within the store bound; a capture past it is RESOURCE_EXHAUSTED', async () => {
    stalled();
    stalled();
    const d = h.server.dumps;
    await until(() => d.streams.stats().waitingForFlush === 2, 'two stalled streams');
    // Each stalled stream holds its HTTP/2 window and about a chunk; the rest is only in the store.
    expect(d.streams.stats().chunksWritten).toBeLessThan((2 * DUMP) / (64 * KiB));
    expect(d.streams.stats().delivered).toBe(0);
    expect(d.store.stats()).toMatchObject({ entries: 2, pinned: 2, bytes: 2 * DUMP });
    const third = await new Promise<ServiceError | undefined>((resolve) => {
      const c = ctl.coredump({ device: DEV0, mode: DumpMode.DUMP_MODE_UMEM, chunkSize: 0 });
      c.on('data', () => {});
      c.on('error', (e: ServiceError) => resolve(e));
      c.on('end', () => resolve(undefined));
    });
    expect(third?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(third?.details).toMatch(/dumps being downloaded/);
    expect(d.store.stats().bytes).toBeLessThanOrEqual(2 * DUMP + DUMP / 2);

    // Reading again finishes both downloads; then they count as delivered and unpin.
    for (const c of calls) {
      c.on('data', () => {});
      c.resume();
    }
    await until(() => d.streams.stats().delivered === 2, 'both downloads delivered');
    await until(() => d.store.stats().pinned === 0, 'the pins released');
  });
});

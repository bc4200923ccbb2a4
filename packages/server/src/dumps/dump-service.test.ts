import { createHash } from 'node:crypto';
import { coredump, resourceDump } from '@auxctl/ctl-aux';
import { decodeMenu, SegmentType, splitSegments } from '@auxctl/prm';
import {
  type CoredumpRequest,
  type CoredumpResponse,
  type CtlServiceClient,
  type DumpHeader,
  DumpMode,
  type ResourceDumpRequest,
} from '@auxctl/proto';
import { type ClientReadableStream, type ServiceError, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../policy/index.js';
import { type Harness, startHarness } from '../test-support/server-harness.js';

const ADMIN = 'spiffe://auxctl/admin';
const READER = 'spiffe://auxctl/reader';
const CONFIG_ONLY = 'spiffe://auxctl/config-only';
const DEV0 = '0000:08:00.0';
const KiB = 1024;
const CRDUMP_SIZE = 3 * 1024 * KiB;
const POLICY: PolicyDocument = {
  version: 1,
  deny: [],
  allow: [
    { principals: [ADMIN], methods: ['*'], devices: ['*'] },
    {
      principals: [READER],
      methods: ['auxctl.v1.CtlService/*'],
      devices: [DEV0],
      maxScope: 'DEBUG_READ_ONLY',
    },
    {
      principals: [CONFIG_ONLY],
      methods: ['auxctl.v1.CtlService/*'],
      devices: ['*'],
      maxScope: 'CONFIGURATION',
    },
  ],
};

type Frame = NonNullable<CoredumpResponse['frame']>;
type DumpStream = ClientReadableStream<{ frame?: Frame }>;

/** Download: what one dump stream delivered. */
interface Download {
  header: DumpHeader | undefined;
  chunks: { offset: number; data: Buffer }[];
  sha256: Buffer | undefined;
  error: ServiceError | undefined;
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const bytesOf = (d: Download): Buffer => Buffer.concat(d.chunks.map((c) => c.data));

function coredumpCall(c: CtlServiceClient, req: Partial<CoredumpRequest> = {}): DumpStream {
  return c.coredump({ device: DEV0, mode: DumpMode.DUMP_MODE_UMEM, chunkSize: 0, ...req });
}

function resourceDumpCall(c: CtlServiceClient, req: Partial<ResourceDumpRequest>): DumpStream {
  return c.resourceDump({
    device: DEV0,
    mode: DumpMode.DUMP_MODE_UNSPECIFIED,
    chunkSize: 0,
    index1: 0,
    index2: 0,
    numOfObj1: 0,
    numOfObj2: 0,
    ...req,
  });
}

/** download: every frame of `s` until its status; `onFrame` sees each frame as it arrives. */
function download(s: DumpStream, onFrame?: (f: Frame, d: Download) => void): Promise<Download> {
  const d: Download = { header: undefined, chunks: [], sha256: undefined, error: undefined };
  return new Promise((resolve) => {
    s.on('data', (m: { frame?: Frame }) => {
      const f = m.frame;
      if (f?.$case === 'header') d.header = f.header;
      else if (f?.$case === 'chunk') d.chunks.push(f.chunk);
      else if (f?.$case === 'trailer') d.sha256 = f.trailer.sha256;
      if (f) onFrame?.(f, d);
    });
    s.on('error', (err: ServiceError) => {
      d.error = err;
      resolve(d);
    });
    s.on('end', () => resolve(d));
  });
}

/** until: wait (bounded by iterations, not time) for `cond`. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** firstFrames: resolves once `n` frames arrived, then pauses the stream (a slow client). */
function pauseAfter(s: DumpStream, n: number): { paused: Promise<void>; done: Promise<Download> } {
  let seen = 0;
  let fire: () => void = () => {};
  const paused = new Promise<void>((r) => {
    fire = r;
  });
  const done = download(s, () => {
    seen++;
    if (seen === n) {
      s.pause();
      fire();
    }
  });
  return { paused, done };
}

function expectGapFree(d: Download, from: number): void {
  let next = from;
  for (const c of d.chunks) {
    expect(c.offset).toBe(next);
    expect(c.data.length).toBeGreaterThan(0);
    expect(c.data.length).toBeLessThanOrEqual(d.header?.chunkSize ?? 0);
    next += c.data.length;
  }
  expect(next).toBe(d.header?.size);
}

async function localCoredump(h: Harness): Promise<Buffer> {
  const ctx = await h.server.fleet.open(DEV0, { principal: 'local', caps: { sys_admin: true } });
  try {
    return Buffer.from((await coredump(ctx, { mode: 'umem' })).data);
  } finally {
    await ctx.close();
  }
}

describe('CtlService.Coredump', () => {
  let h: Harness;
  let admin: CtlServiceClient;

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY, crdumpSize: CRDUMP_SIZE });
    admin = h.ctl(h.admin);
  });
  afterAll(async () => {
    await h.close();
  });

  it('streams header, gap-free chunks and a trailer whose hash is the local dump of the same crash', async () => {
    const local = await localCoredump(h);
    const before = h.server.dumps.streams.stats();
    const d = await download(coredumpCall(admin, { chunkSize: 100 * KiB }));
    const after = h.server.dumps.streams.stats();
    // Every chunk went out framed in the stream's reused buffers (grpc/preframed-messages.ts):
    // this fails if grpc-js stops framing messages through the hooked serializeMessage.
    expect(after.chunksWritten - before.chunksWritten).toBe(d.chunks.length);
    expect(after.chunksPreframed - before.chunksPreframed).toBe(d.chunks.length);
    expect(d.error).toBeUndefined();
    expect(d.header).toMatchObject({
      size: CRDUMP_SIZE,
      device: DEV0,
      fwVersion: h.server.fleet.core(DEV0).identity.fwVersion,
      chunkSize: 100 * KiB,
      offset: 0,
      mode: DumpMode.DUMP_MODE_UMEM,
    });
    expect(d.header?.dumpId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(d.header?.createdAt).toBeInstanceOf(Date);
    expectGapFree(d, 0);
    const got = bytesOf(d);
    expect(d.sha256?.toString('hex')).toBe(sha(got));
    expect(got.equals(local)).toBe(true);
    expect(h.server.dumps.store.get(d.header?.dumpId ?? '')).toMatchObject({ kind: 'coredump' });
    expect(h.server.dumps.store.stats().readers).toBe(0);
  });

  it('takes the same bytes inline, clamps the chunk size and reports the mode', async () => {
    const d = await download(
      coredumpCall(admin, { mode: DumpMode.DUMP_MODE_INLINE, chunkSize: 1 }),
    );
    expect(d.error).toBeUndefined();
    expect(d.header).toMatchObject({ chunkSize: 64 * KiB, mode: DumpMode.DUMP_MODE_INLINE });
    expectGapFree(d, 0);
    // Same crash, other path: the same bytes as a local umem dump.
    expect(bytesOf(d).equals(await localCoredump(h))).toBe(true);
  });

  it('resumes from any offset with exactly the tail; head + tail matches the trailer', async () => {
    const whole = await download(coredumpCall(admin));
    const all = bytesOf(whole);
    const dumpId = whole.header?.dumpId ?? '';
    await fc.assert(
      fc.asyncProperty(fc.nat(CRDUMP_SIZE), async (cut) => {
        const tail = await download(coredumpCall(admin, { resume: { dumpId, offset: cut } }));
        expect(tail.error).toBeUndefined();
        expect(tail.header).toMatchObject({ dumpId, offset: cut, size: CRDUMP_SIZE });
        expectGapFree(tail, cut);
        const joined = Buffer.concat([all.subarray(0, cut), bytesOf(tail)]);
        expect(sha(joined)).toBe(tail.sha256?.toString('hex'));
        expect(tail.sha256?.equals(whole.sha256 ?? Buffer.alloc(0))).toBe(true);
      }),
      { numRuns: 6, seed: 20240611 },
    );
    const end = await download(coredumpCall(admin, { resume: { dumpId, offset: CRDUMP_SIZE } }));
    expect([end.chunks.length, end.sha256?.equals(whole.sha256 ?? Buffer.alloc(0))]).toEqual([
      0,
      true,
    ]);
    const past = await download(
      coredumpCall(admin, { resume: { dumpId, offset: CRDUMP_SIZE + 1 } }),
    );
    expect(past.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(past.header).toBeUndefined();
  });

  it('answers NOT_FOUND for unknown ids and ids of another kind of dump', async () => {
    const unknown = await download(
      coredumpCall(admin, { resume: { dumpId: 'AAAAAAAAAAAAAAAAAAAAAA', offset: 0 } }),
    );
    expect(unknown.error?.code).toBe(status.NOT_FOUND);
    const menu = await download(resourceDumpCall(admin, {}));
    const wrongKind = await download(
      coredumpCall(admin, { resume: { dumpId: menu.header?.dumpId ?? '', offset: 0 } }),
    );
    expect(wrongKind.error?.code).toBe(status.NOT_FOUND);
    const bad = await download(coredumpCall(admin, { mode: 7 as DumpMode }));
    expect(bad.error?.code).toBe(status.INVALID_ARGUMENT);
    const noDevice = await download(coredumpCall(admin, { device: '0000:99:00.0' }));
    expect(noDevice.error?.code).toBe(status.NOT_FOUND);
  });

  it('refuses principals the policy does not allow DEBUG_READ_ONLY on the device', async () => {
    const baseline = h.server.fleet.sim(DEV0).engine.objectCounts();
    const cfg = h.ctl(await h.clientAs(CONFIG_ONLY));
    expect((await download(coredumpCall(cfg))).error?.code).toBe(status.PERMISSION_DENIED);
    const reader = h.ctl(await h.clientAs(READER));
    const other = await download(coredumpCall(reader, { device: '0000:09:00.0' }));
    expect(other.error?.code).toBe(status.PERMISSION_DENIED);
    const mine = await download(coredumpCall(reader));
    expect(mine.error).toBeUndefined();
    // The id is no bypass: another principal's dump is as unknown as a missing one.
    const resumed = await download(
      coredumpCall(cfg, { resume: { dumpId: mine.header?.dumpId ?? '', offset: 0 } }),
    );
    expect(resumed.error?.code).toBe(status.NOT_FOUND);
    expect(h.server.fleet.sim(DEV0).engine.objectCounts()).toEqual(baseline);
  });

  it('refuses a third concurrent dump of one principal with RESOURCE_EXHAUSTED', async () => {
    const a = coredumpCall(admin, { chunkSize: 64 * KiB });
    const b = coredumpCall(admin, { chunkSize: 64 * KiB });
    const pa = pauseAfter(a, 1);
    const pb = pauseAfter(b, 1);
    await Promise.all([pa.paused, pb.paused]);
    expect(h.server.dumps.inUse).toBe(2);
    const third = await download(coredumpCall(admin));
    expect(third.error?.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(third.error?.details).toContain('concurrent dumps');
    a.cancel();
    b.cancel();
    expect((await pa.done).error?.code).toBe(status.CANCELLED);
    expect((await pb.done).error?.code).toBe(status.CANCELLED);
    await until(() => h.server.dumps.inUse === 0, 'the slots to be released');
    expect(h.server.dumps.store.stats().readers).toBe(0);
  });

  it('a client that cancels mid-dump leaves firmware objects and store pins at baseline', async () => {
    const sim = h.server.fleet.sim(DEV0);
    const baseline = sim.engine.objectCounts();
    const s = coredumpCall(admin, { chunkSize: 64 * KiB });
    const p = pauseAfter(s, 3);
    await p.paused;
    expect(h.server.dumps.store.stats().readers).toBe(1);
    s.cancel();
    expect((await p.done).error?.code).toBe(status.CANCELLED);
    await until(() => h.server.dumps.inUse === 0, 'the cancelled dump to end');
    expect(h.server.dumps.store.stats()).toMatchObject({ readers: 0, pinned: 0 });
    expect(h.server.dumps.streams.stats().active).toBe(0);
    expect(sim.engine.objectCounts()).toEqual(baseline);
  });

  it('a slow client holds the server to the stream buffer: it waits for drain, then finishes', async () => {
    const before = h.server.dumps.streams.stats();
    const s = coredumpCall(admin, { chunkSize: 64 * KiB });
    const p = pauseAfter(s, 4);
    await p.paused;
    await until(
      () => h.server.dumps.streams.stats().waitingForFlush === 1,
      'a wait for the transport',
    );
    const mid = h.server.dumps.streams.stats();
    const total = CRDUMP_SIZE / (64 * KiB);
    // Paused: most of the dump is still only in the store, not written to the stream.
    expect(mid.chunksWritten - before.chunksWritten).toBeLessThan(total);
    expect(h.server.dumps.store.stats()).toMatchObject({ readers: 1 });
    s.resume();
    const d = await p.done;
    expect(d.error).toBeUndefined();
    expectGapFree(d, 0);
    expect(sha(bytesOf(d))).toBe(d.sha256?.toString('hex'));
    const after = h.server.dumps.streams.stats();
    expect(after.flushWaits).toBeGreaterThan(before.flushWaits);
    expect(after.chunksWritten - before.chunksWritten).toBe(total);
    expect(h.server.dumps.store.stats().readers).toBe(0);
  });
});

describe('CtlService.ResourceDump', () => {
  let h: Harness;
  let admin: CtlServiceClient;

  beforeAll(async () => {
    h = await startHarness({ policy: POLICY });
    admin = h.ctl(h.admin);
  });
  afterAll(async () => {
    await h.close();
  });

  it('dumps the menu when no segment is named', async () => {
    const d = await download(resourceDumpCall(admin, {}));
    expect(d.error).toBeUndefined();
    expect(d.header?.mode).toBe(DumpMode.DUMP_MODE_UMEM);
    expectGapFree(d, 0);
    const stream = bytesOf(d);
    expect(sha(stream)).toBe(d.sha256?.toString('hex'));
    const menu = splitSegments(stream).find((s) => s.type === SegmentType.MENU);
    const names = decodeMenu(menu?.bytes ?? Buffer.alloc(0)).map((e) => e.segmentName);
    expect(names).toContain('FULL_QPC');
    expect(h.server.dumps.store.get(d.header?.dumpId ?? '').kind).toBe('resource-dump');
  });

  it('dumps a segment by name or type, the same stream ctl-aux takes locally', async () => {
    const byName = await download(
      resourceDumpCall(admin, {
        segment: { $case: 'segmentName', segmentName: 'FULL_CQC' },
        mode: DumpMode.DUMP_MODE_INLINE,
      }),
    );
    const byType = await download(
      resourceDumpCall(admin, {
        segment: { $case: 'segmentType', segmentType: SegmentType.FULL_CQC },
      }),
    );
    expect([byName.error, byType.error]).toEqual([undefined, undefined]);
    expect(byName.header?.mode).toBe(DumpMode.DUMP_MODE_INLINE);
    const ctx = await h.server.fleet.open(DEV0, { principal: 'local', caps: { sys_admin: true } });
    let local: Buffer;
    try {
      local = (await resourceDump(ctx, { segmentType: SegmentType.FULL_CQC })).stream;
    } finally {
      await ctx.close();
    }
    expect(bytesOf(byName).equals(local)).toBe(true);
    expect(bytesOf(byType).equals(local)).toBe(true);
    const dumpId = byName.header?.dumpId ?? '';
    const cut = Math.floor(local.length / 2);
    const tail = await download(resourceDumpCall(admin, { resume: { dumpId, offset: cut } }));
    expect(Buffer.concat([local.subarray(0, cut), bytesOf(tail)]).equals(local)).toBe(true);
    expect(tail.sha256?.toString('hex')).toBe(sha(local));
  });

  it('refuses an unknown segment name and out-of-range fields with INVALID_ARGUMENT', async () => {
    const unknown = await download(
      resourceDumpCall(admin, { segment: { $case: 'segmentName', segmentName: 'NO_SUCH' } }),
    );
    expect(unknown.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(unknown.error?.details).toContain('FULL_QPC');
    const wide = await download(resourceDumpCall(admin, { numOfObj1: 0x10000 }));
    expect(wide.error?.code).toBe(status.INVALID_ARGUMENT);
    expect(h.server.dumps.inUse).toBe(0);
  });
});

describe('dumps and fatal firmware errors', () => {
  let h: Harness;
  let admin: CtlServiceClient;

  beforeAll(async () => {
    // Recovery without the 60 s grace period, so each test's fatal error recovers.
    h = await startHarness({
      policy: POLICY,
      crdumpSize: CRDUMP_SIZE,
      health: { poll: false, gracePeriodMs: 0 },
    });
    admin = h.ctl(h.admin);
  });
  afterAll(async () => {
    await h.close();
  });

  async function fatalAndRecover(): Promise<void> {
    const core = h.server.fleet.core(DEV0);
    const faults = h.server.fleet.sim(DEV0).faults;
    faults.fatal();
    // Injected delays end with the crash, so the drivers' resume (register writes) is not held up.
    faults.clear();
    core.health.poller.poll();
    await until(() => core.state === 'up', 'the device to recover');
  }

  it('a fatal error mid-capture ends the stream with UNAVAILABLE', async () => {
    const sim = h.server.fleet.sim(DEV0);
    sim.faults.delay('ACCESS_REG', 60_000);
    const done = download(coredumpCall(admin));
    await until(() => {
      const c = sim.counters();
      return h.server.dumps.inUse === 1 && c.doorbells > c.completed;
    }, 'the capture to be in flight');
    await fatalAndRecover();
    const d = await done;
    expect(d.error?.code).toBe(status.UNAVAILABLE);
    expect(d.header).toBeUndefined();
    await until(() => h.server.dumps.inUse === 0, 'the call to end');
    const again = await download(coredumpCall(admin));
    expect(again.error).toBeUndefined();
  });

  it('a fatal error mid-stream ends the stream with UNAVAILABLE and releases the pin', async () => {
    const s = coredumpCall(admin, { chunkSize: 64 * KiB });
    const p = pauseAfter(s, 2);
    await p.paused;
    await until(
      () => h.server.dumps.streams.stats().waitingForFlush === 1,
      'a wait for the transport',
    );
    await fatalAndRecover();
    s.resume();
    const d = await p.done;
    expect(d.error?.code).toBe(status.UNAVAILABLE);
    expect(d.sha256).toBeUndefined();
    await until(() => h.server.dumps.inUse === 0, 'the call to end');
    expect(h.server.dumps.store.stats().readers).toBe(0);
    // The dump itself survives in the store: resuming it completes the download.
    const dumpId = d.header?.dumpId ?? '';
    const held = bytesOf(d);
    const tail = await download(coredumpCall(admin, { resume: { dumpId, offset: held.length } }));
    expect(tail.error).toBeUndefined();
    expect(sha(Buffer.concat([held, bytesOf(tail)]))).toBe(tail.sha256?.toString('hex'));
  });
});

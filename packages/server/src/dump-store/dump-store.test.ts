import { createHash, randomBytes } from 'node:crypto';
import { AuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CHUNK_SIZE, MIN_CHUNK_SIZE } from './dump-chunks.js';
import { DUMP_ID_PATTERN } from './dump-entry.js';
import { DumpStore } from './dump-store.js';

const KiB = 1024;
const dev = { device: '0000:08:00.0', kind: 'coredump', fwVersion: '28.39.1002' } as const;

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof AuxError) return err.code;
    throw err;
  }
  return undefined;
}

async function collect(it: AsyncIterable<{ offset: number; data: Buffer }>) {
  const chunks: { offset: number; data: Buffer }[] = [];
  for await (const c of it) chunks.push(c);
  return chunks;
}

describe('DumpStore put/get', () => {
  it('stores a private copy with a random id and its SHA-256', async () => {
    const store = new DumpStore({ maxBytes: 1024 * KiB, maxAgeMs: 60_000, now: () => 42 });
    const data = randomBytes(100 * KiB);
    const want = createHash('sha256').update(data).digest('hex');
    const e = store.put({ ...dev, data });
    data.fill(0);
    expect(e).toMatchObject({ ...dev, size: 100 * KiB, createdAt: 42, expiresAt: 60_042 });
    expect(e.id).toMatch(DUMP_ID_PATTERN);
    expect(e.sha256).toBe(want);
    expect(store.get(e.id)).toBe(e);
    const got = Buffer.concat((await collect(store.read(e.id))).map((c) => c.data));
    expect(createHash('sha256').update(got).digest('hex')).toBe(want);
    expect(store.put({ ...dev, data }).id).not.toBe(e.id);
  });

  it('keeps a handed-over buffer itself instead of a copy', async () => {
    const store = new DumpStore({ maxBytes: 1024 * KiB, maxAgeMs: 60_000 });
    const data = randomBytes(64 * KiB);
    const e = store.put({ ...dev, data, handOver: true });
    const [first] = await collect(store.read(e.id));
    expect(first?.data.buffer).toBe(data.buffer);
    const copied = store.put({ ...dev, data });
    const [other] = await collect(store.read(copied.id));
    expect(other?.data.buffer === data.buffer).toBe(false);
  });

  it('refuses unknown ids, bad offsets and bad input', () => {
    const store = new DumpStore({ maxBytes: 1024, maxAgeMs: 1000 });
    const e = store.put({ ...dev, data: Buffer.alloc(10) });
    expect(code(() => store.get('AAAAAAAAAAAAAAAAAAAAAA'))).toBe('ENOENT');
    expect(code(() => store.read('nope'))).toBe('ENOENT');
    expect(code(() => store.read(e.id, 11))).toBe('EINVAL');
    expect(code(() => store.read(e.id, -1))).toBe('EINVAL');
    expect(code(() => store.read(e.id, 1.5))).toBe('EINVAL');
    expect(code(() => store.put({ ...dev, kind: 'x' as 'coredump', data: Buffer.alloc(1) }))).toBe(
      'EINVAL',
    );
    expect(code(() => new DumpStore({ maxBytes: 0, maxAgeMs: 1 }))).toBe('EINVAL');
    expect(store.stats()).toMatchObject({ entries: 1, bytes: 10, readers: 0 });
  });

  it('expires entries by age', () => {
    const c = clock();
    const store = new DumpStore({ maxBytes: 1024, maxAgeMs: 1000, now: c.now });
    const e = store.put({ ...dev, data: Buffer.alloc(10) });
    c.advance(999);
    expect(store.get(e.id).id).toBe(e.id);
    c.advance(1);
    expect(code(() => store.get(e.id))).toBe('ENOENT');
    expect(store.list()).toEqual([]);
    expect(store.stats()).toMatchObject({ entries: 0, bytes: 0, evictedByAge: 1, evictions: 1 });
  });
});

describe('DumpStore eviction', () => {
  it('evicts expired entries first, then the oldest, until the new dump fits', () => {
    const c = clock();
    const store = new DumpStore({ maxBytes: 300, maxAgeMs: 1000, now: c.now });
    const a = store.put({ ...dev, data: Buffer.alloc(100) });
    c.advance(500);
    const b = store.put({ ...dev, data: Buffer.alloc(100) });
    c.advance(400);
    const cc = store.put({ ...dev, data: Buffer.alloc(100) });
    c.advance(300); // a has expired, b and c have not
    const d = store.put({ ...dev, data: Buffer.alloc(200) });
    expect(store.list().map((e) => e.id)).toEqual([cc.id, d.id]);
    expect(code(() => store.get(a.id))).toBe('ENOENT');
    expect(code(() => store.get(b.id))).toBe('ENOENT');
    expect(store.stats()).toMatchObject({ bytes: 300, evictedByAge: 1, evictedBySize: 1 });
  });

  it('refuses a dump larger than the store without touching it', () => {
    const store = new DumpStore({ maxBytes: 100, maxAgeMs: 1000 });
    const a = store.put({ ...dev, data: Buffer.alloc(60) });
    expect(code(() => store.put({ ...dev, data: Buffer.alloc(101) }))).toBe('ENOSPC');
    expect(code(() => store.checkRoom(101))).toBe('ENOSPC');
    expect(store.get(a.id).size).toBe(60);
    expect(store.stats().evictions).toBe(0);
  });

  it('never evicts a dump under a reader, and fails EBUSY when readers pin the room', async () => {
    const store = new DumpStore({ maxBytes: 200 * KiB, maxAgeMs: 1000 });
    const a = store.put({ ...dev, data: randomBytes(100 * KiB) });
    const b = store.put({ ...dev, data: randomBytes(100 * KiB) });
    const reader = store.read(a.id, 0, MIN_CHUNK_SIZE);
    const first = await reader.next();
    expect(first.done).toBe(false);
    const c = store.put({ ...dev, data: Buffer.alloc(100 * KiB) }); // evicts b, not the older a
    expect(code(() => store.get(b.id))).toBe('ENOENT');
    const pinned = store.read(c.id);
    expect(code(() => store.checkRoom(1))).toBe('EBUSY');
    expect(code(() => store.put({ ...dev, data: Buffer.alloc(1) }))).toBe('EBUSY');
    expect(store.stats()).toMatchObject({ entries: 2, pinned: 2, readers: 2, evictedBySize: 1 });
    const rest = await collect(reader);
    expect(rest.map((r) => r.offset)).toEqual([MIN_CHUNK_SIZE]);
    pinned.close();
    pinned.close();
    expect(store.stats()).toMatchObject({ pinned: 0, readers: 0 });
    store.put({ ...dev, data: Buffer.alloc(1) });
    expect(code(() => store.get(a.id))).toBe('ENOENT');
  });

  it('keeps an expired dump for its reader, refuses new readers and drops it after', async () => {
    const c = clock();
    const store = new DumpStore({ maxBytes: 1024 * KiB, maxAgeMs: 1000, now: c.now });
    const a = store.put({ ...dev, data: randomBytes(200 * KiB) });
    const reader = store.read(a.id, 0, 1);
    await reader.next();
    c.advance(5000);
    expect(store.sweep()).toBe(0);
    expect(code(() => store.read(a.id))).toBe('ENOENT');
    const rest = await collect(reader);
    expect(rest.map((r) => r.offset)).toEqual([64 * KiB, 128 * KiB, 192 * KiB]);
    expect(store.stats()).toMatchObject({ entries: 0, bytes: 0, evictedByAge: 1 });
  });
});

describe('DumpStore.read', () => {
  it('resumes from a random offset with exactly the tail', async () => {
    const store = new DumpStore({ maxBytes: 4 * MAX_CHUNK_SIZE, maxAgeMs: 60_000 });
    const e = store.put({ ...dev, data: randomBytes(831_304) });
    await fc.assert(
      fc.asyncProperty(fc.nat(e.size), async (cut) => {
        // An interrupted download: the client kept the first `cut` bytes.
        const head: Buffer[] = [];
        let held = 0;
        for await (const c of store.read(e.id, 0, MIN_CHUNK_SIZE)) {
          const keep = Math.min(c.data.length, cut - held);
          head.push(c.data.subarray(0, keep));
          held += keep;
          if (held >= cut) break;
        }
        const tail = await collect(store.read(e.id, cut));
        expect(tail[0]?.offset ?? e.size).toBe(cut);
        const whole = Buffer.concat([...head, ...tail.map((c) => c.data)]);
        expect(whole.length).toBe(e.size);
        expect(createHash('sha256').update(whole).digest('hex')).toBe(e.sha256);
        expect(store.stats().readers).toBe(0);
      }),
      { numRuns: 40 },
    );
  });

  it('yields chunks that tile [offset, size) exactly, as views, within the clamped size', async () => {
    const source = randomBytes(3 * MAX_CHUNK_SIZE);
    const store = new DumpStore({ maxBytes: 4 * MAX_CHUNK_SIZE, maxAgeMs: 60_000 });
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: source.length }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.oneof(fc.integer({ min: -1, max: 4 * MAX_CHUNK_SIZE }), fc.constant(undefined)),
        async (size, at, chunkSize) => {
          const e = store.put({ ...dev, data: source.subarray(0, size) });
          const offset = Math.floor(at * size);
          const reader = store.read(e.id, offset, chunkSize);
          expect(reader.chunkSize).toBeGreaterThanOrEqual(MIN_CHUNK_SIZE);
          expect(reader.chunkSize).toBeLessThanOrEqual(MAX_CHUNK_SIZE);
          const chunks = await collect(reader);
          let next = offset;
          for (const [i, c] of chunks.entries()) {
            expect(c.offset).toBe(next);
            expect(c.data.length).toBeGreaterThan(0);
            if (i < chunks.length - 1) expect(c.data.length).toBe(reader.chunkSize);
            else expect(c.data.length).toBeLessThanOrEqual(reader.chunkSize);
            expect(c.data.buffer).toBe(chunks[0]?.data.buffer);
            expect(c.data.equals(source.subarray(next, next + c.data.length))).toBe(true);
            next += c.data.length;
          }
          expect(next).toBe(size);
          expect(store.stats().readers).toBe(0);
        },
      ),
      { numRuns: 60 },
    );
  });
});

import { PAGE_SIZE } from '@auxctl/prm';
import type { RamPage, RamRegion } from '@auxctl/vmm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  deviceRecord,
  endRecord,
  HEADER_BYTES,
  layoutRecord,
  PAGES_PER_RECORD,
  pageRecords,
  type VmmRecord,
  VmmStreamReader,
  vcpuRecord,
} from './vmm-stream.js';

const P = BigInt(PAGE_SIZE);

/** A stream's parts as the VMM sends them. */
const layouts = fc
  .array(
    fc.record({ gap: fc.integer({ min: 1, max: 8 }), pages: fc.integer({ min: 1, max: 8 }) }),
    {
      maxLength: 5,
    },
  )
  .map((rs) => {
    let page = 0x100;
    return rs.map((r): RamRegion => {
      page += r.gap;
      const region = { iova: BigInt(page) * P, length: r.pages * PAGE_SIZE };
      page += r.pages;
      return region;
    });
  });
const pages = fc.array(
  fc.record({ page: fc.integer({ min: 1, max: 1 << 20 }), fill: fc.integer({ min: 0, max: 255 }) }),
  { maxLength: PAGES_PER_RECORD + 3 },
);
const blobs = fc.array(fc.uint8Array({ minLength: 1, maxLength: 2000 }), { maxLength: 4 });

/** split: `b` cut at the given points (in any pieces a socket gives). */
function split(b: Buffer, cuts: number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (b.length + 1)))].sort((x, y) => x - y);
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...at, b.length]) {
    out.push(b.subarray(from, c));
    from = c;
  }
  return out;
}

function readAll(parts: Buffer[]): { records: VmmRecord[]; error?: string } {
  const r = new VmmStreamReader();
  const records: VmmRecord[] = [];
  try {
    for (const p of parts) records.push(...r.push(p));
    r.finish();
    return { records };
  } catch (e) {
    return { records, error: (e as { code?: string }).code };
  }
}

describe('the VMM migration stream', () => {
  it('gives back every record as sent, whatever pieces the bytes arrive in', () => {
    fc.assert(
      fc.property(
        layouts,
        pages,
        blobs,
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (layout, pgs, devs, regs, cuts) => {
          const sentPages: RamPage[] = pgs.map((p) => ({
            iova: BigInt(p.page) * P,
            data: Buffer.alloc(PAGE_SIZE, p.fill),
          }));
          const stream = Buffer.concat([
            layoutRecord(layout),
            ...pageRecords(sentPages),
            ...devs.map((d) => deviceRecord(Buffer.from(d))),
            vcpuRecord(Buffer.from(regs)),
            endRecord(),
          ]);
          const { records, error } = readAll(split(stream, cuts));
          expect(error).toBeUndefined();
          const got = {
            layout: records.flatMap((r) => (r.tag === 'layout' ? r.regions : [])),
            pages: records.flatMap((r) => (r.tag === 'pages' ? r.pages : [])),
            device: Buffer.concat(records.flatMap((r) => (r.tag === 'device' ? [r.data] : []))),
            vcpu: records.find((r) => r.tag === 'vcpu'),
          };
          expect(got.layout).toEqual(layout);
          expect(got.pages.map((p) => p.iova)).toEqual(sentPages.map((p) => p.iova));
          for (const [i, p] of got.pages.entries()) {
            expect(p.data.equals(sentPages[i]!.data)).toBe(true);
          }
          expect(got.device.equals(Buffer.concat(devs.map((d) => Buffer.from(d))))).toBe(true);
          expect(got.vcpu).toEqual({ tag: 'vcpu', data: Buffer.from(regs) });
          expect(records.at(-1)).toEqual({ tag: 'end' });
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses (EINVAL) a stream cut short, extended past END, or with a damaged header', () => {
    const known = new Set([1, 2, 3, 4, 0x7f]);
    fc.assert(
      fc.property(
        blobs,
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom('tag', 'flags', 'reserved', 'length'),
        (devs, at, v, what) => {
          const records = [...devs.map((d) => deviceRecord(Buffer.from(d))), endRecord()];
          const whole = Buffer.concat(records);
          expect(readAll([whole.subarray(0, at % whole.length)]).error).toBe('EINVAL');
          expect(readAll([whole, Buffer.from([0])]).error).toBe('EINVAL');
          // One record's header damaged: an unknown tag, set flags or reserved bits, a longer length.
          const k = at % records.length;
          const damaged = records.map((r) => Buffer.from(r));
          const h = damaged[k] as Buffer;
          if (what === 'tag') h[0] = known.has(v) ? 0 : v;
          if (what === 'flags') h[1] = v;
          if (what === 'reserved') h[2 + (at % 2)] = v;
          if (what === 'length') {
            // A length that ends exactly where a later record ends swallows whole
            // records and leaves a well-formed stream; one byte more cannot (every
            // record is at least its 8-byte header).
            const start = records.slice(0, k).reduce((n, r) => n + r.length, 0);
            const ends = records.map((_, i) =>
              records.slice(0, i + 1).reduce((n, r) => n + r.length, 0),
            );
            const len = h.readUInt32BE(4) + v;
            h.writeUInt32BE(ends.includes(start + HEADER_BYTES + len) ? len + 1 : len, 4);
          }
          expect(readAll([Buffer.concat(damaged)]).error).toBe('EINVAL');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('refuses layouts that are unaligned, empty, overlapping or out of order', () => {
    const rec = (pairs: Array<[bigint, bigint]>) => {
      const p = Buffer.alloc(pairs.length * 16);
      pairs.forEach(([i, l], k) => {
        p.writeBigUInt64BE(i, k * 16);
        p.writeBigUInt64BE(l, k * 16 + 8);
      });
      const h = Buffer.alloc(HEADER_BYTES);
      h.writeUInt8(2, 0);
      h.writeUInt32BE(p.length, 4);
      return Buffer.concat([h, p, endRecord()]);
    };
    expect(readAll([rec([[P, P]])]).error).toBeUndefined();
    for (const pairs of [
      [[P + 1n, P]],
      [[P, 0n]],
      [[P, P + 5n]],
      [[0n, P]],
      [
        [4n * P, P],
        [P, P],
      ],
      [
        [P, 2n * P],
        [2n * P, P],
      ],
    ] as Array<Array<[bigint, bigint]>>) {
      expect(readAll([rec(pairs)]).error, JSON.stringify(pairs.map(String))).toBe('EINVAL');
    }
    expect(
      readAll([vcpuRecord(Buffer.from([1])), vcpuRecord(Buffer.from([2])), endRecord()]).error,
    ).toBe('EINVAL');
  });
});

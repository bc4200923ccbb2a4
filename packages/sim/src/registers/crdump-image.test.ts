import { createHash } from 'node:crypto';
import {
  asciiz,
  CRDUMP_FORMAT_VERSION,
  CRDUMP_MAGIC,
  CRDUMP_MAX_BYTES,
  CRDUMP_WINDOW_BYTES,
  CrdumpPair,
  crdumpHeader,
  scanCrdump,
} from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type CrdumpCapture, CrdumpImage, crdumpSeed } from './crdump-image.js';
import { rawFwVersion } from './fw-version.js';
import { TEST_IDENTITY } from './test-support/fake-register-host.js';

const base: CrdumpCapture = {
  identity: TEST_IDENTITY,
  crashCount: 1,
  size: 831_304,
  timestamp: 1_700_000_000_123,
};

function whole(c: CrdumpCapture): Buffer {
  const out = Buffer.alloc(c.size);
  new CrdumpImage(c).read(0, out);
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const addresses = (b: Buffer) =>
  Array.from({ length: Math.floor(b.length / 8) }, (_, i) => CrdumpPair.get(b, 'address', i * 8));
const values = (b: Buffer) =>
  Array.from({ length: Math.floor(b.length / 8) }, (_, i) => CrdumpPair.get(b, 'value', i * 8));

describe('CrdumpImage', () => {
  it('is 103,913 ascending (address, value) pairs by default, with gaps, from address 0', () => {
    const dump = whole(base);
    const s = scanCrdump(dump); // throws unless every address ascends
    expect(s).toMatchObject({ pairs: 103_913, tailBytes: 0, firstAddress: 0 });
    expect(s.nextAddress).toBe((s.lastAddress ?? 0) + 4);
    expect(new CrdumpImage(base).cookieAfter(base.size)).toBe(s.nextAddress);
    const a = addresses(dump);
    const steps = new Set(a.slice(1).map((x, i) => x - (a[i] ?? 0)));
    expect(steps.has(4)).toBe(true);
    expect([...steps].some((d) => d > 4)).toBe(true);
    expect(a.every((x) => x % 4 === 0)).toBe(true);
  });

  it('carries a header in the values of addresses 0x0..0xfc that decodes to the capture', () => {
    const h = crdumpHeader(whole(base));
    expect(h?.magic.equals(CRDUMP_MAGIC)).toBe(true);
    expect(h).toMatchObject({
      format_version: CRDUMP_FORMAT_VERSION,
      header_size: 256,
      vendor_id: 0x15b3,
      device_id: 0x101d,
      crash_count: 1,
      total_size: 831_304,
      window_bytes: CRDUMP_WINDOW_BYTES,
      timestamp: 1_700_000_000_123n,
      fw_version_raw: rawFwVersion('22.39.1002'),
    });
    expect(asciiz(h?.psid ?? Buffer.alloc(0))).toBe('MT_0000000359');
    expect(asciiz(h?.serial ?? Buffer.alloc(0))).toBe('MT2211X12345');
    expect(asciiz(h?.fw_version ?? Buffer.alloc(0))).toBe('22.39.1002');
    expect(asciiz(h?.bdf ?? Buffer.alloc(0))).toBe('0000:08:00.0');
    expect(h?.seed).toBe(crdumpSeed(TEST_IDENTITY, 1));
  });

  it('is deterministic per device and crash: a new crash changes values, a new device the layout', () => {
    const dump = whole(base);
    expect(sha(whole(base))).toBe(sha(dump));
    const crash2 = whole({ ...base, crashCount: 2 });
    expect(addresses(crash2)).toEqual(addresses(dump));
    expect(values(crash2).slice(64)).not.toEqual(values(dump).slice(64));
    const other = whole({ ...base, identity: { ...TEST_IDENTITY, serial: 'MT2211X12346' } });
    expect(addresses(other)).not.toEqual(addresses(dump));
  });

  it('makes a smaller dump of the same crash the first pairs of a bigger one (property)', () => {
    const big = whole({ ...base, size: 40_000 });
    fc.assert(
      fc.property(fc.integer({ min: 512, max: 40_000 }), (size) => {
        const small = whole({ ...base, size });
        // Only the header's total_size (the value at address 0x14) differs.
        const i = 5 * 8 + 4;
        expect(small.subarray(0, i).equals(big.subarray(0, i))).toBe(true);
        expect(small.subarray(i + 4).equals(big.subarray(i + 4, size))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('reads any window as the same bytes as the whole dump, cut last pair included', () => {
    const c = { ...base, size: 50_001 };
    const all = whole(c);
    const image = new CrdumpImage(c);
    fc.assert(
      fc.property(fc.nat(c.size), fc.nat(20_000), (offset, len) => {
        const n = Math.min(len, c.size - offset);
        const out = Buffer.alloc(n);
        image.read(offset, out);
        expect(out.equals(all.subarray(offset, offset + n))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses reads outside the dump and sizes below the header pairs', () => {
    const image = new CrdumpImage({ ...base, size: 1000 });
    expect(() => image.read(990, Buffer.alloc(11))).toThrow(RangeError);
    expect(() => image.read(-1, Buffer.alloc(1))).toThrow(RangeError);
    expect(() => new CrdumpImage({ ...base, size: 511 })).toThrow(RangeError);
    expect(() => new CrdumpImage({ ...base, size: 512 })).not.toThrow();
  });

  it('reads the tail of a 64 MiB dump without producing the rest', () => {
    const image = new CrdumpImage({ ...base, size: CRDUMP_MAX_BYTES });
    const tail = Buffer.alloc(10_000);
    image.read(CRDUMP_MAX_BYTES - tail.length, tail);
    const s = scanCrdump(tail);
    expect(s.lastAddress).toBe(image.address(CRDUMP_MAX_BYTES / 8 - 1));
    expect(image.cookieAfter(CRDUMP_MAX_BYTES)).toBe(s.nextAddress);
  });
});

describe('rawFwVersion', () => {
  it('packs major, minor and subminor', () => {
    expect(rawFwVersion('22.39.1002')).toBe(((22 << 24) | (39 << 16) | 1002) >>> 0);
    expect(rawFwVersion('bogus')).toBe(0);
    expect(rawFwVersion('255.255.65535')).toBe(0xffff_ffff);
  });
});

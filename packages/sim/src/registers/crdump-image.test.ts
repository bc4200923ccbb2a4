import { createHash } from 'node:crypto';
import {
  asciiz,
  CRDUMP_BLOCK_BYTES,
  CRDUMP_BLOCK_MAGIC,
  CRDUMP_FORMAT_VERSION,
  CRDUMP_MAGIC,
  CRDUMP_MAX_BYTES,
  CrdumpBlockTag,
  CrdumpHeader,
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

describe('CrdumpImage', () => {
  it('opens with a header that decodes to the capture', () => {
    const dump = whole(base);
    const h = CrdumpHeader.decode(dump);
    expect(h.magic.equals(CRDUMP_MAGIC)).toBe(true);
    expect(h).toMatchObject({
      format_version: CRDUMP_FORMAT_VERSION,
      header_size: 256,
      vendor_id: 0x15b3,
      device_id: 0x101d,
      crash_count: 1,
      total_size: 831_304,
      block_size: CRDUMP_BLOCK_BYTES,
      timestamp: 1_700_000_000_123n,
      fw_version_raw: rawFwVersion('22.39.1002'),
    });
    expect(asciiz(h.psid)).toBe('MT_0000000359');
    expect(asciiz(h.serial)).toBe('MT2211X12345');
    expect(asciiz(h.fw_version)).toBe('22.39.1002');
    expect(asciiz(h.bdf)).toBe('0000:08:00.0');
    expect(h.seed).toBe(crdumpSeed(TEST_IDENTITY, 1));
  });

  it('tags every block after the first with its index', () => {
    const dump = whole(base);
    for (const block of [1, 2, 100, 202]) {
      expect(CrdumpBlockTag.decode(dump, block * CRDUMP_BLOCK_BYTES)).toEqual({
        magic: CRDUMP_BLOCK_MAGIC,
        block_index: block,
      });
    }
  });

  it('is deterministic for a device and crash, and differs for a new crash or device', () => {
    const a = sha(whole(base));
    expect(sha(whole(base))).toBe(a);
    expect(sha(whole({ ...base, crashCount: 2 }))).not.toBe(a);
    expect(
      sha(whole({ ...base, identity: { ...TEST_IDENTITY, serial: 'MT2211X12346' } })),
    ).not.toBe(a);
  });

  it('reads any window as the same bytes as the whole dump', () => {
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

  it('refuses reads outside the dump and sizes below the header', () => {
    const image = new CrdumpImage({ ...base, size: 1000 });
    expect(() => image.read(990, Buffer.alloc(11))).toThrow(RangeError);
    expect(() => image.read(-1, Buffer.alloc(1))).toThrow(RangeError);
    expect(() => new CrdumpImage({ ...base, size: 100 })).toThrow(RangeError);
  });

  it('reads the tail of a 64 MiB dump without producing the rest', () => {
    const image = new CrdumpImage({ ...base, size: CRDUMP_MAX_BYTES });
    const tail = Buffer.alloc(10_000);
    image.read(CRDUMP_MAX_BYTES - tail.length, tail);
    const lastBlock = CRDUMP_MAX_BYTES / CRDUMP_BLOCK_BYTES - 1;
    const at = lastBlock * CRDUMP_BLOCK_BYTES - (CRDUMP_MAX_BYTES - tail.length);
    expect(CrdumpBlockTag.decode(tail, at).block_index).toBe(lastBlock);
  });
});

describe('rawFwVersion', () => {
  it('packs major, minor and subminor', () => {
    expect(rawFwVersion('22.39.1002')).toBe(((22 << 24) | (39 << 16) | 1002) >>> 0);
    expect(rawFwVersion('bogus')).toBe(0);
    expect(rawFwVersion('255.255.65535')).toBe(0xffff_ffff);
  });
});

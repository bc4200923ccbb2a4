import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AuxError } from '../../errors.js';
import { CRDUMP_MAGIC, CRDUMP_PAIR_BYTES, CrdumpHeader, CrdumpPair } from './core-dump.js';
import { crdumpHeader, crdumpValue, scanCrdump } from './crdump-stream.js';

function pairs(list: readonly (readonly [number, number])[]): Buffer {
  const b = Buffer.alloc(list.length * CRDUMP_PAIR_BYTES);
  list.forEach(([address, value], i) => {
    CrdumpPair.write(b, { address, value }, i * CRDUMP_PAIR_BYTES);
  });
  return b;
}

/** ascending: distinct sorted addresses with values. */
const ascending = fc
  .uniqueArray(fc.nat(0xffff_fff0), { maxLength: 60 })
  .chain((as) =>
    fc.tuple(
      fc.constant([...as].sort((x, y) => x - y)),
      fc.array(fc.nat(0xffff_ffff), { minLength: as.length, maxLength: as.length }),
    ),
  )
  .map(([as, vs]) => as.map((a, i) => [a, vs[i] ?? 0] as const));

describe('core dump pairs', () => {
  it('reads the public sample tail: pairs, last address and cookie 0x500c04', () => {
    // The last 8 pairs mlx5ctl printed, ending with 0x500c00 and "cookie 0x500c04".
    const tail = pairs([
      [0x500b30, 0],
      [0x500b34, 0],
      [0x500b38, 0],
      [0x500b3c, 0],
      [0x500b40, 0],
      [0x500b44, 0],
      [0x500b48, 0],
      [0x500c00, 0],
    ]);
    expect(scanCrdump(tail)).toEqual({
      pairs: 8,
      tailBytes: 0,
      firstAddress: 0x500b30,
      lastAddress: 0x500c00,
      nextAddress: 0x500c04,
    });
    // ... and its head: address 0 holds 0x01002000, address 0x18 "T0ol".
    const head = Buffer.from(
      [
        '00 00 00 00 01 00 20 00 00 00 00 04 00 00 48 ec',
        '00 00 00 08 00 00 00 00 00 00 00 0c 00 00 00 03',
        '00 00 00 10 00 00 00 00 00 00 00 14 00 00 00 00',
        '00 00 00 18 54 30 6f 6c 00 00 00 1c 00 10 40 00',
      ]
        .join(' ')
        .replaceAll(' ', ''),
      'hex',
    );
    expect(scanCrdump(head).pairs).toBe(8);
    expect(crdumpValue(head, 0)).toBe(0x0100_2000);
    expect(crdumpValue(head, 0x18)).toBe(0x5430_6f6c);
    expect(crdumpValue(head, 0x20)).toBeUndefined();
    expect(crdumpHeader(head)).toBeUndefined();
  });

  it('accepts any ascending run, finds every value, and applies the cookie rule (property)', () => {
    fc.assert(
      fc.property(ascending, (list) => {
        const b = pairs(list);
        const s = scanCrdump(b);
        expect(s.pairs).toBe(list.length);
        expect(s.nextAddress).toBe(list.length ? (list.at(-1)?.[0] ?? 0) + 4 : 0);
        for (const [a, v] of list) expect(crdumpValue(b, a)).toBe(v);
      }),
    );
  });

  it('refuses an address that does not ascend, with EINVAL (property)', () => {
    fc.assert(
      fc.property(ascending, fc.nat(), (list, k) => {
        fc.pre(list.length >= 2);
        const i = 1 + (k % (list.length - 1));
        const bad = list.map((p) => [...p] as [number, number]);
        bad[i]![0] = bad[i - 1]![0] - (k % 2);
        fc.pre(bad[i]![0] >= 0);
        expect(() => scanCrdump(pairs(bad))).toThrow(AuxError);
      }),
    );
  });

  it('never throws anything but EINVAL on arbitrary bytes, nor reads past them (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(), (bytes, address) => {
        const b = Buffer.from(bytes);
        try {
          const s = scanCrdump(b);
          expect(s.pairs * 8 + s.tailBytes).toBe(b.length);
        } catch (e) {
          expect((e as AuxError).code).toBe('EINVAL');
        }
        crdumpValue(b, address);
        crdumpHeader(b);
      }),
    );
  });

  it('finds the header in the first 64 values, and only there', () => {
    const values = CrdumpHeader.encode({ magic: CRDUMP_MAGIC, total_size: 4096, crash_count: 3 });
    const list = Array.from({ length: 70 }, (_, i) =>
      i < 64 ? ([i * 4, values.readUInt32BE(i * 4)] as const) : ([0x1000 + i * 4, i] as const),
    );
    expect(crdumpHeader(pairs(list))).toMatchObject({ total_size: 4096, crash_count: 3 });
    expect(crdumpHeader(pairs(list).subarray(0, 63 * 8))).toBeUndefined();
    const moved = list.map(([a, v], i) => (i === 5 ? ([a + 1, v] as const) : ([a, v] as const)));
    expect(crdumpHeader(pairs(moved))).toBeUndefined();
  });

  it('counts a cut last pair by its address when 4 bytes of it are there', () => {
    const b = pairs([
      [0x10, 1],
      [0x20, 2],
    ]);
    expect(scanCrdump(b.subarray(0, 13))).toMatchObject({
      pairs: 1,
      tailBytes: 5,
      nextAddress: 0x24,
    });
    expect(scanCrdump(b.subarray(0, 11))).toMatchObject({
      pairs: 1,
      tailBytes: 3,
      nextAddress: 0x14,
    });
  });
});

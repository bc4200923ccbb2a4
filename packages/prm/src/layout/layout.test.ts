import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defineLayout } from './layout.js';

const Hdr = defineLayout('hdr', {
  opcode: 16,
  uid: 16,
  reserved_at_20: 16,
  op_mod: 16,
  reserved_at_40: 32,
  addr: 64,
  flag: 1,
  reserved_at_a1: 3,
  nibble: 4,
  byte: 8,
  word: 16,
});

const Inner = defineLayout('inner', { a: 8, reserved_at_8: 8, b: 16 });
const Outer = defineLayout('outer', {
  n: 32,
  inner: { struct: Inner },
  list: { array: Inner, count: 3 },
  mtt: { array: 32, count: 4 },
  blob: { bytes: 8 },
});

describe('defineLayout', () => {
  it('computes offsets and sizes as mlx5_ifc does', () => {
    expect(Hdr.bytes).toBe(24);
    expect(Hdr.info('op_mod').bitOffset).toBe(0x30);
    expect(Hdr.info('addr').bitOffset).toBe(0x60);
    expect(Hdr.info('nibble').bitOffset).toBe(0xa4);
    expect(Outer.byteOffset('list')).toBe(8);
    expect(Outer.elementOffset('list', 2)).toBe(16);
    expect(Outer.bytes).toBe(4 + 4 + 12 + 16 + 8);
  });

  it('writes big-endian at the declared bits', () => {
    const b = Hdr.alloc();
    Hdr.set(b, 'opcode', 0x805);
    Hdr.set(b, 'op_mod', 1);
    Hdr.set(b, 'flag', 1);
    Hdr.set(b, 'nibble', 0xa);
    Hdr.set64(b, 'addr', 0x0102030405060708n);
    expect(b.subarray(0, 8).toString('hex')).toBe('0805000000000001');
    expect(b.subarray(12, 20).toString('hex')).toBe('0102030405060708');
    expect(b[20]).toBe(0x8a);
    expect(Hdr.get64(b, 'addr')).toBe(0x0102030405060708n);
  });

  it('refuses declarations that break the PRM rules', () => {
    expect(() => defineLayout('x', { a: 8, b: 32 })).toThrow(/cross a dword/);
    expect(() => defineLayout('x', { a: 16 })).toThrow(/dwords/);
    expect(() => defineLayout('x', { a: 40 })).toThrow(/1..32 or 64/);
    expect(() => defineLayout('x', { a: 16, b: 64, c: 16 })).toThrow(/dword/);
    expect(() => defineLayout('x', { a: 16, reserved_at_20: 16 })).toThrow(/lies at 0x10/);
    expect(() => defineLayout('x', { a: 4, b: { bytes: 2 } })).toThrow(/byte/);
  });

  it('range-checks values and indexes', () => {
    const b = Hdr.alloc();
    expect(() => Hdr.set(b, 'nibble', 16)).toThrow(RangeError);
    expect(() => Hdr.set(b, 'byte', -1)).toThrow(RangeError);
    expect(() => Hdr.set(b, 'word', 1.5)).toThrow(RangeError);
    expect(() => Outer.getAt(Outer.alloc(), 'mtt', 4)).toThrow(RangeError);
  });

  it('reports the first non-zero reserved field, nested ones too', () => {
    const b = Hdr.alloc();
    expect(Hdr.reservedNonZero(b)).toBeUndefined();
    b[4] = 1;
    expect(Hdr.reservedNonZero(b)).toBe('reserved_at_20');
    const o = Outer.alloc();
    o[Outer.elementOffset('list', 1) + 1] = 0x80;
    expect(Outer.reservedNonZero(o)).toBe('list[1].reserved_at_8');
  });

  it('encode/decode skip reserved fields and nest', () => {
    const buf = Outer.encode({
      n: 7,
      inner: { a: 1, b: 2 },
      list: [{ a: 3, b: 4 }],
      mtt: [9, 8],
      blob: Buffer.from('abc'),
    });
    const d = Outer.decode(buf);
    expect(d.n).toBe(7);
    expect(d.inner).toEqual({ a: 1, b: 2 });
    expect(d.list[0]).toEqual({ a: 3, b: 4 });
    expect(d.list[2]).toEqual({ a: 0, b: 0 });
    expect(d.mtt).toEqual([9, 8, 0, 0]);
    expect(d.blob.subarray(0, 3).toString()).toBe('abc');
    expect(Object.keys(Inner.decode(Inner.alloc()))).toEqual(['a', 'b']);
  });

  it('round-trips any in-range value through every integer field (property)', () => {
    const ints = Hdr.fields.filter((f) => f.kind === 'uint');
    fc.assert(
      fc.property(
        fc.array(fc.nat(), { minLength: ints.length, maxLength: ints.length }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (raw, addr) => {
          const b = Hdr.alloc();
          const want = ints.map((f, i) => (raw[i]! % 2 ** f.bits) >>> 0);
          for (const [i, f] of ints.entries()) Hdr.set(b, f.name as never, want[i]!);
          Hdr.set64(b, 'addr', addr);
          for (const [i, f] of ints.entries()) expect(Hdr.get(b, f.name as never)).toBe(want[i]);
          expect(Hdr.get64(b, 'addr')).toBe(addr);
        },
      ),
    );
  });

  it('setting one field never disturbs its neighbours (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 24, maxLength: 24 }), fc.nat(15), (bytes, v) => {
        const b = Buffer.from(bytes);
        const before = Buffer.from(b);
        Hdr.set(b, 'nibble', v);
        for (let i = 0; i < b.length; i++) if (i !== 20) expect(b[i]).toBe(before[i]);
        expect(b[20]! & 0xf0).toBe(before[20]! & 0xf0);
        expect(Hdr.get(b, 'nibble')).toBe(v);
      }),
    );
  });
});

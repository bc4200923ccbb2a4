import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildInbox,
  CmdIn,
  CmdOut,
  Opcode,
  outboxStatus,
  type PrmField,
  readField,
  writeField,
} from './prm-fields.js';

const fieldArb = fc
  .record({ dword: fc.nat(3), within: fc.nat(31), bits: fc.integer({ min: 1, max: 32 }) })
  .filter((r) => r.within + r.bits <= 32)
  .map((r): PrmField => ({ name: 'f', bitOffset: r.dword * 32 + r.within, bits: r.bits }));

describe('PRM bit fields', () => {
  it('write then read gives the value masked to the width and leaves other bits alone', () => {
    fc.assert(
      fc.property(
        fieldArb,
        fc.nat({ max: 0xffffffff }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (f, v, init) => {
          const buf = Buffer.from(init);
          const before = Buffer.from(buf);
          writeField(buf, f, v);
          const mask = f.bits === 32 ? 0xffffffff : 2 ** f.bits - 1;
          expect(readField(buf, f)).toBe((v & mask) >>> 0);
          writeField(buf, f, readField(before, f));
          expect(buf.equals(before)).toBe(true);
        },
      ),
    );
  });

  it('counts bits from the most significant bit of byte 0 (PRM order)', () => {
    const buf = Buffer.from('12345678abcdef0100000000000000ff', 'hex');
    expect(readField(buf, CmdIn.opcode)).toBe(0x1234);
    expect(readField(buf, CmdIn.uid)).toBe(0x5678);
    expect(readField(buf, CmdIn.op_mod)).toBe(0xef01);
    expect(readField(buf, CmdOut.status)).toBe(0x12);
    expect(readField(buf, CmdOut.syndrome)).toBe(0xabcdef01);
    expect(readField(buf, { name: 'last', bitOffset: 0x78, bits: 8 })).toBe(0xff);
  });

  it('refuses a field that crosses a dword or a buffer that is too short', () => {
    expect(() => readField(Buffer.alloc(16), { name: 'x', bitOffset: 30, bits: 4 })).toThrow(
      RangeError,
    );
    expect(() => readField(Buffer.alloc(4), CmdOut.syndrome)).toThrow(RangeError);
  });

  it('buildInbox sets opcode and op_mod; outboxStatus names statuses', () => {
    const inbox = buildInbox(Opcode.NOP, 0x1b);
    expect(inbox.toString('hex')).toBe('080d00000000001b0000000000000000');
    const out = Buffer.alloc(16);
    expect(outboxStatus(out)).toEqual({ status: 0, statusName: 'OK', syndrome: 0 });
    out.writeUInt8(0x3, 0);
    out.writeUInt32BE(0x1234abcd, 4);
    expect(outboxStatus(out)).toEqual({ status: 3, statusName: 'BAD_PARAM', syndrome: 0x1234abcd });
    out.writeUInt8(0x77, 0);
    expect(outboxStatus(out).statusName).toBe('UNKNOWN_0x77');
  });
});

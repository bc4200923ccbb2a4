import { CmdHdrIn, CmdHdrOut, NopIn, Op } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hex16, hex32, outboxStatus } from './prm-text.js';

describe('PRM header fields as the CLI reads and writes them', () => {
  const fields = [
    [CmdHdrIn, 'opcode', 16],
    [CmdHdrIn, 'uid', 16],
    [CmdHdrIn, 'op_mod', 16],
    [CmdHdrOut, 'status', 8],
    [CmdHdrOut, 'syndrome', 32],
  ] as const;

  it('write then read gives the value back and leaves the other bits alone (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...fields),
        fc.nat({ max: 0xffffffff }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        ([layout, name, bits], v, init) => {
          const buf = Buffer.from(init);
          const before = Buffer.from(buf);
          const value = bits === 32 ? v : v % 2 ** bits;
          const set = layout.set as (b: Buffer, f: string, x: number) => void;
          const get = layout.get as (b: Buffer, f: string) => number;
          set.call(layout, buf, name, value);
          expect(get.call(layout, buf, name)).toBe(value);
          set.call(layout, buf, name, get.call(layout, before, name));
          expect(buf.equals(before)).toBe(true);
        },
      ),
    );
  });

  it('counts bits from the most significant bit of byte 0 (PRM order)', () => {
    const buf = Buffer.from('12345678abcdef0100000000000000ff', 'hex');
    expect(CmdHdrIn.get(buf, 'opcode')).toBe(0x1234);
    expect(CmdHdrIn.get(buf, 'uid')).toBe(0x5678);
    expect(CmdHdrIn.get(buf, 'op_mod')).toBe(0xef01);
    expect(CmdHdrOut.get(buf, 'status')).toBe(0x12);
    expect(CmdHdrOut.get(buf, 'syndrome')).toBe(0xabcdef01);
  });

  it('refuses an outbox too short for its header fields', () => {
    expect(() => CmdHdrOut.get(Buffer.alloc(4), 'syndrome')).toThrow(RangeError);
    expect(() => outboxStatus(Buffer.alloc(4))).toThrow(RangeError);
  });

  it('an inbox carries opcode and op_mod; outboxStatus names statuses', () => {
    const inbox = NopIn.encode({ opcode: Op.NOP, op_mod: 0x1b });
    expect(inbox.toString('hex')).toBe('080d00000000001b0000000000000000');
    const out = Buffer.alloc(16);
    expect(outboxStatus(out)).toEqual({ status: 0, statusName: 'OK', syndrome: 0 });
    out.writeUInt8(0x3, 0);
    out.writeUInt32BE(0x1234abcd, 4);
    expect(outboxStatus(out)).toEqual({ status: 3, statusName: 'BAD_PARAM', syndrome: 0x1234abcd });
    out.writeUInt8(0xfe, 0);
    expect(outboxStatus(out).statusName).toBe('ABORTED');
    out.writeUInt8(0x77, 0);
    expect(outboxStatus(out).statusName).toBe('UNKNOWN_0x77');
    expect([hex16(0x1000), hex32(0xbadd00de)]).toEqual(['0x1000', '0xbadd00de']);
  });
});

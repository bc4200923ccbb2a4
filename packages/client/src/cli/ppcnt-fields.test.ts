import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AccessRegIn,
  decodePpcntCounters,
  GROUP_COUNTERS,
  PPCNT_COUNTER_SET_BYTE,
  PPCNT_IO_BYTES,
  PpcntReg,
  parseLocalPort,
  parsePpcntGroup,
  parseRegisterId,
  ppcntGroupOf,
  ppcntReadInbox,
} from './ppcnt-fields.js';
import { CMD_HDR_BYTES, CmdIn, readField } from './prm-fields.js';

describe('PPCNT through ACCESS_REG', () => {
  it('the inbox reads register 0x5008 with the port and group in ppcnt_reg', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 0, max: 63 }),
        (port, grp) => {
          const inbox = ppcntReadInbox(port, grp);
          expect(inbox.length).toBe(PPCNT_IO_BYTES);
          expect(readField(inbox, CmdIn.opcode)).toBe(0x805);
          expect(readField(inbox, CmdIn.op_mod)).toBe(1);
          expect(readField(inbox, AccessRegIn.register_id)).toBe(0x5008);
          const reg = inbox.subarray(CMD_HDR_BYTES);
          expect(readField(reg, PpcntReg.local_port)).toBe(port);
          expect(ppcntGroupOf(reg)).toBe(grp);
          expect(readField(reg, PpcntReg.clr)).toBe(0);
        },
      ),
    );
    // grp is the low 6 bits of the first dword: 0x12 lands as ...0012.
    expect(ppcntReadInbox(1, 0x12).readUInt32BE(CMD_HDR_BYTES)).toBe(0x00010012);
  });

  it('counters are 64-bit _high/_low pairs in PRM order, printed as decimal strings', () => {
    const names = GROUP_COUNTERS.get(0) as readonly string[];
    expect(names).toHaveLength(19);
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), {
          minLength: names.length,
          maxLength: names.length,
        }),
        (values) => {
          const reg = Buffer.alloc(PPCNT_IO_BYTES - CMD_HDR_BYTES);
          values.forEach((v, i) => {
            reg.writeUInt32BE(Number(v >> 32n), PPCNT_COUNTER_SET_BYTE + 8 * i);
            reg.writeUInt32BE(Number(v & 0xffffffffn), PPCNT_COUNTER_SET_BYTE + 8 * i + 4);
          });
          const out = decodePpcntCounters(reg, 0) as Record<string, string>;
          expect(Object.keys(out)).toEqual(names);
          names.forEach((n, i) => {
            expect(out[n]).toBe(String(values[i]));
          });
        },
      ),
    );
    expect(decodePpcntCounters(Buffer.alloc(256), 0x12)).toBeUndefined();
    expect(Object.keys(decodePpcntCounters(Buffer.alloc(256), 1) ?? {})[0]).toBe('if_in_octets');
  });

  it('parsers accept names and numbers and reject everything else', () => {
    expect(parseRegisterId('PPCNT')).toBe(0x5008);
    expect(parseRegisterId('ppcnt')).toBe(0x5008);
    expect(parseRegisterId('0x5008')).toBe(0x5008);
    expect(parseRegisterId('20488')).toBe(0x5008);
    expect(() => parseRegisterId('PMAOS')).toThrow(/unknown register/);
    expect(() => parseRegisterId('0x5009')).toThrow(/unknown register/);
    expect(parsePpcntGroup('ieee_802_3')).toBe(0);
    expect(parsePpcntGroup('RFC_2863')).toBe(1);
    expect(parsePpcntGroup('0x12')).toBe(0x12);
    expect(() => parsePpcntGroup('64')).toThrow();
    expect(parseLocalPort('1')).toBe(1);
    expect(() => parseLocalPort('0')).toThrow();
    expect(() => parseLocalPort('256')).toThrow();
    fc.assert(
      fc.property(fc.string(), (t) => {
        for (const parse of [parseRegisterId, parsePpcntGroup, parseLocalPort]) {
          try {
            const n = parse(t);
            expect(Number.isInteger(n)).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(InvalidArgumentError);
          }
        }
      }),
    );
  });
});

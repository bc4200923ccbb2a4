import {
  AccessRegisterIn,
  CmdHdrIn,
  Eth8023Counters,
  groupCounters,
  PpcntGroup,
  PpcntReg,
  REGISTER_DATA_OFFSET,
} from '@auxctl/prm';
import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodePpcntCounters,
  parseLocalPort,
  parsePpcntGroup,
  ppcntGroupOf,
} from './ppcnt-fields.js';
import { parseRegister, registerIoBytes, registerReadInbox } from './register-table.js';

const PPCNT = parseRegister('PPCNT');
const PPCNT_IO_BYTES = registerIoBytes(PPCNT);
const ppcntReadInbox = (port: number, grp: number) => registerReadInbox(PPCNT, port, { grp });

/** PPCNT's counter_set starts at byte 8 of the register (mlx5_ifc ppcnt_reg). */
const COUNTER_SET_BYTE = 8;

describe('PPCNT through ACCESS_REG', () => {
  it('the inbox reads register 0x5008 with the port and group in ppcnt_reg', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 255 }),
        fc.integer({ min: 0, max: 63 }),
        (port, grp) => {
          const inbox = ppcntReadInbox(port, grp);
          expect(inbox.length).toBe(PPCNT_IO_BYTES);
          expect(CmdHdrIn.get(inbox, 'opcode')).toBe(0x805);
          expect(CmdHdrIn.get(inbox, 'op_mod')).toBe(1);
          expect(AccessRegisterIn.get(inbox, 'register_id')).toBe(0x5008);
          const reg = inbox.subarray(REGISTER_DATA_OFFSET);
          expect(PpcntReg.get(reg, 'local_port')).toBe(port);
          expect(ppcntGroupOf(reg)).toBe(grp);
          expect(PpcntReg.get(reg, 'clr')).toBe(0);
        },
      ),
    );
    // Register data starts at byte 16; grp is the low 6 bits of its first dword: 0x12 lands as ...0012.
    expect(ppcntReadInbox(1, 0x12).readUInt32BE(16)).toBe(0x00010012);
    expect(PpcntReg.byteOffset('counter_set')).toBe(COUNTER_SET_BYTE);
  });

  it('counters are 64-bit _high/_low pairs in PRM order, printed as decimal strings', () => {
    const names = groupCounters(Eth8023Counters).map((c) => c.name);
    expect(names).toHaveLength(19);
    expect(names[0]).toBe('a_frames_transmitted_ok');
    fc.assert(
      fc.property(
        fc.array(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), {
          minLength: names.length,
          maxLength: names.length,
        }),
        (values) => {
          const reg = Buffer.alloc(PPCNT_IO_BYTES - REGISTER_DATA_OFFSET);
          values.forEach((v, i) => {
            reg.writeUInt32BE(Number(v >> 32n), COUNTER_SET_BYTE + 8 * i);
            reg.writeUInt32BE(Number(v & 0xffffffffn), COUNTER_SET_BYTE + 8 * i + 4);
          });
          const out = decodePpcntCounters(reg, 0) as Record<string, string>;
          expect(Object.keys(out)).toEqual(names);
          names.forEach((n, i) => {
            expect(out[n]).toBe(String(values[i]));
          });
        },
      ),
    );
    expect(decodePpcntCounters(Buffer.alloc(256), PpcntGroup.PER_PRIORITY)).toBeUndefined();
    expect(Object.keys(decodePpcntCounters(Buffer.alloc(256), 1) ?? {})[0]).toBe('if_in_octets');
  });

  it('parsers accept names and numbers and reject everything else', () => {
    const id = (t: string) => parseRegister(t).id;
    expect(id('PPCNT')).toBe(0x5008);
    expect(id('ppcnt')).toBe(0x5008);
    expect(id('0x5008')).toBe(0x5008);
    expect(id('20488')).toBe(0x5008);
    expect(id('pmtu')).toBe(0x5003);
    expect(() => parseRegister('PMAOS')).toThrow(/unknown register/);
    expect(() => parseRegister('0x5009')).toThrow(/unknown register/);
    expect(() => parseRegister('CORE_DUMP')).toThrow(/auxctl coredump/);
    expect(() => parseRegister('0xc000')).toThrow(/auxctl rscdump/);
    expect(parsePpcntGroup('ieee_802_3')).toBe(0);
    expect(parsePpcntGroup('RFC_2863')).toBe(1);
    expect(parsePpcntGroup('physical_layer_statistical')).toBe(0x16);
    expect(parsePpcntGroup('0x12')).toBe(0x12);
    expect(() => parsePpcntGroup('64')).toThrow();
    expect(parseLocalPort('1')).toBe(1);
    expect(() => parseLocalPort('0')).toThrow();
    expect(() => parseLocalPort('256')).toThrow();
    fc.assert(
      fc.property(fc.string(), (t) => {
        for (const parse of [(x: string) => parseRegister(x).id, parsePpcntGroup, parseLocalPort]) {
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

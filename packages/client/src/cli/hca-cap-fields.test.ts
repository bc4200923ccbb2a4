import { CmdHcaCap, CmdHdrIn, HCA_CAP_UNION_BYTES } from '@auxctl/prm';
import { InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CAP_LAYOUTS,
  CAP_TYPES,
  parseCapId,
  parseCapMode,
  queryHcaCapInbox,
} from './hca-cap-fields.js';
import { layoutFields } from './layout-fields.js';

describe('QUERY_HCA_CAP', () => {
  it('op_mod is cap_type << 1 | current', () => {
    fc.assert(
      fc.property(fc.nat(0x7fff), fc.constantFrom('cur' as const, 'max' as const), (t, mode) => {
        const inbox = queryHcaCapInbox(t, mode);
        expect(inbox.length).toBe(16);
        expect(CmdHdrIn.get(inbox, 'opcode')).toBe(0x100);
        expect(CmdHdrIn.get(inbox, 'op_mod')).toBe((t << 1) | (mode === 'cur' ? 1 : 0));
      }),
    );
  });

  it("decodes every offered cap type with prm's layout, which fits in the capability union", () => {
    expect([...CAP_LAYOUTS.keys()]).toEqual([...CAP_TYPES.values()]);
    for (const layout of CAP_LAYOUTS.values()) {
      expect(layout.bytes).toBeLessThanOrEqual(HCA_CAP_UNION_BYTES);
    }
    // log_max_qp lives in the low 5 bits of dword 4 (mlx5_ifc offset 0x9b).
    const one = Buffer.alloc(HCA_CAP_UNION_BYTES);
    one.writeUInt32BE(18, 0x10);
    const rows = new Map(layoutFields(CmdHcaCap, one));
    expect(rows.get('log_max_qp')).toBe(18);
    // uctx_cap is the whole dword at 0x6a0 (the fwctl-era header).
    one.writeUInt32BE(0x7, 0x6a0 / 8);
    expect(new Map(layoutFields(CmdHcaCap, one)).get('uctx_cap')).toBe(7);
  });

  it('parses cap ids and modes', () => {
    expect(parseCapId('general')).toBe(0);
    expect(parseCapId('DEBUG')).toBe(0xd);
    expect(parseCapId('vdpa_emulation')).toBe(0x13);
    expect(parseCapId('0x4')).toBe(4);
    expect(parseCapId('13')).toBe(13);
    for (const bad of ['gen', '-1', '0x8000', ''])
      expect(() => parseCapId(bad)).toThrow(InvalidArgumentError);
    expect(parseCapMode('MAX')).toBe('max');
    expect(() => parseCapMode('min')).toThrow(InvalidArgumentError);
  });
});

import { describe, expect, it } from 'vitest';
import { Op } from './opcodes.js';
import {
  LoadVhcaStateIn,
  QueryVhcaMigrationStateIn,
  QueryVhcaMigrationStateOut,
  SaveVhcaStateIn,
  SaveVhcaStateOut,
  VhcaIn,
  VhcaOut,
} from './vhca-migration.js';

describe('VHCA migration layouts', () => {
  it('put vhca_id, va, mkey and size where mlx5_ifc.h has them', () => {
    expect([VhcaIn.bytes, VhcaOut.bytes]).toEqual([16, 16]);
    expect(VhcaIn.byteOffset('vhca_id')).toBe(10);
    expect(QueryVhcaMigrationStateIn.info('incremental').bitOffset).toBe(0x40);
    expect(QueryVhcaMigrationStateOut.byteOffset('required_umem_size')).toBe(16);
    expect(QueryVhcaMigrationStateOut.byteOffset('remaining_total_size')).toBe(24);
    for (const l of [SaveVhcaStateIn, LoadVhcaStateIn]) {
      expect([l.byteOffset('va'), l.byteOffset('mkey'), l.byteOffset('size'), l.bytes]).toEqual([
        16, 24, 28, 32,
      ]);
    }
    expect(SaveVhcaStateOut.byteOffset('actual_image_size')).toBe(8);
    expect(SaveVhcaStateIn.encode({ opcode: Op.SAVE_VHCA_STATE, set_track: 1 })[8]).toBe(0x40);
  });

  it('opcodes 0x115..0x119', () => {
    expect([
      Op.SUSPEND_VHCA,
      Op.RESUME_VHCA,
      Op.QUERY_VHCA_MIGRATION_STATE,
      Op.SAVE_VHCA_STATE,
      Op.LOAD_VHCA_STATE,
    ]).toEqual([0x115, 0x116, 0x117, 0x118, 0x119]);
  });
});

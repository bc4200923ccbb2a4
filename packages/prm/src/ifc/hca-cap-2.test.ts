import { describe, expect, it } from 'vitest';
import { CapType, CmdHcaCap } from './hca-cap.js';
import { AdvVirtualizationCap, CmdHcaCap2 } from './hca-cap-2.js';

describe('migration capabilities', () => {
  it('cmd_hca_cap bits sit where mlx5_ifc.h has them', () => {
    expect(CmdHcaCap.info('vhca_resource_manager').bitOffset).toBe(0x1f);
    expect(CmdHcaCap.info('hca_cap_2').bitOffset).toBe(0x20);
    expect(CmdHcaCap.info('adv_virtualization').bitOffset).toBe(0x579);
    expect(CmdHcaCap.info('migration').bitOffset).toBe(0x68d);
    expect(CmdHcaCap.bytes).toBe(256);
  });

  it('cmd_hca_cap_2 and adv_virtualization_cap bits sit where mlx5_ifc.h has them', () => {
    expect(CmdHcaCap2.info('migratable').bitOffset).toBe(0x80);
    expect(CmdHcaCap2.info('migration_multi_load').bitOffset).toBe(0xc8);
    expect(CmdHcaCap2.info('migration_tracking_state').bitOffset).toBe(0xc9);
    expect(CmdHcaCap2.info('migration_in_chunks').bitOffset).toBe(0xd0);
    expect(AdvVirtualizationCap.info('pg_track_log_max_page_size').bitOffset).toBe(0x3b);
    expect([CmdHcaCap2.bytes, AdvVirtualizationCap.bytes]).toEqual([256, 256]);
    expect([CapType.GENERAL_2, CapType.ADV_VIRTUALIZATION]).toEqual([0x20, 0x26]);
  });

  it('a set bit reads back in the right byte', () => {
    const b = CmdHcaCap2.encode({ migratable: 1 });
    expect(b[0x10]).toBe(0x80);
    const g = CmdHcaCap.encode({ migration: 1 });
    expect(g[0x68d >> 3]).toBe(0x80 >> (0x68d & 7));
  });
});

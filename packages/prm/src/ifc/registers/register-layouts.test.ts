import { describe, expect, it } from 'vitest';
import {
  AccessRegisterIn,
  AccessRegisterOut,
  REGISTER_DATA_OFFSET,
  RegisterId,
  registerName,
} from '../access-reg.js';
import { CORE_DUMP_INLINE_OFFSET, CoreDumpReg, CrdumpHeader } from './core-dump.js';
import { MtrcCap, MtrcConf, MtrcCtrl, MtrcStdb } from './mtrc.js';
import {
  Eth2863Counters,
  Eth8023Counters,
  groupCounters,
  PhysLayerCounters,
  PhysLayerStatisticalCounters,
  PpcntReg,
} from './ppcnt.js';
import {
  CommandSegment,
  ErrorSegment,
  InfoSegment,
  MenuRecord,
  MenuSegment,
  ResourceDumpReg,
  ResourceSegment,
} from './resource-dump.js';

// Sizes and offsets as mlx5_ifc.h declares them (MLX5_ST_SZ_BYTES / __mlx5_bit_off).
describe('register layouts', () => {
  it('ACCESS_REG headers are 16 bytes with register_id in dword 2', () => {
    expect(AccessRegisterIn.bytes).toBe(16);
    expect(AccessRegisterOut.bytes).toBe(16);
    expect(REGISTER_DATA_OFFSET).toBe(16);
    expect(AccessRegisterIn.info('register_id').bitOffset).toBe(0x50);
    expect(AccessRegisterIn.info('argument').bitOffset).toBe(0x60);
    expect(registerName(RegisterId.PPCNT)).toBe('PPCNT');
    expect(registerName(0x1)).toBe('REG_0x0001');
  });

  it('PPCNT is 256 bytes and every counter group fills the 248-byte counter_set', () => {
    expect(PpcntReg.bytes).toBe(256);
    expect(PpcntReg.info('grp').bitOffset).toBe(0x1a);
    expect(PpcntReg.info('prio_tc').bitOffset).toBe(0x3d);
    for (const g of [
      Eth8023Counters,
      Eth2863Counters,
      PhysLayerCounters,
      PhysLayerStatisticalCounters,
    ]) {
      expect(g.bits).toBe(0x7c0);
    }
    expect(Eth8023Counters.info('a_pause_mac_ctrl_frames_transmitted_low').bitOffset).toBe(0x4a0);
    expect(PhysLayerCounters.info('link_down_events').bitOffset).toBe(0x600);
    expect(
      groupCounters(PhysLayerCounters)
        .filter((c) => !c.wide)
        .map((c) => c.name),
    ).toEqual(['link_down_events', 'successful_recovery_events']);
  });

  it('RESOURCE_DUMP and its segments have the kernel sizes', () => {
    expect(ResourceDumpReg.bytes).toBe(256);
    expect(ResourceDumpReg.info('inline_data').bitOffset).toBe(0x180);
    expect(InfoSegment.bytes + CommandSegment.bytes + MenuSegment.bytes).toBe(44);
    expect(MenuRecord.bytes).toBe(52);
    expect(ResourceSegment.bytes).toBe(16);
    expect(ErrorSegment.bytes).toBe(48);
  });

  it('MTRC registers have the kernel sizes', () => {
    expect(MtrcCap.bytes).toBe(128);
    expect(MtrcCap.info('log_max_trace_buffer_size').bitOffset).toBe(0x58);
    expect(MtrcConf.bytes).toBe(128);
    expect(MtrcStdb.bytes).toBe(8);
    expect(MtrcCtrl.bytes).toBe(64);
    expect(MtrcCtrl.info('current_timestamp52_32').bitOffset).toBe(0x4b);
  });

  it('CORE_DUMP keeps the kernel fields in place and is 64 bytes before inline data', () => {
    expect(CoreDumpReg.bytes).toBe(64);
    expect(CORE_DUMP_INLINE_OFFSET).toBe(64);
    expect(CoreDumpReg.info('core_dump_type').bitOffset).toBe(0x18);
    expect(CoreDumpReg.info('vhca_id').bitOffset).toBe(0x50);
    expect(CoreDumpReg.info('qpn').bitOffset).toBe(0x68);
    // mlx5ctl's mlx5_ifc.h: mkey dword 4, size dword 5, address dwords 6-7, cookie dwords 8-9.
    expect(
      (['more_dump', 'mkey', 'size', 'address', 'cookie'] as const).map(
        (f) => CoreDumpReg.info(f).bitOffset,
      ),
    ).toEqual([0, 0x80, 0xa0, 0xc0, 0x100]);
    expect(CrdumpHeader.bytes).toBe(256);
  });
});

import { describe, expect, it } from 'vitest';
import { QueryAdapterOut, QueryAdapterParamBlock } from './adapter.js';
import {
  DiagnosticCntrStruct,
  DiagnosticParamsContext,
  QueryDiagnosticParamsOut,
  SetDiagnosticParamsIn,
} from './diag.js';
import {
  CmdHcaCap,
  DebugCap,
  HCA_CAP_UNION_BYTES,
  hcaCapOpMod,
  QueryHcaCapOut,
  RoceCap,
  SetHcaCapIn,
} from './hca-cap.js';
import { EnableHcaOut, InitHcaIn, ManagePagesIn, QueryPagesOut, TeardownHcaOut } from './init.js';
import { QueryIssiOut, SetIssiIn } from './issi.js';
import { CreateMkeyIn, Mkc, mkeyFromIndex, mkeyIndex, QueryMkeyOut } from './mkey.js';
import { AllocPdOut, DeallocPdIn } from './pd.js';
import { CreateUctxIn, CreateUctxOut, DestroyUctxIn, Uctx } from './uctx.js';
import { CreateUmemIn, Mtt, mttAddress, Umem, writeMtt } from './umem.js';

// Offsets below are the bit offsets of the same fields in include/linux/mlx5/mlx5_ifc.h.
const at = (l: { info(f: never): { bitOffset: number } }, f: string) =>
  l.info(f as never).bitOffset;

describe('command layouts match mlx5_ifc.h', () => {
  it('places the general capabilities at their PRM bits', () => {
    expect(CmdHcaCap.bytes).toBe(0x800 / 8);
    const expected: Record<string, number> = {
      vhca_id: 0x30,
      log_max_qp: 0x9b,
      log_max_srq: 0xab,
      log_max_cq: 0xdb,
      log_max_mkey: 0xea,
      log_max_eq: 0xfc,
      force_teardown: 0x110,
      debug: 0x183,
      pkey_table_size: 0x190,
      port_type: 0x1b6,
      num_ports: 0x1b8,
      log_max_msg: 0x1c3,
      eth_net_offloads: 0x21c,
      roce: 0x21d,
      rc: 0x23f,
      umem_uid_0: 0x252,
      log_pg_sz: 0x258,
      num_of_diagnostic_counters: 0x280,
      log_max_pd: 0x32b,
      log_max_rq: 0x363,
      log_max_sq: 0x36b,
      log_max_tir: 0x373,
      log_max_tis: 0x37b,
      general_obj_types: 0x400,
      log_max_uctx: 0x463,
      log_max_umem: 0x46b,
      max_num_eqs: 0x470,
      device_frequency_khz: 0x4e0,
      uctx_cap: 0x6a0,
    };
    for (const [f, bit] of Object.entries(expected))
      expect([f, at(CmdHcaCap, f)]).toEqual([f, bit]);
    expect(at(DebugCap, 'log_max_samples')).toBe(0x18);
    expect(at(DebugCap, 'log_min_sample_period')).toBe(0x38);
    expect(DebugCap.bytes).toBe(0x200 / 8);
    expect(RoceCap.bytes).toBe(0x800 / 8);
    expect(at(RoceCap, 'r_roce_dest_udp_port')).toBe(0xb0);
    expect(QueryHcaCapOut.bytes).toBe(16 + HCA_CAP_UNION_BYTES);
    expect(SetHcaCapIn.byteOffset('capability')).toBe(16);
    expect(hcaCapOpMod(0xd, true)).toBe(0x1b);
  });

  it('sizes the lifecycle commands as the kernel does', () => {
    expect(EnableHcaOut.bytes).toBe(12);
    expect(InitHcaIn.bytes).toBe(32);
    expect(at(TeardownHcaOut, 'state')).toBe(0x7f);
    expect(QueryIssiOut.bytes).toBe(112);
    expect(at(QueryIssiOut, 'supported_issi_dw0')).toBe(0x360);
    expect(at(SetIssiIn, 'current_issi')).toBe(0x50);
    expect(at(QueryPagesOut, 'num_pages')).toBe(0x60);
    expect(ManagePagesIn.bytes).toBe(16);
    expect(QueryAdapterParamBlock.bytes).toBe(256);
    expect(at(QueryAdapterParamBlock, 'vsd_contd_psid')).toBe(0x780);
    expect(QueryAdapterOut.bytes).toBe(16 + 256);
  });

  it('lays out uctx, umem, pd and mkey', () => {
    expect(Uctx.bytes).toBe(48);
    expect(CreateUctxIn.bytes).toBe(64);
    expect(at(CreateUctxOut, 'uid')).toBe(0x50);
    expect(at(DestroyUctxIn, 'uid')).toBe(0x50);
    expect(Umem.bytes).toBe(32);
    expect(at(Umem, 'log_page_size')).toBe(0x9b);
    expect(at(Umem, 'num_of_mtt')).toBe(0xc0);
    expect(CreateUmemIn.bytes).toBe(48);
    expect(Mtt.bytes).toBe(8);
    expect(at(AllocPdOut, 'pd')).toBe(0x48);
    expect(at(DeallocPdIn, 'pd')).toBe(0x48);
    expect(Mkc.bytes).toBe(64);
    expect(at(Mkc, 'lw')).toBe(0x14);
    expect(at(Mkc, 'access_mode_1_0')).toBe(0x16);
    expect(at(Mkc, 'pd')).toBe(0x68);
    expect(at(Mkc, 'log_page_size')).toBe(0x1da);
    expect(CreateMkeyIn.bytes).toBe(0x880 / 8);
    expect(at(CreateMkeyIn, 'mkey_umem_valid')).toBe(0x61);
    expect(at(CreateMkeyIn, 'mkey_umem_id')).toBe(0x320);
    expect(at(CreateMkeyIn, 'mkey_umem_offset')).toBe(0x340);
    expect(QueryMkeyOut.bytes).toBe(0x980 / 8);
    expect(mkeyIndex(mkeyFromIndex(0x123, 0x45))).toBe(0x123);
    expect(mkeyFromIndex(0x123, 0x45)).toBe(0x12345);
  });

  it('encodes MTT entries with the page address in the ptag', () => {
    const b = Buffer.alloc(8);
    writeMtt(b, 0, 0x1234_5678_9000n, { read: true, write: false });
    expect(mttAddress(b, 0)).toBe(0x1234_5678_9000n);
    expect(Mtt.get(b, 'rd_en')).toBe(1);
    expect(Mtt.get(b, 'wr_en')).toBe(0);
  });

  it('lays out the diagnostic commands as the PRM (mlx5ctl) does', () => {
    expect(DiagnosticParamsContext.bytes).toBe(24);
    expect(QueryDiagnosticParamsOut.byteOffset('diagnostic_params_context')).toBe(8);
    expect(SetDiagnosticParamsIn.bytes).toBe(32);
    expect(at(DiagnosticParamsContext, 'enable')).toBe(0x25);
    expect(at(DiagnosticParamsContext, 'log_sample_period')).toBe(0x38);
    expect(DiagnosticCntrStruct.bytes).toBe(16);
  });
});

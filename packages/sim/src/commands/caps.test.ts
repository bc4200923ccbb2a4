import {
  AccessRegisterIn,
  AccessRegOpMod,
  CapType,
  CmdHcaCap,
  CmdStatus,
  DebugCap,
  DiagnosticCntrLayout,
  DtorReg,
  hcaCapOpMod,
  MELLANOX_OUI,
  Op,
  QueryAdapterOut,
  QueryAdapterParamBlock,
  QueryHcaCapIn,
  QueryHcaCapOut,
  REGISTER_DATA_OFFSET,
  RegisterId,
  RoceCap,
  Syndrome,
  UctxCap,
} from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { DIAG_COUNTERS } from '../diag-counters.js';
import { DEFAULT_IDENTITY } from '../firmware-options.js';
import { FirmwareHarness } from '../testing/firmware-harness.js';

const general = (h: FirmwareHarness, current: boolean, uid = 0) => {
  const r = h.ok(h.queryCaps(CapType.GENERAL, current, uid), 'QUERY_HCA_CAP');
  return Buffer.from(QueryHcaCapOut.view(r.out, 'capability').subarray(0, CmdHcaCap.bytes));
};

describe('QUERY_HCA_CAP / SET_HCA_CAP', () => {
  it('reports the device options in the general capabilities', () => {
    const h = new FirmwareHarness({
      ports: 2,
      uctxCap: UctxCap.TOOLS_RESOURCES,
      caps: { log_max_pd: 6 },
    });
    h.enable();
    const cur = CmdHcaCap.decode(general(h, true));
    expect(cur.port_type).toBe(1);
    expect(cur.roce).toBe(1);
    expect(cur.num_ports).toBe(2);
    expect(cur.uctx_cap).toBe(UctxCap.TOOLS_RESOURCES);
    expect(cur.log_max_pd).toBe(6);
    expect(cur.umem_uid_0).toBe(1);
    expect(cur.debug).toBe(1);
    expect(cur.num_of_diagnostic_counters).toBe(DIAG_COUNTERS.length);
    const ib = new FirmwareHarness({ portType: 'ib', roce: true });
    ib.enable();
    const ibCaps = CmdHcaCap.decode(general(ib, true));
    expect([ibCaps.port_type, ibCaps.roce, ibCaps.eth_net_offloads]).toEqual([0, 0, 0]);
  });

  it('distinguishes max from current and lets SET_HCA_CAP change settable fields up to max', () => {
    const h = new FirmwareHarness();
    h.enable();
    const max = CmdHcaCap.decode(general(h, false));
    const cur = general(h, true);
    expect(CmdHcaCap.get(cur, 'log_max_qp')).toBe(max.log_max_qp - 1);
    CmdHcaCap.set(cur, 'log_max_pd', 3);
    CmdHcaCap.set(cur, 'uctx_cap', UctxCap.RAW_TX);
    CmdHcaCap.set(cur, 'num_ports', 7); // read-only: ignored
    h.ok(h.setGeneralCaps(cur), 'SET_HCA_CAP');
    const after = CmdHcaCap.decode(general(h, true));
    expect([after.log_max_pd, after.uctx_cap, after.num_ports]).toEqual([
      3,
      UctxCap.RAW_TX,
      max.num_ports,
    ]);
    expect(CmdHcaCap.decode(general(h, false)).log_max_pd).toBe(max.log_max_pd);
  });

  it('rejects SET_HCA_CAP values above max and applies nothing then', () => {
    const h = new FirmwareHarness({ uctxCap: UctxCap.RAW_TX });
    h.enable();
    const block = general(h, true);
    CmdHcaCap.set(block, 'log_max_pd', 2);
    CmdHcaCap.set(block, 'log_max_qp', 31);
    const r = h.setGeneralCaps(block);
    expect([r.status, r.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.BAD_FIELD]);
    expect(h.fw.capability('log_max_pd')).not.toBe(2);
    const caps = general(h, true);
    CmdHcaCap.set(caps, 'uctx_cap', UctxCap.RAW_TX | UctxCap.TOOLS_RESOURCES);
    expect(h.setGeneralCaps(caps).syndrome).toBe(Syndrome.BAD_FIELD);
  });

  it('limits objects by the current log_max_* after SET_HCA_CAP', () => {
    const h = new FirmwareHarness();
    h.enable();
    const block = general(h, true);
    CmdHcaCap.set(block, 'log_max_pd', 1);
    h.ok(h.setGeneralCaps(block), 'SET_HCA_CAP');
    h.ok(h.run(h.header(Op.INIT_HCA, 32)), 'INIT_HCA');
    h.pd();
    h.pd();
    const third = h.allocPd();
    expect([third.status, third.syndrome]).toEqual([CmdStatus.LIM, Syndrome.OBJ_LIMIT]);
  });

  it('reports the debug capability with the diagnostic counter list, and RoCE caps only with RoCE', () => {
    const h = new FirmwareHarness();
    h.enable();
    const dbg = QueryHcaCapOut.view(
      h.ok(h.queryCaps(CapType.DEBUG, true), 'debug').out,
      'capability',
    );
    expect(DebugCap.get(dbg, 'resource_dump')).toBe(1);
    expect(DebugCap.get(dbg, 'core_dump_general')).toBe(1);
    const ids = DIAG_COUNTERS.map((_, i) =>
      DiagnosticCntrLayout.get(dbg, 'counter_id', DebugCap.bytes + i * DiagnosticCntrLayout.bytes),
    );
    expect(ids).toEqual(DIAG_COUNTERS.map((c) => c.id));
    const roce = QueryHcaCapOut.view(
      h.ok(h.queryCaps(CapType.ROCE, false), 'roce').out,
      'capability',
    );
    expect(RoceCap.get(roce, 'r_roce_dest_udp_port')).toBe(4791);
    const noRoce = new FirmwareHarness({ roce: false });
    noRoce.enable();
    const r = noRoce.queryCaps(CapType.ROCE, true);
    expect([r.status, r.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.BAD_OP_MOD]);
  });

  it('answers an unknown cap_type, other functions and a uid set with BAD_PARAM', () => {
    const h = new FirmwareHarness().boot();
    const unknown = h.queryCaps(0x7, true);
    expect([unknown.status, unknown.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.BAD_OP_MOD]);
    const other = h.header(Op.QUERY_HCA_CAP, QueryHcaCapIn.bytes, 0, 1);
    QueryHcaCapIn.set(other, 'other_function', 1);
    QueryHcaCapIn.set(other, 'function_id', 1);
    expect(h.run(other, QueryHcaCapOut.bytes).syndrome).toBe(Syndrome.FUNCTION_UNKNOWN);
    QueryHcaCapIn.set(other, 'ec_vf_function', 1);
    expect(h.run(other, QueryHcaCapOut.bytes).syndrome).toBe(Syndrome.BAD_FIELD);
    const uid = h.uctx(0);
    expect(h.queryCaps(CapType.GENERAL, true, uid).status).toBe(CmdStatus.OK);
    const setDebug = h.header(Op.SET_HCA_CAP, 16 + 4096, 0, CapType.DEBUG << 1);
    expect(h.run(setDebug).syndrome).toBe(Syndrome.BAD_OP_MOD);
  });
});

describe('QUERY_ADAPTER', () => {
  it('reports vendor ids and the PSID', () => {
    const h = new FirmwareHarness();
    h.enable();
    const r = h.ok(h.run(h.header(Op.QUERY_ADAPTER, 16), QueryAdapterOut.bytes), 'QUERY_ADAPTER');
    const at = QueryAdapterOut.byteOffset('query_adapter_struct');
    const block = QueryAdapterParamBlock.decode(r.out, at);
    expect(block.ieee_vendor_id).toBe(MELLANOX_OUI);
    expect(block.vsd_vendor_id).toBe(0x15b3);
    expect(block.vsd_contd_psid.toString('latin1').replace(/\0+$/, '')).toBe(DEFAULT_IDENTITY.psid);
    expect(block.vsd.toString('latin1')).toContain(DEFAULT_IDENTITY.serial);
  });
});

describe("the capabilities and registers mlx5ctl's public samples show", () => {
  // The sample's hex lines, as the tool printed them.
  const hex = (lines: string[]) => lines.join(' ').replaceAll(' ', '');

  it('QOS (cap_type 0xc) answers the bytes a ConnectX-6 Dx returned', () => {
    const h = new FirmwareHarness().boot();
    const q = h.header(Op.QUERY_HCA_CAP, QueryHcaCapIn.bytes);
    QueryHcaCapIn.set(q, 'op_mod', hcaCapOpMod(CapType.QOS, true));
    const out = h.ok(h.run(q, QueryHcaCapOut.bytes), 'QUERY_HCA_CAP QOS').out;
    expect(QueryHcaCapOut.view(out, 'capability').subarray(0, 48).toString('hex')).toBe(
      hex([
        'ff f1 0c 2a 42 a8 00 00 05 f5 e1 00 00 00 00 01',
        '00 04 00 80 00 0f 00 07 00 00 00 08 00 00 00 64',
        '00 11 00 01 06 06 17 00 0d 0d 00 00 00 00 00 00',
      ]),
    );
  });

  it('DTOR (0xc00e) reads the timeouts a ConnectX-6 Dx returned, and is read-only', () => {
    const h = new FirmwareHarness().boot();
    const read = Buffer.alloc(REGISTER_DATA_OFFSET + DtorReg.bytes);
    AccessRegisterIn.write(read, {
      opcode: Op.ACCESS_REG,
      op_mod: AccessRegOpMod.READ,
      register_id: RegisterId.DTOR,
    });
    const out = h.ok(h.run(read, read.length), 'ACCESS_REG DTOR').out;
    expect(out.subarray(REGISTER_DATA_OFFSET).toString('hex')).toBe(
      hex([
        '00 00 00 00 20 00 00 02 00 00 00 00 00 00 00 00',
        '00 00 00 00 20 00 00 02 20 00 00 3c 20 00 00 3c',
        '20 00 00 02 20 00 00 02 20 00 00 0a 20 00 00 05',
        '20 00 00 05 20 00 00 78 00 00 00 00 00 00 00 00',
      ]),
    );
    AccessRegisterIn.set(read, 'op_mod', AccessRegOpMod.WRITE);
    expect(h.run(read, read.length).syndrome).toBe(Syndrome.REG_BAD_ACCESS);
  });
});

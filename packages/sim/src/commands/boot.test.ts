import {
  CmdStatus,
  EnableHcaIn,
  ManagePagesIn,
  ManagePagesOut,
  Op,
  QueryIssiIn,
  QueryIssiOut,
  QueryPagesIn,
  QueryPagesOut,
  SetIssiIn,
  Syndrome,
  TeardownHcaIn,
  UctxCap,
} from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { BOOT_PAGES, INIT_PAGES } from '../page-ledger.js';
import { FirmwareHarness } from '../testing/firmware-harness.js';

describe('boot state machine', () => {
  it('runs the full mlx5 boot sequence and tears down again', () => {
    const h = new FirmwareHarness();
    expect(h.fw.state).toBe('disabled');
    h.boot();
    expect(h.fw.state).toBe('initialized');
    expect(h.fw.capability('log_max_qp')).toBe(h.fw.capability('log_max_qp', 'max'));
    h.pd();
    expect(h.ok(h.teardown(), 'TEARDOWN_HCA').out).toHaveLength(16);
    expect(h.fw.state).toBe('enabled');
    expect(h.fw.objectCounts()).toEqual({});
    h.ok(h.run(h.header(Op.DISABLE_HCA, EnableHcaIn.bytes), 12), 'DISABLE_HCA');
    expect(h.fw.state).toBe('disabled');
    expect(h.fw.capability('log_max_qp')).toBe(h.fw.capability('log_max_qp', 'max') - 1);
    h.boot();
    expect(h.fw.state).toBe('initialized');
  });

  it('allows only the commands of each state (BAD_SYS_STATE / BAD_HCA_STATE)', () => {
    const h = new FirmwareHarness();
    const state = (op: number, bytes = 16, outLen = 16) => h.run(h.header(op, bytes), outLen);
    const badState = [CmdStatus.BAD_SYS_STATE, Syndrome.BAD_HCA_STATE];
    // disabled: ENABLE_HCA and NOP only
    expect(state(Op.NOP).status).toBe(CmdStatus.OK);
    expect([state(Op.QUERY_ISSI, 16, 112).status, state(Op.QUERY_ISSI, 16, 112).syndrome]).toEqual(
      badState,
    );
    expect(state(Op.INIT_HCA, 32).status).toBe(CmdStatus.BAD_SYS_STATE);
    expect(state(Op.DISABLE_HCA, 16, 12).status).toBe(CmdStatus.BAD_SYS_STATE);
    h.ok(h.enable(), 'ENABLE_HCA');
    // enabled: negotiation commands, not object commands; no second ENABLE_HCA
    expect(state(Op.ENABLE_HCA, 16, 12).status).toBe(CmdStatus.BAD_SYS_STATE);
    expect(state(Op.QUERY_ADAPTER, 16, 272).status).toBe(CmdStatus.OK);
    expect(state(Op.ALLOC_PD).status).toBe(CmdStatus.BAD_SYS_STATE);
    expect(state(Op.TEARDOWN_HCA).status).toBe(CmdStatus.BAD_SYS_STATE);
    h.ok(state(Op.INIT_HCA, 32), 'INIT_HCA');
    // initialized: no renegotiation, no DISABLE without TEARDOWN
    expect(state(Op.SET_ISSI).status).toBe(CmdStatus.BAD_SYS_STATE);
    expect(state(Op.INIT_HCA, 32).status).toBe(CmdStatus.BAD_SYS_STATE);
    expect(state(Op.DISABLE_HCA, 16, 12).status).toBe(CmdStatus.BAD_SYS_STATE);
    expect(state(Op.QUERY_ISSI, 16, 112).status).toBe(CmdStatus.OK);
  });

  it('reports and sets the supported ISSI', () => {
    const h = new FirmwareHarness();
    h.enable();
    const q = h.ok(
      h.run(h.header(Op.QUERY_ISSI, QueryIssiIn.bytes), QueryIssiOut.bytes),
      'QUERY_ISSI',
    );
    expect(QueryIssiOut.get(q.out, 'supported_issi_dw0')).toBe(0x3);
    expect(QueryIssiOut.get(q.out, 'current_issi')).toBe(0);
    const set = (issi: number) => {
      const inbox = h.header(Op.SET_ISSI, SetIssiIn.bytes);
      SetIssiIn.set(inbox, 'current_issi', issi);
      return h.run(inbox);
    };
    expect([set(2).status, set(2).syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.BAD_FIELD]);
    expect(set(40).status).toBe(CmdStatus.BAD_PARAM);
    h.ok(set(1), 'SET_ISSI 1');
    const again = h.run(h.header(Op.QUERY_ISSI, QueryIssiIn.bytes), QueryIssiOut.bytes);
    expect(QueryIssiOut.get(again.out, 'current_issi')).toBe(1);
  });

  it('asks for boot and init pages, counts what it gets, and returns them on request', () => {
    const h = new FirmwareHarness();
    h.enable();
    expect(h.givePages(1)).toBe(BOOT_PAGES);
    expect(h.givePages(1)).toBe(0);
    expect(h.givePages(2)).toBe(INIT_PAGES);
    const regular = h.run(h.header(Op.QUERY_PAGES, QueryPagesIn.bytes, 0, 3));
    expect(QueryPagesOut.get(regular.out, 'num_pages')).toBe(0);
    const reclaim = h.header(Op.MANAGE_PAGES, ManagePagesIn.bytes, 0, 2);
    ManagePagesIn.set(reclaim, 'input_num_entries', 100);
    const back = h.ok(h.run(reclaim, ManagePagesOut.bytes + 3 * 8), 'reclaim');
    expect(ManagePagesOut.get(back.out, 'output_num_entries')).toBe(3);
    expect(back.out.readBigUInt64BE(16)).toBe(BigInt(0x1000_0000 + (INIT_PAGES - 1) * 4096));
    const short = h.header(Op.MANAGE_PAGES, ManagePagesIn.bytes + 8, 0, 1);
    ManagePagesIn.set(short, 'input_num_entries', 2);
    expect(h.run(short).status).toBe(CmdStatus.BAD_INP_LEN);
    const other = h.header(Op.QUERY_PAGES, QueryPagesIn.bytes, 0, 1);
    QueryPagesIn.set(other, 'function_id', 3);
    expect(h.run(other).syndrome).toBe(Syndrome.BAD_FIELD);
  });

  it('keeps lifecycle commands for uid 0 (UID_NOT_ALLOWED) and checks that a uid exists', () => {
    const h = new FirmwareHarness().boot();
    const uid = h.uctx(UctxCap.TOOLS_RESOURCES);
    const t = h.header(Op.TEARDOWN_HCA, TeardownHcaIn.bytes, uid);
    expect([h.run(t).status, h.run(t).syndrome]).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.UID_NOT_ALLOWED,
    ]);
    const ghost = h.run(h.header(Op.NOP, 16, uid + 1));
    expect([ghost.status, ghost.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.UID_UNKNOWN]);
    expect(h.run(h.header(Op.NOP, 16, uid)).status).toBe(CmdStatus.OK);
    expect(h.fw.state).toBe('initialized');
  });

  it('accepts the graceful and force teardown profiles only', () => {
    const h = new FirmwareHarness().boot();
    expect(h.teardown(2).syndrome).toBe(Syndrome.BAD_FIELD);
    expect(h.fw.state).toBe('initialized');
    h.ok(h.teardown(1), 'force teardown');
    expect(h.fw.state).toBe('enabled');
  });
});

import { FwctlScope, OPCODES, Op, opcodeInfo } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { checkedHeadOpcodes } from './command-heads.js';

import {
  REJECTED_OPCODES,
  rejection,
  requiredScope,
  SCOPE_TABLE,
  scopeRule,
} from './scope-table.js';

describe('SCOPE_TABLE', () => {
  it('covers every opcode core knows: allowed at a scope, or rejected with a reason', () => {
    for (const op of OPCODES) {
      const rule = scopeRule(op.opcode);
      const rej = rejection(op.opcode);
      expect(rule === undefined, `${op.name} is both allowed and rejected, or neither`).toBe(
        rej !== undefined,
      );
      if (rej) {
        expect(rej.name).toBe(op.name);
        expect(rej.reason.length).toBeGreaterThan(20);
      } else {
        expect(rule?.name).toBe(op.name);
      }
    }
    // Rejected opcodes are all ones core knows (the rest are refused anyway).
    for (const r of REJECTED_OPCODES) expect(opcodeInfo(r.opcode)?.name).toBe(r.name);
  });

  it('classifies the data-path commands: queries at DEBUG_READ_ONLY, queue and vport changes rejected', () => {
    for (const name of [
      'QUERY_CQ',
      'QUERY_SQ',
      'QUERY_RQ',
      'QUERY_QP',
      'QUERY_VPORT_STATE',
      'QUERY_NIC_VPORT_CONTEXT',
      'QUERY_VPORT_COUNTER',
    ]) {
      const op = OPCODES.find((o) => o.name === name)!;
      expect(requiredScope(op.opcode, 0), name).toBe(FwctlScope.DEBUG_READ_ONLY);
    }
    const changes = OPCODES.filter(
      (o) =>
        /^(CREATE|DESTROY|MODIFY)_(EQ|CQ|SQ|RQ|QP|TIR|TIS|VPORT_STATE|NIC_VPORT_CONTEXT)$|_QP$/.test(
          o.name,
        ) && !o.name.startsWith('QUERY'),
    );
    expect(changes.length).toBeGreaterThanOrEqual(25);
    for (const o of changes) {
      expect(scopeRule(o.opcode), o.name).toBeUndefined();
      expect(rejection(o.opcode)?.name).toBe(o.name);
    }
  });

  it('lists each opcode and name once, in opcode order, with names matching core where core knows them', () => {
    const ops = SCOPE_TABLE.map((r) => r.opcode);
    expect(new Set(ops).size).toBe(ops.length);
    expect(new Set(SCOPE_TABLE.map((r) => r.name)).size).toBe(ops.length);
    expect([...ops].sort((a, b) => a - b)).toEqual(ops);
    for (const r of SCOPE_TABLE) {
      expect(r.opcode).toBeGreaterThan(0);
      expect(r.opcode).toBeLessThanOrEqual(0xffff);
      const known = opcodeInfo(r.opcode);
      if (known) expect(r.name).toBe(known.name);
      expect(REJECTED_OPCODES.some((x) => x.opcode === r.opcode)).toBe(false);
    }
  });

  it('follows upstream mlx5 fwctl: configuration queries, ~75 debug queries, diagnostics at debug write', () => {
    const at = (scope: number) =>
      SCOPE_TABLE.filter((r) => r.source === 'upstream' && r.scope === scope);
    expect(requiredScope(Op.QUERY_HCA_CAP, 1)).toBe(FwctlScope.CONFIGURATION);
    expect(requiredScope(Op.QUERY_ADAPTER, 0)).toBe(FwctlScope.CONFIGURATION);
    expect(requiredScope(Op.NOP, 0)).toBe(FwctlScope.DEBUG_READ_ONLY);
    expect(requiredScope(Op.QUERY_DIAGNOSTIC_COUNTERS, 0)).toBe(FwctlScope.DEBUG_READ_ONLY);
    expect(requiredScope(Op.SET_DIAGNOSTIC_PARAMS, 0)).toBe(FwctlScope.DEBUG_WRITE);
    expect(requiredScope(Op.ACCESS_REG, 0)).toBe(FwctlScope.CONFIGURATION);
    expect(requiredScope(Op.ACCESS_REG, 1)).toBe(FwctlScope.DEBUG_READ_ONLY);
    expect(requiredScope(Op.ACCESS_REG, 7)).toBe(FwctlScope.DEBUG_READ_ONLY);
    const debug = at(FwctlScope.DEBUG_READ_ONLY).filter((r) => !r.byOpMod);
    expect(debug.length).toBeGreaterThanOrEqual(75);
    expect(debug.every((r) => r.name === 'NOP' || /QUERY/.test(r.name))).toBe(true);
    expect(at(FwctlScope.DEBUG_WRITE).map((r) => r.name)).toEqual(['SET_DIAGNOSTIC_PARAMS']);
    expect(at(FwctlScope.DEBUG_WRITE_FULL)).toEqual([]);
  });

  it('allows exactly the four own-uid object commands beyond upstream, each tracked', () => {
    const extra = SCOPE_TABLE.filter((r) => r.source === 'auxctl');
    expect(extra.map((r) => [r.name, r.tracks?.type, r.tracks?.action])).toEqual([
      ['CREATE_MKEY', 'MKEY', 'create'],
      ['DESTROY_MKEY', 'MKEY', 'destroy'],
      ['ALLOC_PD', 'PD', 'create'],
      ['DEALLOC_PD', 'PD', 'destroy'],
    ]);
    expect(SCOPE_TABLE.filter((r) => r.tracks).length).toBe(4);
    // User memory only through umemReg/umemUnreg; uctxs only through open/close.
    for (const op of [Op.CREATE_UMEM, Op.DESTROY_UMEM, Op.CREATE_UCTX, Op.DESTROY_UCTX]) {
      expect(requiredScope(op, 0)).toBeUndefined();
    }
    expect(requiredScope(0x7ff, 0)).toBeUndefined();
  });

  it('checks the own reserved header bits of every allowed command core declares a layout for', () => {
    for (const op of checkedHeadOpcodes()) expect(scopeRule(op)).toBeDefined();
  });
});

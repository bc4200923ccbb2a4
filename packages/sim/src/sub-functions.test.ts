import {
  CmdHcaCap,
  CmdHdrOut,
  CmdStatus,
  EnableHcaIn,
  EnableHcaOut,
  isAuxError,
  Op,
  QueryHcaCapIn,
  QueryHcaCapOut,
  Syndrome,
} from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimDevice, type SimFunction } from './create-sim-device.js';

let sim: SimFunction | undefined;
afterEach(() => {
  sim?.close();
  sim = undefined;
});

const code = (c: string) => (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isAuxError(e, c as never);
  }
  return false;
};

function exec(engine: { execute(i: Buffer, n: number): Buffer }, inbox: Buffer, outLen: number) {
  const out = engine.execute(inbox, outLen);
  return { out, status: CmdHdrOut.get(out, 'status'), syndrome: CmdHdrOut.get(out, 'syndrome') };
}

const enableHca = () => {
  const b = Buffer.alloc(EnableHcaIn.bytes);
  EnableHcaIn.write(b, { opcode: Op.ENABLE_HCA });
  return b;
};

describe('SubFunctions (firmware side)', () => {
  it('reports max_num_sf, sf and sf_base_id, configurable per device', () => {
    sim = createSimDevice({ maxSfs: 20 });
    const fw = sim.engine;
    expect(fw.capability('max_num_sf', 'max')).toBe(20);
    expect(fw.capability('sf', 'max')).toBe(1);
    expect(fw.capability('log_max_sf', 'max')).toBe(5);
    expect(fw.capability('sf_base_id', 'max')).toBe(1);
    expect(sim.subFunctions?.maxFunctions).toBe(20);
    expect(() => createSimDevice({ maxSfs: -1 })).toThrow(/maxSfs/);
    expect(() => createSimDevice({ maxSfs: 0x1_0000 })).toThrow(/maxSfs/);
  });

  it('keeps each SF its own function with its own HCA state machine', () => {
    sim = createSimDevice({ maxSfs: 2 });
    const host = sim.engine.subFunctions;
    const a = host.alloc(7);
    expect(code('EEXIST')(() => host.alloc(7))).toBe(true);
    const b = host.alloc(8);
    expect(code('ENOSPC')(() => host.alloc(9))).toBe(true);
    expect([a, b]).toEqual([1, 2]);
    const dev = host.enable(a, { sfnum: 7, hwAddr: Buffer.alloc(6), roce: true });
    expect(
      code('EBUSY')(() => host.enable(a, { sfnum: 7, hwAddr: Buffer.alloc(6), roce: true })),
    ).toBe(true);
    expect(code('EBUSY')(() => host.free(a))).toBe(true);
    const sf = host.get(a)!.firmware!;
    // The SF boots through its own ENABLE_HCA; the PF's state does not change.
    expect(sf.state).toBe('disabled');
    expect(exec(sf, enableHca(), EnableHcaOut.bytes).status).toBe(CmdStatus.OK);
    expect(sf.state).toBe('enabled');
    expect(sim.engine.state).toBe('disabled');
    const q = Buffer.alloc(QueryHcaCapIn.bytes);
    QueryHcaCapIn.write(q, { opcode: Op.QUERY_HCA_CAP, op_mod: 0 });
    const cap = exec(sf, q, QueryHcaCapOut.bytes);
    const caps = CmdHcaCap.decode(QueryHcaCapOut.view(cap.out, 'capability'));
    expect(caps).toMatchObject({ vhca_id: a, sf: 0, max_num_sf: 0 });
    expect(caps.log_max_qp).toBe(sim.engine.capability('log_max_qp', 'max') - 1);
    expect(dev.dma).toBe(sim.dma);

    // A PF fatal error halts its SFs; a PF reset disables them.
    sim.faults.fatal();
    expect(sf.halted).toBe(true);
    expect(exec(sf, enableHca(), 16).syndrome).toBe(Syndrome.FW_HALTED);
    sim.engine.reset();
    expect(host.get(a)?.state).toBe('allocated');
    expect(code('ENODEV')(() => dev.post(0))).toBe(true);
    host.free(a);
    host.free(b);
    expect(host.list()).toEqual([]);
    expect(code('ENOENT')(() => host.disable(a))).toBe(true);
  });
});

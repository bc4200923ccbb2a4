import {
  CapType,
  CmdHcaCap,
  CmdHcaCap2,
  CmdHdrOut,
  CmdStatus,
  EnableHcaIn,
  EnableHcaOut,
  Op,
  QueryHcaCapIn,
  QueryHcaCapOut,
  Syndrome,
  type VirtualFunctionAttrs,
} from '@auxctl/prm';
import { afterEach, describe, expect, it } from 'vitest';
import { createSimDevice, type SimFunction } from './create-sim-device.js';
import { VF_DEVICE_ID } from './virtual-functions.js';

let sim: SimFunction | undefined;
afterEach(() => {
  sim?.close();
  sim = undefined;
});

/** errnoOf: matches an AuxError with that code. */
const errnoOf = (code: string) => expect.objectContaining({ name: 'AuxError', code });

function exec(engine: { execute(i: Buffer, n: number): Buffer }, inbox: Buffer, outLen: number) {
  const out = engine.execute(inbox, outLen);
  return { out, status: CmdHdrOut.get(out, 'status') };
}

const cmd = (layout: typeof EnableHcaIn, opcode: number) => {
  const b = Buffer.alloc(layout.bytes);
  layout.write(b, { opcode });
  return b;
};

const attrs = (mac = '000000000000', roce = true): VirtualFunctionAttrs => ({
  hwAddr: Buffer.from(mac, 'hex'),
  roce,
  migratable: false,
});

describe('VirtualFunctions (firmware side)', () => {
  it('offers no SR-IOV by default and up to maxVfs when asked; SF ids start after the VFs', () => {
    sim = createSimDevice();
    expect(sim.virtualFunctions?.totalVfs).toBe(0);
    expect(sim.engine.capability('sf_base_id', 'max')).toBe(1);
    sim.close();
    sim = createSimDevice({ maxVfs: 8 });
    const host = sim.engine.virtualFunctions;
    expect([host.totalVfs, host.offset, host.stride, host.vfDeviceId]).toEqual([
      8,
      2,
      1,
      VF_DEVICE_ID,
    ]);
    expect(sim.engine.capability('sf_base_id', 'max')).toBe(9);
    expect(sim.engine.subFunctions.alloc(3)).toBe(9);
    expect(() => createSimDevice({ maxVfs: 256 })).toThrow(/maxVfs/);
    expect(() => createSimDevice({ maxVfs: -1 })).toThrow(/maxVfs/);
  });

  it('enables VF n as function n + 1 with its own identity, HCA, caps and objects', () => {
    sim = createSimDevice({ maxVfs: 4 });
    const host = sim.engine.virtualFunctions;
    host.enable(1, attrs('020000000001'));
    host.enable(2, attrs('020000000002', false));
    expect(() => host.enable(1, attrs())).toThrow(errnoOf('EBUSY'));
    expect(() => host.enable(0, attrs())).toThrow(errnoOf('EINVAL'));
    expect(() => host.enable(5, attrs())).toThrow(errnoOf('EINVAL'));
    const [a, b] = [host.backend(1), host.backend(2)];
    expect(a.identity).toMatchObject({ bdf: '0000:08:00.2', deviceId: VF_DEVICE_ID });
    expect(b.identity.bdf).toBe('0000:08:00.3');
    expect(a.identity.serial).toBe(sim.identity.serial);
    // Each VF is a PCI function with an IOMMU domain of its own.
    expect(a.dma).not.toBe(sim.dma);
    expect(b.dma).not.toBe(a.dma);
    expect(a.dma.mappings).toBe(0);

    const vf = host.get(1)!.firmware;
    expect(exec(vf, cmd(EnableHcaIn, Op.ENABLE_HCA), EnableHcaOut.bytes).status).toBe(CmdStatus.OK);
    expect(sim.engine.state).toBe('disabled');
    const q = Buffer.alloc(QueryHcaCapIn.bytes);
    QueryHcaCapIn.write(q, { opcode: Op.QUERY_HCA_CAP, op_mod: 0 });
    const caps = CmdHcaCap.decode(
      QueryHcaCapOut.view(exec(vf, q, QueryHcaCapOut.bytes).out, 'capability'),
    );
    expect(caps).toMatchObject({ vhca_id: 1, sf: 0, max_num_sf: 0, roce: 1 });
    const caps2 = host.get(2)!.firmware.capability('roce', 'max');
    expect(caps2).toBe(0);
    expect(vf.datapath.vport.mac.toString('hex')).toBe('020000000001');
  });

  it("reports migration on the PF and a VF's caps through other_function, migratable as its port function says", () => {
    sim = createSimDevice({ maxVfs: 2 });
    const host = sim.engine.virtualFunctions;
    host.enable(1, attrs('020000000001'));
    host.enable(2, { ...attrs('020000000002'), migratable: true });
    exec(sim.engine, cmd(EnableHcaIn, Op.ENABLE_HCA), EnableHcaOut.bytes);
    const query = (capType: number, functionId?: number) => {
      const q = Buffer.alloc(QueryHcaCapIn.bytes);
      QueryHcaCapIn.write(q, {
        opcode: Op.QUERY_HCA_CAP,
        op_mod: (capType << 1) | 1,
        other_function: functionId === undefined ? 0 : 1,
        function_id: functionId ?? 0,
      });
      return exec(sim!.engine, q, QueryHcaCapOut.bytes);
    };
    const cap = (r: { out: Buffer }) => QueryHcaCapOut.view(r.out, 'capability');
    expect(CmdHcaCap.decode(cap(query(CapType.GENERAL)))).toMatchObject({
      vhca_resource_manager: 1,
      migration: 1,
      hca_cap_2: 1,
      vhca_id: 0,
    });
    expect(CmdHcaCap2.decode(cap(query(CapType.GENERAL_2)))).toMatchObject({
      migratable: 0,
      migration_multi_load: 1,
      migration_tracking_state: 1,
      migration_in_chunks: 1,
    });
    expect(CmdHcaCap.decode(cap(query(CapType.GENERAL, 2)))).toMatchObject({
      vhca_id: 2,
      vhca_resource_manager: 0,
      migration: 0,
    });
    expect(CmdHcaCap2.decode(cap(query(CapType.GENERAL_2, 1))).migratable).toBe(0);
    expect(CmdHcaCap2.decode(cap(query(CapType.GENERAL_2, 2))).migratable).toBe(1);
    const absent = query(CapType.GENERAL, 3);
    expect(absent.status).toBe(CmdStatus.BAD_PARAM);
    expect(CmdHdrOut.get(absent.out, 'syndrome')).toBe(Syndrome.FUNCTION_UNKNOWN);
  });

  it('configure rebuilds an idle VF and refuses one whose driver enabled its HCA', () => {
    sim = createSimDevice({ maxVfs: 2 });
    const host = sim.engine.virtualFunctions;
    host.enable(1, attrs());
    const before = host.backend(1);
    host.configure(1, { ...attrs('020000000011'), migratable: true });
    expect(host.backend(1)).not.toBe(before);
    expect(host.get(1)?.attrs.migratable).toBe(true);
    expect(host.get(1)?.firmware.datapath.vport.mac.toString('hex')).toBe('020000000011');
    const vf = host.get(1)!.firmware;
    exec(vf, cmd(EnableHcaIn, Op.ENABLE_HCA), EnableHcaOut.bytes);
    expect(() => host.configure(1, attrs())).toThrow(errnoOf('EBUSY'));
    expect(() => host.configure(2, attrs())).toThrow(errnoOf('ENODEV'));
    expect(() => host.backend(2)).toThrow(errnoOf('ENODEV'));
  });

  it('disable drops the VF and closes its device; a PF reset disables all, a fatal halts all', () => {
    sim = createSimDevice({ maxVfs: 2 });
    const host = sim.engine.virtualFunctions;
    host.enable(1, attrs());
    const vf = host.get(1)!.firmware;
    exec(vf, cmd(EnableHcaIn, Op.ENABLE_HCA), EnableHcaOut.bytes);
    const dev = host.backend(1);
    host.disable(1);
    host.disable(1);
    expect(host.list()).toEqual([]);
    // Its device is closed: a driver that kept the backend gets ENODEV.
    expect(() => dev.post(0)).toThrow(errnoOf('ENODEV'));

    host.enable(1, attrs());
    host.enable(2, attrs());
    sim.engine.injectFatal();
    expect(host.list().every((v) => v.firmware.halted)).toBe(true);
    sim.engine.reset();
    expect(host.list()).toEqual([]);
  });
});

import {
  AccessRegisterIn,
  AccessRegOpMod,
  CmdStatus,
  CoreDumpReg,
  CoreDumpType,
  CRDUMP_MAGIC,
  crdumpHeader,
  Eth8023Counters,
  Op,
  PpcntGroup,
  PpcntReg,
  REGISTER_DATA_OFFSET,
  RegisterId,
  Syndrome,
  scanCrdump,
  UctxCap,
} from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { FirmwareHarness } from '../testing/firmware-harness.js';

function accessReg(h: FirmwareHarness, id: number, data: Buffer, uid = 0, outBytes = data.length) {
  const inbox = h.header(
    Op.ACCESS_REG,
    REGISTER_DATA_OFFSET + data.length,
    uid,
    AccessRegOpMod.READ,
  );
  AccessRegisterIn.set(inbox, 'register_id', id);
  data.copy(inbox, REGISTER_DATA_OFFSET);
  const r = h.run(inbox, REGISTER_DATA_OFFSET + outBytes);
  return { ...r, reg: r.out.subarray(REGISTER_DATA_OFFSET) };
}

describe('ACCESS_REG through the firmware', () => {
  it('reaches the register file before INIT_HCA and reads the port counters the firmware keeps', () => {
    const h = new FirmwareHarness({ ports: 2 });
    expect(accessReg(h, RegisterId.PPCNT, PpcntReg.alloc()).status).toBe(CmdStatus.BAD_SYS_STATE);
    h.enable();
    h.fw.portCounters(2)?.set('a_frames_transmitted_ok', 77n);
    const req = PpcntReg.encode({ local_port: 2, grp: PpcntGroup.IEEE_802_3 });
    const r = accessReg(h, RegisterId.PPCNT, req);
    h.ok(r, 'PPCNT');
    const set = r.reg.subarray(PpcntReg.byteOffset('counter_set'));
    expect(Eth8023Counters.get(set, 'a_frames_transmitted_ok_low')).toBe(77);
  });

  it('passes register-level failures through and checks the uid first', () => {
    const h = new FirmwareHarness().boot();
    const plain = h.uctx(0);
    expect(accessReg(h, 0x1234, Buffer.alloc(16)).syndrome).toBe(Syndrome.REG_UNKNOWN);
    const ghost = accessReg(h, RegisterId.PPCNT, PpcntReg.alloc(), plain + 1);
    expect([ghost.status, ghost.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.UID_UNKNOWN]);
    const denied = accessReg(h, RegisterId.CORE_DUMP, CoreDumpReg.alloc(), plain);
    expect([denied.status, denied.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.UID_LACKS_CAP]);
    const badMod = h.header(Op.ACCESS_REG, 16, 0, 2);
    expect(h.run(badMod).syndrome).toBe(Syndrome.BAD_OP_MOD);
  });

  it('writes a core dump into a uid umem through its mkey in one command', () => {
    const dumpBytes = 3 * 4096 + 100;
    const h = new FirmwareHarness({ crdumpSize: dumpBytes }).boot();
    const uid = h.uctx(UctxCap.TOOLS_RESOURCES);
    const mem = Buffer.alloc(4 * 4096);
    const umem = h.umem(mem, uid);
    const mkey = h.mkey({ uid, pd: h.pd(uid), umem, len: BigInt(mem.length) });
    const req = CoreDumpReg.encode({
      core_dump_type: CoreDumpType.CR_DUMP_TO_MEM,
      mkey,
      address: 0n,
      size: mem.length,
    });
    const r = accessReg(h, RegisterId.CORE_DUMP, req, uid);
    h.ok(r, 'CORE_DUMP');
    expect(CoreDumpReg.get(r.reg, 'dump_size')).toBe(dumpBytes);
    expect(CoreDumpReg.get(r.reg, 'more_dump')).toBe(0);
    expect(crdumpHeader(mem)?.magic).toEqual(CRDUMP_MAGIC);
    expect(CoreDumpReg.get64(r.reg, 'cookie')).toBe(
      BigInt(scanCrdump(mem.subarray(0, dumpBytes)).nextAddress),
    );
    expect(mem.subarray(dumpBytes).every((b) => b === 0)).toBe(true);
    expect(mem.subarray(dumpBytes - 64, dumpBytes).some((b) => b !== 0)).toBe(true);
    // Another uid cannot aim the dump at this memory.
    const thief = h.uctx(UctxCap.TOOLS_RESOURCES);
    expect(accessReg(h, RegisterId.CORE_DUMP, req, thief).syndrome).toBe(Syndrome.OBJ_OTHER_UID);
  });
});

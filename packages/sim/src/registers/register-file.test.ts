import {
  AccessRegisterIn,
  CmdStatus,
  CoreDumpReg,
  CoreDumpType,
  MtrcCap,
  PpcntReg,
  REGISTER_DATA_OFFSET,
  RegisterId,
  ResourceDumpReg,
  SegmentType,
  Syndrome,
  UctxCap,
} from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FwError } from '../fw-error.js';
import { RegisterFile } from './register-file.js';
import { accessReg, accessRegInbox } from './test-support/access-reg-command.js';
import { FakeRegisterHost } from './test-support/fake-register-host.js';

const STATUSES = new Set<number>(Object.values(CmdStatus));

function fwError(fn: () => unknown): FwError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FwError) return e;
    throw e;
  }
  throw new Error('expected a FwError');
}

function setup() {
  const host = new FakeRegisterHost();
  host.caps.set(5, UctxCap.TOOLS_RESOURCES);
  host.caps.set(6, UctxCap.RAW_TX);
  host.ports.get(1)?.set('a_frames_transmitted_ok', 7n);
  host.objectList.push({ type: 'QP', id: 0x11, uid: 5, context: { state: 3 } });
  return { host, file: new RegisterFile(host) };
}

describe('RegisterFile dispatch', () => {
  it('lists the register table with access and capability', () => {
    const { file } = setup();
    const regs = file.registers();
    expect(regs.map((r) => r.id)).toEqual([
      RegisterId.CORE_DUMP,
      RegisterId.PMTU,
      RegisterId.PAOS,
      RegisterId.PPCNT,
      RegisterId.NODE_DESC,
      RegisterId.MTRC_CAP,
      RegisterId.MTRC_CONF,
      RegisterId.MTRC_STDB,
      RegisterId.MTRC_CTRL,
      RegisterId.RESOURCE_DUMP,
      RegisterId.DTOR,
    ]);
    const ppcnt = regs.find((r) => r.id === RegisterId.PPCNT);
    expect(ppcnt).toMatchObject({ name: 'PPCNT', read: true, write: false, cap: 0 });
    expect(regs.find((r) => r.name === 'CORE_DUMP')?.cap).toBe(UctxCap.TOOLS_RESOURCES);
  });

  it('fails an unknown register with BAD_PARAM / REG_UNKNOWN', () => {
    const { file } = setup();
    const e = fwError(() => accessReg(file, 0x1234, Buffer.alloc(64)));
    expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.REG_UNKNOWN]);
  });

  it('fails an access the register does not support with REG_BAD_ACCESS', () => {
    const { file } = setup();
    const e = fwError(() => accessReg(file, RegisterId.PPCNT, PpcntReg.alloc(), { write: true }));
    expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.REG_BAD_ACCESS]);
  });

  it('fails an op_mod other than READ / WRITE', () => {
    const { file } = setup();
    const inbox = accessRegInbox(RegisterId.PPCNT, PpcntReg.alloc());
    AccessRegisterIn.set(inbox, 'op_mod', 2);
    const e = fwError(() => file.access(0, inbox, Buffer.alloc(16 + PpcntReg.bytes)));
    expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.BAD_OP_MOD]);
  });

  it('uses the length statuses for short register data and short outboxes', () => {
    const { file } = setup();
    const short = fwError(() =>
      accessReg(file, RegisterId.PPCNT, Buffer.alloc(8), { outBytes: 256 }),
    );
    expect([short.status, short.syndrome]).toEqual([
      CmdStatus.BAD_INP_LEN,
      Syndrome.REG_SHORT_DATA,
    ]);
    const noRoom = fwError(() =>
      accessReg(file, RegisterId.PPCNT, PpcntReg.encode({ local_port: 1 }), { outBytes: 100 }),
    );
    expect([noRoom.status, noRoom.syndrome]).toEqual([
      CmdStatus.BAD_OUTP_LEN,
      Syndrome.REG_SHORT_OUTBOX,
    ]);
    const tiny = fwError(() => file.access(0, Buffer.alloc(8), Buffer.alloc(16)));
    expect(tiny.status).toBe(CmdStatus.BAD_INP_LEN);
    const tinyOut = fwError(() =>
      file.access(0, accessRegInbox(RegisterId.PPCNT, PpcntReg.alloc()), Buffer.alloc(4)),
    );
    expect(tinyOut.status).toBe(CmdStatus.BAD_OUTP_LEN);
  });
});

describe('RegisterFile capabilities', () => {
  const toolRegs: [string, number, Buffer][] = [
    [
      'CORE_DUMP',
      RegisterId.CORE_DUMP,
      CoreDumpReg.encode({ core_dump_type: CoreDumpType.CR_DUMP_INLINE }),
    ],
    [
      'RESOURCE_DUMP',
      RegisterId.RESOURCE_DUMP,
      ResourceDumpReg.encode({ segment_type: SegmentType.MENU, inline_dump: 1 }),
    ],
    ['MTRC_CAP', RegisterId.MTRC_CAP, MtrcCap.alloc()],
  ];

  for (const [name, id, data] of toolRegs) {
    it(`${name} needs TOOLS_RESOURCES for uid != 0`, () => {
      const { file } = setup();
      const e = fwError(() => accessReg(file, id, data, { uid: 6, outBytes: 512 }));
      expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.UID_LACKS_CAP]);
      expect(() => accessReg(file, id, data, { uid: 5, outBytes: 512 })).not.toThrow();
      expect(() => accessReg(file, id, data, { uid: 0, outBytes: 512 })).not.toThrow();
    });
  }

  it('lets any existing uid read PPCNT and refuses unknown uids', () => {
    const { file } = setup();
    const out = accessReg(file, RegisterId.PPCNT, PpcntReg.encode({ local_port: 1 }), { uid: 6 });
    expect(PpcntReg.get(out, 'local_port')).toBe(1);
    const e = fwError(() =>
      accessReg(file, RegisterId.PPCNT, PpcntReg.encode({ local_port: 1 }), { uid: 77 }),
    );
    expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.UID_UNKNOWN]);
  });
});

describe('RegisterFile robustness', () => {
  const ids = [...Object.values(RegisterId), 0, 0x1234, 0xffff];

  it('only ever throws FwError with a defined status, for any input', () => {
    const { host, file } = setup();
    host.crdumpBytes = 8192;
    const mkey = host.addMkey(5, 4096);
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...ids), fc.integer({ min: 0, max: 0xffff })),
        fc.integer({ min: 0, max: 3 }),
        fc.constantFrom(0, 5, 6, 9),
        fc.uint8Array({ maxLength: 600 }),
        fc.integer({ min: 0, max: 1200 }),
        fc.boolean(),
        (id, opMod, uid, bytes, outLen, useMkey) => {
          const data = Buffer.from(bytes);
          // Point dump registers at a real key half of the time, so deliveries run too.
          if (useMkey && data.length >= 64) data.writeUInt32BE(mkey, 0x20);
          const inbox = Buffer.alloc(REGISTER_DATA_OFFSET + data.length);
          AccessRegisterIn.write(inbox, { opcode: 0x805, op_mod: opMod, register_id: id });
          data.copy(inbox, REGISTER_DATA_OFFSET);
          try {
            file.access(uid, inbox, Buffer.alloc(outLen));
          } catch (e) {
            expect(e).toBeInstanceOf(FwError);
            expect(STATUSES.has((e as FwError).status)).toBe(true);
          }
        },
      ),
      { numRuns: 1500 },
    );
  });

  it('only ever throws FwError across sequences of plausible register values', () => {
    const { host, file } = setup();
    host.crdumpBytes = 20_000;
    for (let i = 0; i < 30; i++) {
      host.objectList.push({ type: 'QP', id: 0x20 + i, uid: 5, context: { state: i % 7, pd: i } });
    }
    const mkey = host.addMkey(5, 3000);
    const small = fc.integer({ min: 0, max: 5000 });
    const coreDump = fc
      .record({
        core_dump_type: fc.integer({ min: 0, max: 4 }),
        vhca_id: fc.constantFrom(0, 0, 0, 1),
        size: small,
        mkey: fc.constantFrom(mkey, mkey, 0x999),
        address: fc.constantFrom(0n, 100n, 2999n, 2n ** 60n),
        cookie: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n })),
      })
      .map((v) => [RegisterId.CORE_DUMP, CoreDumpReg.encode(v)] as const);
    const rscDump = fc
      .record({
        more_dump: fc.integer({ min: 0, max: 1 }),
        inline_dump: fc.integer({ min: 0, max: 1 }),
        seq_num: fc.integer({ min: 0, max: 15 }),
        segment_type: fc.constantFrom(SegmentType.MENU, SegmentType.FULL_QPC, 0x1200, 0x21, 0x7),
        vhca_id: fc.constantFrom(0, 0, 0, 2),
        index1: fc.integer({ min: 0, max: 0x40 }),
        num_of_obj1: fc.constantFrom(0, 1, 3, 0xffff),
        mkey: fc.constantFrom(mkey, 0x999),
        size: small,
        device_opaque: fc.bigInt({ min: 0n, max: 3n }),
      })
      .map((v) => [RegisterId.RESOURCE_DUMP, ResourceDumpReg.encode(v)] as const);
    const ppcnt = fc
      .record({
        local_port: fc.integer({ min: 0, max: 3 }),
        grp: fc.constantFrom(0, 1, 2, 0x12, 0x16, 0x3f),
        clr: fc.integer({ min: 0, max: 1 }),
      })
      .map((v) => [RegisterId.PPCNT, PpcntReg.encode(v)] as const);
    const mtrc = fc
      .tuple(
        fc.constantFrom(
          RegisterId.MTRC_CAP,
          RegisterId.MTRC_CONF,
          RegisterId.MTRC_STDB,
          RegisterId.MTRC_CTRL,
        ),
        fc.uint8Array({ minLength: 128, maxLength: 128 }),
      )
      .map(([id, b]) => [id, Buffer.from(b)] as const);
    const command = fc.record({
      reg: fc.oneof(coreDump, rscDump, ppcnt, mtrc),
      write: fc.boolean(),
      uid: fc.constantFrom(0, 5, 5, 6),
      outBytes: fc.constantFrom(64, 200, 256, 400, 4096),
    });
    fc.assert(
      fc.property(fc.array(command, { maxLength: 25 }), (cmds) => {
        file.reset();
        for (const { reg, write, uid, outBytes } of cmds) {
          try {
            accessReg(file, reg[0], reg[1], { uid, write, outBytes });
          } catch (e) {
            expect(e).toBeInstanceOf(FwError);
            expect(STATUSES.has((e as FwError).status)).toBe(true);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('reset forgets dump cursors', () => {
    const { file } = setup();
    const req = CoreDumpReg.encode({ core_dump_type: CoreDumpType.CR_DUMP_INLINE });
    const first = CoreDumpReg.decode(accessReg(file, RegisterId.CORE_DUMP, req, { outBytes: 128 }));
    expect(first.more_dump).toBe(1);
    file.reset();
    const next = CoreDumpReg.encode({
      core_dump_type: CoreDumpType.CR_DUMP_INLINE,
      cookie: first.cookie,
    });
    const e = fwError(() => accessReg(file, RegisterId.CORE_DUMP, next, { outBytes: 128 }));
    expect(e.syndrome).toBe(Syndrome.REG_BAD_CONTINUATION);
  });
});

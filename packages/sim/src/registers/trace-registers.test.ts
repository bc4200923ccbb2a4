import {
  CmdStatus,
  MtrcCap,
  MtrcConf,
  MtrcCtrl,
  MtrcCtrlSelect,
  MtrcStdb,
  MtrcStringDbParam,
  MtrcTraceMode,
  RegisterId,
  Syndrome,
  UctxCap,
} from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { FwError } from '../fw-error.js';
import { RegisterFile } from './register-file.js';
import { accessReg } from './test-support/access-reg-command.js';
import { FakeRegisterHost } from './test-support/fake-register-host.js';
import { STDB_READ_BYTES } from './tracer.js';

function setup() {
  const host = new FakeRegisterHost();
  host.caps.set(5, UctxCap.TOOLS_RESOURCES);
  host.caps.set(6, UctxCap.TOOLS_RESOURCES);
  return { host, file: new RegisterFile(host) };
}

function fwError(fn: () => unknown): FwError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FwError) return e;
    throw e;
  }
  throw new Error('expected a FwError');
}

const cap = (file: RegisterFile, uid: number, owner?: 0 | 1) =>
  MtrcCap.decode(
    accessReg(file, RegisterId.MTRC_CAP, MtrcCap.encode({ trace_owner: owner ?? 0 }), {
      uid,
      write: owner !== undefined,
    }),
  );

const conf: { trace_mode: number; log_trace_buffer_size: number; trace_mkey: number } = {
  trace_mode: MtrcTraceMode.TRACE_TO_MEMORY,
  log_trace_buffer_size: 18,
  trace_mkey: 0x77,
};

function writeConf(file: RegisterFile, uid: number, fields = conf) {
  return MtrcConf.decode(
    accessReg(file, RegisterId.MTRC_CONF, MtrcConf.encode(fields), { uid, write: true }),
  );
}

function ctrl(file: RegisterFile, uid: number, fields?: Parameters<typeof MtrcCtrl.encode>[0]) {
  return MtrcCtrl.decode(
    accessReg(file, RegisterId.MTRC_CTRL, MtrcCtrl.encode(fields ?? {}), {
      uid,
      write: fields !== undefined,
    }),
  );
}

describe('MTRC tracer control', () => {
  it('gives ownership to one uid at a time and takes it back on release', () => {
    const { file } = setup();
    expect(cap(file, 5).trace_owner).toBe(0);
    expect(cap(file, 5, 1).trace_owner).toBe(1);
    expect(cap(file, 6, 1).trace_owner).toBe(0);
    expect(cap(file, 5).trace_owner).toBe(1);
    expect(cap(file, 6, 0).trace_owner).toBe(0); // not the owner: no effect
    expect(cap(file, 5).trace_owner).toBe(1);
    cap(file, 5, 0);
    expect(cap(file, 6, 1).trace_owner).toBe(1);
  });

  it('describes its capabilities and string databases', () => {
    const { file } = setup();
    const out = accessReg(file, RegisterId.MTRC_CAP, MtrcCap.alloc(), { uid: 5 });
    const c = MtrcCap.decode(out);
    expect(c).toMatchObject({
      trace_to_memory: 1,
      num_string_db: 2,
      log_max_trace_buffer_size: 22,
    });
    const db1 = MtrcStringDbParam.decode(out, MtrcCap.byteOffset('string_db_param') + 8);
    expect(db1.string_db_base_address).toBe(0x0020_0000);
    expect(db1.string_db_size % STDB_READ_BYTES).toBe(0);
  });

  it('reads string databases in chunks, as the kernel does', () => {
    const { file } = setup();
    const out = accessReg(file, RegisterId.MTRC_CAP, MtrcCap.alloc(), { uid: 5 });
    const size = MtrcStringDbParam.get(
      out,
      'string_db_size',
      MtrcCap.byteOffset('string_db_param'),
    );
    const chunks: Buffer[] = [];
    for (let off = 0; off < size; off += STDB_READ_BYTES) {
      const req = MtrcStdb.encode({
        string_db_index: 0,
        read_size: STDB_READ_BYTES,
        start_offset: off,
      });
      const r = accessReg(file, RegisterId.MTRC_STDB, req, {
        uid: 5,
        outBytes: MtrcStdb.bytes + STDB_READ_BYTES,
      });
      expect(MtrcStdb.decode(r)).toMatchObject({ read_size: STDB_READ_BYTES, start_offset: off });
      chunks.push(Buffer.from(r.subarray(MtrcStdb.bytes)));
    }
    const strings = Buffer.concat(chunks).toString('latin1').split('\0').filter(Boolean);
    expect(strings[0]).toContain('opcode 0x%x');
    expect(strings.length).toBeGreaterThan(3);
  });

  it('rejects string db reads outside a database or without outbox room', () => {
    const { file } = setup();
    const bad = (fields: Parameters<typeof MtrcStdb.encode>[0], outBytes = 1000) =>
      fwError(() =>
        accessReg(file, RegisterId.MTRC_STDB, MtrcStdb.encode(fields), { uid: 5, outBytes }),
      );
    expect(bad({ string_db_index: 5, read_size: 4 }).syndrome).toBe(Syndrome.REG_BAD_FIELD);
    expect(bad({ string_db_index: 0, read_size: 0 }).syndrome).toBe(Syndrome.REG_BAD_FIELD);
    expect(bad({ string_db_index: 0, read_size: 256, start_offset: 4096 }).syndrome).toBe(
      Syndrome.REG_BAD_FIELD,
    );
    const noRoom = bad({ string_db_index: 0, read_size: 256 }, 100);
    expect([noRoom.status, noRoom.syndrome]).toEqual([
      CmdStatus.BAD_OUTP_LEN,
      Syndrome.REG_SHORT_OUTBOX,
    ]);
    const write = fwError(() =>
      accessReg(file, RegisterId.MTRC_STDB, MtrcStdb.alloc(), { uid: 5, write: true }),
    );
    expect(write.syndrome).toBe(Syndrome.REG_BAD_ACCESS);
  });

  it('round-trips configuration and control for the owner', () => {
    const { host, file } = setup();
    cap(file, 5, 1);
    expect(writeConf(file, 5)).toMatchObject(conf);
    expect(
      MtrcConf.decode(accessReg(file, RegisterId.MTRC_CONF, MtrcConf.alloc(), { uid: 6 })),
    ).toMatchObject(conf);
    const on = ctrl(file, 5, {
      modify_field_select: MtrcCtrlSelect.TRACE_STATUS,
      trace_status: 1,
      arm_event: 1,
    });
    expect(on).toMatchObject({ trace_status: 1, arm_event: 1 });
    const read = ctrl(file, 6);
    expect(read).toMatchObject({ trace_status: 1, arm_event: 1 });
    const us = read.current_timestamp52_32 * 2 ** 32 + read.current_timestamp31_0;
    expect(us).toBe(host.clock * 1000);
    // Without the select bit a write changes nothing.
    expect(ctrl(file, 5, { trace_status: 0 }).trace_status).toBe(1);
  });

  it('refuses writes from a uid that does not own the tracer, changing nothing', () => {
    const { file } = setup();
    cap(file, 5, 1);
    writeConf(file, 5);
    for (const e of [
      fwError(() => writeConf(file, 6, { ...conf, trace_mkey: 0x99 })),
      fwError(() => ctrl(file, 6, { modify_field_select: 1, trace_status: 1 })),
    ]) {
      expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_RES_STATE, Syndrome.REG_NOT_OWNER]);
    }
    expect(writeConf(file, 5).trace_mkey).toBe(0x77);
    expect(ctrl(file, 5).trace_status).toBe(0);
  });

  it('validates configuration and control values', () => {
    const { file } = setup();
    cap(file, 5, 1);
    const noConf = fwError(() => ctrl(file, 5, { modify_field_select: 1, trace_status: 1 }));
    expect(noConf.syndrome).toBe(Syndrome.REG_BAD_FIELD);
    for (const fields of [
      { ...conf, trace_mode: 0 },
      { ...conf, log_trace_buffer_size: 30 },
      { ...conf, log_trace_buffer_size: 2 },
      { ...conf, trace_mkey: 0 },
    ]) {
      expect(fwError(() => writeConf(file, 5, fields)).syndrome).toBe(Syndrome.REG_BAD_FIELD);
    }
    writeConf(file, 5);
    expect(fwError(() => ctrl(file, 5, { modify_field_select: 2 })).syndrome).toBe(
      Syndrome.REG_BAD_FIELD,
    );
    expect(fwError(() => ctrl(file, 5, { modify_field_select: 1, trace_status: 2 })).syndrome).toBe(
      Syndrome.REG_BAD_FIELD,
    );
  });

  it('frees ownership when the owner goes away, and on reset', () => {
    const { host, file } = setup();
    cap(file, 5, 1);
    writeConf(file, 5);
    host.caps.delete(5);
    expect(cap(file, 6, 1).trace_owner).toBe(1);
    expect(
      MtrcConf.decode(accessReg(file, RegisterId.MTRC_CONF, MtrcConf.alloc(), { uid: 6 }))
        .trace_mkey,
    ).toBe(0);
    file.reset();
    expect(cap(file, 6).trace_owner).toBe(0);
  });
});

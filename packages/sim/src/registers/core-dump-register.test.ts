import { createHash } from 'node:crypto';
import {
  CmdStatus,
  CoreDumpReg,
  CoreDumpType,
  CRDUMP_BLOCK_BYTES,
  CRDUMP_MAX_BYTES,
  CrdumpBlockTag,
  CrdumpHeader,
  RegisterId,
  Syndrome,
  UctxCap,
} from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { FwError } from '../fw-error.js';
import { RegisterFile } from './register-file.js';
import { accessReg } from './test-support/access-reg-command.js';
import { crdumpInline, crdumpToMem, readCrdumpInline } from './test-support/dump-clients.js';
import { FakeRegisterHost } from './test-support/fake-register-host.js';

const TWO_MIB = 2 * 1024 * 1024;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function setup(size = 100_000) {
  const host = new FakeRegisterHost();
  host.crdumpBytes = size;
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

describe('CORE_DUMP to memory', () => {
  it('writes a whole 2 MiB dump in one command, identical to the inline pieces', () => {
    const { host, file } = setup(TWO_MIB);
    const mkey = host.addMkey(5, TWO_MIB);
    const reply = crdumpToMem(file, 5, mkey, TWO_MIB);
    expect(reply).toMatchObject({ more_dump: 0, size: TWO_MIB, dump_size: TWO_MIB, cookie: 0n });
    const mem = host.memory(mkey);
    const header = CrdumpHeader.decode(mem);
    expect(header.total_size).toBe(TWO_MIB);
    expect(header.timestamp).toBe(BigInt(host.clock));

    host.clock += 60_000; // the capture of crash 0 keeps its time
    const inline = readCrdumpInline(file, 6, 64 * 1024);
    expect(inline.length).toBe(TWO_MIB);
    expect(sha(inline)).toBe(sha(mem));
    expect(inline.equals(mem)).toBe(true);
  });

  it('writes a 64 MiB dump through one command', () => {
    const size = CRDUMP_MAX_BYTES;
    const { host, file } = setup(size);
    const mkey = host.addMkey(5, size);
    const reply = crdumpToMem(file, 5, mkey, size);
    expect(reply).toMatchObject({ more_dump: 0, size, dump_size: size });
    expect(host.mkeyWrites).toBe(size);
    const mem = host.memory(mkey);
    expect(CrdumpHeader.decode(mem).total_size).toBe(size);
    const last = size / CRDUMP_BLOCK_BYTES - 1;
    expect(CrdumpBlockTag.decode(mem, last * CRDUMP_BLOCK_BYTES).block_index).toBe(last);
  });

  it('continues with more_dump and cookies when the memory is too small', () => {
    const { host, file } = setup(10_000);
    const all = readCrdumpInline(file, 0, 100_000);
    const mkey = host.addMkey(5, 4096);
    const parts: Buffer[] = [];
    let cookie = 0n;
    const offsets: number[] = [];
    for (;;) {
      const r = crdumpToMem(file, 5, mkey, 4096, cookie);
      offsets.push(r.dump_offset);
      parts.push(Buffer.from(host.memory(mkey).subarray(0, r.size)));
      if (!r.more_dump) break;
      expect(r.cookie).not.toBe(0n);
      cookie = r.cookie;
    }
    expect(offsets).toEqual([0, 4096, 8192]);
    expect(Buffer.concat(parts).equals(all)).toBe(true);
  });

  it('writes at the requested address and reports the mkey error when it does not fit', () => {
    const { host, file } = setup(5000);
    const mkey = host.addMkey(5, 8000);
    const r = crdumpToMem(file, 5, mkey, 5000, 0n, 3000n);
    expect(r).toMatchObject({ size: 5000, address: 3000n, more_dump: 0 });
    expect(host.memory(mkey).subarray(3000, 3008).toString('latin1')).toBe('AUXCRDMP');
    const e = fwError(() => crdumpToMem(file, 5, mkey, 5000, 0n, 4000n));
    expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.MEM_OUT_OF_RANGE]);
    const other = host.addMkey(6, 8000);
    const e2 = fwError(() => crdumpToMem(file, 5, other, 5000));
    expect(e2.syndrome).toBe(Syndrome.OBJ_OTHER_UID);
  });

  it('leaves the capture untouched when a write fails', () => {
    const { host, file } = setup(10_000);
    const mkey = host.addMkey(5, 4096);
    const first = crdumpToMem(file, 5, mkey, 4096);
    expect(() => crdumpToMem(file, 5, 0x999, 4096, first.cookie)).toThrow(FwError);
    const second = crdumpToMem(file, 5, mkey, 4096, first.cookie);
    expect(second.dump_offset).toBe(4096);
  });

  it('rejects size 0, other types and other functions with REG_BAD_FIELD', () => {
    const { host, file } = setup();
    const mkey = host.addMkey(5, 4096);
    expect(fwError(() => crdumpToMem(file, 5, mkey, 0)).syndrome).toBe(Syndrome.REG_BAD_FIELD);
    for (const fields of [
      { core_dump_type: CoreDumpType.QP },
      { core_dump_type: 9 },
      { core_dump_type: CoreDumpType.CR_DUMP_INLINE, vhca_id: 3 },
    ]) {
      const e = fwError(() =>
        accessReg(file, RegisterId.CORE_DUMP, CoreDumpReg.encode(fields), { outBytes: 200 }),
      );
      expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.REG_BAD_FIELD]);
    }
  });
});

describe('CORE_DUMP inline', () => {
  it('returns pieces sized by the outbox and by size, with offsets and a final cookie of 0', () => {
    const { file } = setup(1000);
    const a = crdumpInline(file, 5, 0n, 300);
    expect(a.reply).toMatchObject({ size: 300, dump_offset: 0, more_dump: 1, dump_size: 1000 });
    expect(a.piece.subarray(0, 8).toString('latin1')).toBe('AUXCRDMP');
    const b = crdumpInline(file, 5, a.reply.cookie, 300, 100);
    expect(b.reply).toMatchObject({ size: 100, dump_offset: 300, more_dump: 1 });
    const c = crdumpInline(file, 5, b.reply.cookie, 5000);
    expect(c.reply).toMatchObject({ size: 600, dump_offset: 400, more_dump: 0, cookie: 0n });
  });

  it('lets a piece be read again by replaying its cookie', () => {
    const { file } = setup(1000);
    const a = crdumpInline(file, 5, 0n, 300);
    const b1 = crdumpInline(file, 5, a.reply.cookie, 300);
    const b2 = crdumpInline(file, 5, a.reply.cookie, 300);
    expect(b2.piece.equals(b1.piece)).toBe(true);
    expect(b2.reply.cookie).toBe(b1.reply.cookie);
  });

  it('rejects a cookie of another capture, another uid or never issued', () => {
    const { file } = setup(1000);
    const first = crdumpInline(file, 5, 0n, 300);
    const forged = first.reply.cookie + 100n;
    const stale = first.reply.cookie;
    crdumpInline(file, 5, 0n, 300); // a new capture replaces the old one
    for (const [uid, cookie] of [
      [5, stale],
      [5, forged],
      [6, stale],
      [5, 1n],
    ] as const) {
      const e = fwError(() => crdumpInline(file, uid, cookie, 300));
      expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.REG_BAD_CONTINUATION]);
    }
  });

  it('keeps two contexts dumping concurrently apart', () => {
    const { file } = setup(2000);
    const expected = readCrdumpInline(file, 0, 10_000);
    const a1 = crdumpInline(file, 5, 0n, 700);
    const b1 = crdumpInline(file, 6, 0n, 500);
    const a2 = crdumpInline(file, 5, a1.reply.cookie, 700);
    const b2 = crdumpInline(file, 6, b1.reply.cookie, 5000);
    const a3 = crdumpInline(file, 5, a2.reply.cookie, 5000);
    expect(Buffer.concat([a1.piece, a2.piece, a3.piece]).equals(expected)).toBe(true);
    expect(Buffer.concat([b1.piece, b2.piece]).equals(expected)).toBe(true);
  });

  it('keeps a capture readable after a new crash, and the next capture shows the crash', () => {
    const { host, file } = setup(3000);
    const before = readCrdumpInline(file, 5, 10_000);
    const a = crdumpInline(file, 5, 0n, 1000);
    host.crashes = 1;
    host.clock += 5000;
    const rest = crdumpInline(file, 5, a.reply.cookie, 10_000);
    expect(Buffer.concat([a.piece, rest.piece]).equals(before)).toBe(true);
    const after = readCrdumpInline(file, 5, 10_000);
    expect(after.equals(before)).toBe(false);
    const h = CrdumpHeader.decode(after);
    expect(h.crash_count).toBe(1);
    expect(h.timestamp).toBe(BigInt(host.clock));
  });

  it('needs outbox room past the register head', () => {
    const { file } = setup();
    const req = CoreDumpReg.encode({ core_dump_type: CoreDumpType.CR_DUMP_INLINE });
    const e = fwError(() => accessReg(file, RegisterId.CORE_DUMP, req, { outBytes: 64 }));
    expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_OUTP_LEN, Syndrome.REG_SHORT_OUTBOX]);
  });

  it('GENERAL drops the capture of the caller only', () => {
    const { file } = setup(1000);
    const a = crdumpInline(file, 5, 0n, 300);
    const b = crdumpInline(file, 6, 0n, 300);
    accessReg(
      file,
      RegisterId.CORE_DUMP,
      CoreDumpReg.encode({ core_dump_type: CoreDumpType.GENERAL }),
      { uid: 5, write: true },
    );
    expect(fwError(() => crdumpInline(file, 5, a.reply.cookie, 300)).syndrome).toBe(
      Syndrome.REG_BAD_CONTINUATION,
    );
    expect(crdumpInline(file, 6, b.reply.cookie, 300).reply.dump_offset).toBe(300);
  });

  it('fails with INT_ERR when the host reports an impossible size', () => {
    const { host, file } = setup();
    host.crdumpBytes = 100;
    const e = fwError(() => crdumpInline(file, 5, 0n, 300));
    expect([e.status, e.syndrome]).toEqual([CmdStatus.INT_ERR, Syndrome.INTERNAL]);
  });
});

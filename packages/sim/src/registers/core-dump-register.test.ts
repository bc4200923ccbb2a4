import { createHash } from 'node:crypto';
import {
  CmdStatus,
  CoreDumpReg,
  CoreDumpType,
  CRDUMP_MAX_BYTES,
  crdumpHeader,
  RegisterId,
  Syndrome,
  scanCrdump,
  UctxCap,
} from '@auxctl/prm';
import fc from 'fast-check';
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
    const mem = host.memory(mkey);
    // The cookie rule holds at the end too: the address after the last pair, more_dump 0.
    const end = BigInt(scanCrdump(mem).nextAddress);
    expect(reply).toMatchObject({ more_dump: 0, size: TWO_MIB, dump_size: TWO_MIB, cookie: end });
    const header = crdumpHeader(mem);
    expect(header?.total_size).toBe(TWO_MIB);
    expect(header?.timestamp).toBe(BigInt(host.clock));

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
    expect(crdumpHeader(mem)?.total_size).toBe(size);
    expect(reply.cookie).toBe(BigInt(scanCrdump(mem).nextAddress));
  });

  it('continues with more_dump and address cookies when the memory is too small', () => {
    const { host, file } = setup(10_000);
    const all = readCrdumpInline(file, 0, 100_000);
    const mkey = host.addMkey(5, 4100);
    const parts: Buffer[] = [];
    let cookie = 0n;
    const offsets: number[] = [];
    for (;;) {
      // 4100 bytes of room hold 512 whole pairs: 4096 bytes a call.
      const r = crdumpToMem(file, 5, mkey, 4100, cookie);
      const piece = Buffer.from(host.memory(mkey).subarray(0, r.size));
      offsets.push(r.dump_offset);
      parts.push(piece);
      expect(r.cookie).toBe(BigInt(scanCrdump(piece).nextAddress));
      if (!r.more_dump) break;
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
    expect(crdumpHeader(host.memory(mkey).subarray(3000, 8000))?.total_size).toBe(5000);
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

  it('rejects room for less than a pair, other types and other functions with REG_BAD_FIELD', () => {
    const { host, file } = setup();
    const mkey = host.addMkey(5, 4096);
    for (const size of [0, 1, 7]) {
      expect(fwError(() => crdumpToMem(file, 5, mkey, size)).syndrome).toBe(Syndrome.REG_BAD_FIELD);
    }
    expect(crdumpToMem(file, 5, mkey, 8)).toMatchObject({ size: 8, more_dump: 1, cookie: 4n });
    for (const fields of [
      { core_dump_type: CoreDumpType.CR_DUMP_INLINE, size: 5 },
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
  it('returns whole pairs sized by the outbox and by size, each with the cookie rule', () => {
    const { file } = setup(1000);
    const a = crdumpInline(file, 5, 0n, 300);
    // 300 bytes of room: 37 pairs; the first pairs are addresses 0, 4, 8 ...
    expect(a.reply).toMatchObject({ size: 296, dump_offset: 0, more_dump: 1, dump_size: 1000 });
    expect(a.reply.cookie).toBe(37n * 4n);
    expect(a.piece.readUInt32BE(8)).toBe(4);
    const b = crdumpInline(file, 5, a.reply.cookie, 300, 100);
    expect(b.reply).toMatchObject({ size: 96, dump_offset: 296, more_dump: 1 });
    const c = crdumpInline(file, 5, b.reply.cookie, 5000);
    expect(c.reply).toMatchObject({ size: 608, dump_offset: 392, more_dump: 0 });
    for (const { reply, piece } of [a, b, c]) {
      expect(reply.cookie).toBe(BigInt(scanCrdump(piece).nextAddress));
    }
    // Replaying the final cookie delivers nothing more.
    const d = crdumpInline(file, 5, c.reply.cookie, 5000);
    expect(d.reply).toMatchObject({
      size: 0,
      dump_offset: 1000,
      more_dump: 0,
      cookie: c.reply.cookie,
    });
  });

  it('lets a piece be read again by replaying its cookie', () => {
    const { file } = setup(1000);
    const a = crdumpInline(file, 5, 0n, 300);
    const b1 = crdumpInline(file, 5, a.reply.cookie, 300);
    const b2 = crdumpInline(file, 5, a.reply.cookie, 300);
    expect(b2.piece.equals(b1.piece)).toBe(true);
    expect(b2.reply.cookie).toBe(b1.reply.cookie);
  });

  it('rejects a cookie past what the capture returned, or from a uid without a capture', () => {
    const { file } = setup(1000);
    const first = crdumpInline(file, 5, 0n, 300);
    for (const [uid, cookie] of [
      [5, first.reply.cookie + 4n],
      [6, first.reply.cookie],
    ] as const) {
      const e = fwError(() => crdumpInline(file, uid, cookie, 300));
      expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.REG_BAD_CONTINUATION]);
    }
    // A cookie is an address: any one up to the last returned continues at the next pair.
    const mid = crdumpInline(file, 5, 1n, 300);
    expect(mid.reply.dump_offset).toBe(8);
    const again = crdumpInline(file, 5, first.reply.cookie, 300);
    expect(again.reply.dump_offset).toBe(296);
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
    const h = crdumpHeader(after);
    expect(h?.crash_count).toBe(1);
    expect(h?.timestamp).toBe(BigInt(host.clock));
  });

  it('needs outbox room for one pair past the register head', () => {
    const { file } = setup();
    const req = CoreDumpReg.encode({ core_dump_type: CoreDumpType.CR_DUMP_INLINE });
    for (const outBytes of [64, 71]) {
      const e = fwError(() => accessReg(file, RegisterId.CORE_DUMP, req, { outBytes }));
      expect([e.status, e.syndrome]).toEqual([CmdStatus.BAD_OUTP_LEN, Syndrome.REG_SHORT_OUTBOX]);
    }
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
    expect(crdumpInline(file, 6, b.reply.cookie, 300).reply.dump_offset).toBe(296);
  });

  it('fails with INT_ERR when the host reports an impossible size', () => {
    const { host, file } = setup();
    host.crdumpBytes = 100;
    const e = fwError(() => crdumpInline(file, 5, 0n, 300));
    expect([e.status, e.syndrome]).toEqual([CmdStatus.INT_ERR, Syndrome.INTERNAL]);
  });

  it('continues inline over the same content as one CR_DUMP_TO_MEM, for any sizes (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 512, max: 12_000 }),
        fc.array(fc.integer({ min: 8, max: 3000 }), { minLength: 1, maxLength: 8 }),
        (size, rooms) => {
          const { host, file } = setup(size);
          const mkey = host.addMkey(5, size + 8);
          const oneShot = crdumpToMem(file, 5, mkey, size + 8);
          const expected = host.memory(mkey).subarray(0, size);
          expect(oneShot).toMatchObject({ size, more_dump: 0 });
          const pieces: Buffer[] = [];
          let cookie = 0n;
          for (let call = 0; ; call++) {
            const room = rooms[call % rooms.length] ?? 8;
            const { reply, piece } = crdumpInline(file, 6, cookie, room);
            expect(reply.dump_offset).toBe(pieces.reduce((n, p) => n + p.length, 0));
            expect(piece.length).toBe(Math.min(room - (room % 8), size - reply.dump_offset));
            pieces.push(piece);
            if (!reply.more_dump) {
              expect(reply.cookie).toBe(oneShot.cookie);
              break;
            }
            expect(reply.cookie).toBe(BigInt(scanCrdump(piece).nextAddress));
            cookie = reply.cookie;
          }
          expect(Buffer.concat(pieces).equals(expected)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

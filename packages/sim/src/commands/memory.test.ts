import {
  CmdStatus,
  CreateMkeyOut,
  CreateUmemOut,
  Mkc,
  MkcAccessMode,
  MTT_BYTES,
  mkeyFromIndex,
  mttAddress,
  Op,
  QueryMkeyIn,
  QueryMkeyOut,
  QueryUmemIn,
  QueryUmemOut,
  Syndrome,
  UctxCap,
  Umem,
} from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FwError } from '../fw-error.js';
import { FirmwareHarness } from '../testing/firmware-harness.js';

function fwError(fn: () => unknown): FwError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FwError) return e;
    throw e;
  }
  throw new Error('expected a FwError');
}

describe('CREATE_UMEM / QUERY_UMEM / DESTROY_UMEM', () => {
  it('registers mapped pages and reports them back', () => {
    const h = new FirmwareHarness().boot();
    const buf = Buffer.alloc(2 * 4096);
    const addr = h.dma.map(buf);
    const r = h.ok(h.createUmem(h.dma.pageAddresses(addr), 0, { pageOffset: 100 }), 'CREATE_UMEM');
    const id = CreateUmemOut.get(r.out, 'umem_id');
    const inbox = h.header(Op.QUERY_UMEM, QueryUmemIn.bytes);
    QueryUmemIn.set(inbox, 'umem_id', id);
    const q = h.ok(h.run(inbox, QueryUmemOut.bytes + 2 * MTT_BYTES), 'QUERY_UMEM');
    const umem = Umem.decode(q.out, QueryUmemOut.byteOffset('umem'));
    expect([umem.num_of_mtt, umem.page_offset, umem.log_page_size]).toEqual([2n, 100, 0]);
    expect(mttAddress(q.out, QueryUmemOut.bytes + MTT_BYTES)).toBe(addr + 4096n);
  });

  it('rejects unmapped, misaligned, empty and oversized registrations without recording them', () => {
    const h = new FirmwareHarness().boot();
    const addr = h.dma.map(Buffer.alloc(4096));
    const unmapped = h.createUmem([addr, addr + 8192n]);
    expect([unmapped.status, unmapped.syndrome]).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.MEM_NOT_MAPPED,
    ]);
    expect(h.createUmem([addr + 256n]).syndrome).toBe(Syndrome.BAD_FIELD);
    expect(h.createUmem([]).syndrome).toBe(Syndrome.MEM_BAD_SIZE);
    expect(h.createUmem([addr], 0, { pageOffset: 4096 }).syndrome).toBe(Syndrome.MEM_BAD_SIZE);
    expect(h.createUmem([addr], 0, { logPageSize: 1 }).syndrome).toBe(Syndrome.MEM_NOT_MAPPED);
    expect(h.createUmem([addr], 0, { logPageSize: 19 }).syndrome).toBe(Syndrome.MEM_BAD_SIZE);
    h.ok(h.createUmem([addr]), 'valid CREATE_UMEM');
    const short = h.header(Op.CREATE_UMEM, 48);
    Umem.set64(short, 'num_of_mtt', 1000n, 16);
    expect(h.run(short).status).toBe(CmdStatus.BAD_INP_LEN);
    expect(h.fw.objectCounts()).toEqual({ UMEM: 1 });
  });

  it('refuses to destroy a umem or PD an mkey references (RES_BUSY), then frees them in order', () => {
    const h = new FirmwareHarness().boot();
    const pd = h.pd();
    const umem = h.umem(Buffer.alloc(4096));
    const mkey = h.mkey({ pd, umem, len: 4096n });
    const busy = h.destroyUmem(umem);
    expect([busy.status, busy.syndrome]).toEqual([CmdStatus.RES_BUSY, Syndrome.OBJ_BUSY]);
    expect(h.deallocPd(pd).syndrome).toBe(Syndrome.OBJ_BUSY);
    const destroy = h.header(Op.DESTROY_MKEY, 16);
    destroy.writeUInt32BE(mkey >>> 8, 8);
    h.ok(h.run(destroy), 'DESTROY_MKEY');
    h.ok(h.destroyUmem(umem), 'DESTROY_UMEM');
    h.ok(h.deallocPd(pd), 'DEALLOC_PD');
    expect(h.fw.objectCounts()).toEqual({});
  });

  it('keeps uids out of each other objects', () => {
    const h = new FirmwareHarness().boot();
    const a = h.uctx(0);
    const b = h.uctx(0);
    const pdA = h.pd(a);
    const umemA = h.umem(Buffer.alloc(4096), a);
    expect(h.destroyUmem(umemA, b).syndrome).toBe(Syndrome.OBJ_OTHER_UID);
    expect(h.deallocPd(pdA, b).syndrome).toBe(Syndrome.OBJ_OTHER_UID);
    const q = h.header(Op.QUERY_UMEM, QueryUmemIn.bytes, b);
    QueryUmemIn.set(q, 'umem_id', umemA);
    expect(h.run(q, QueryUmemOut.bytes).syndrome).toBe(Syndrome.OBJ_OTHER_UID);
    const pdB = h.pd(b);
    expect(h.createMkey({ uid: b, pd: pdB, umem: umemA, len: 16n }).syndrome).toBe(
      Syndrome.OBJ_OTHER_UID,
    );
    expect(h.createMkey({ uid: b, pd: pdA, umem: umemA, len: 16n }).syndrome).toBe(
      Syndrome.OBJ_OTHER_UID,
    );
    expect(h.fw.objectCounts(a)).toEqual({ PD: 1, UMEM: 1 });
  });
});

describe('CREATE_MKEY / QUERY_MKEY and writeMkey', () => {
  it('lands bytes in the right buffers through the MTT list, across pages and mappings', () => {
    const h = new FirmwareHarness().boot();
    const uid = h.uctx(0);
    const p0 = Buffer.alloc(4096);
    const p1 = Buffer.alloc(4096);
    const a0 = h.dma.map(p0);
    const a1 = h.dma.map(p1);
    // Pages from two separate mappings, in reverse order: the MTT decides, not the addresses.
    const r = h.ok(h.createUmem([a1, a0], uid, { pageOffset: 10 }), 'CREATE_UMEM');
    const umem = CreateUmemOut.get(r.out, 'umem_id');
    const pd = h.pd(uid);
    const mkey = h.mkey({ uid, pd, umem, umemOffset: 6n, len: 8000n, variant: 0x5a });
    const data = Buffer.from(Array.from({ length: 100 }, (_, i) => i + 1));
    h.fw.writeMkey(uid, mkey, 4000, data);
    // key byte 4000 = umem byte 4006 = page byte 4016 of the first MTT page (p1)
    expect(p1.subarray(4016, 4096)).toEqual(data.subarray(0, 80));
    expect(p0.subarray(0, 20)).toEqual(data.subarray(80));
    expect(p1.subarray(0, 4016).every((b) => b === 0)).toBe(true);
  });

  it('checks range, owner, variant, write access and mapping, writing nothing on failure', () => {
    const h = new FirmwareHarness().boot();
    const uid = h.uctx(0);
    const other = h.uctx(0);
    const mem = Buffer.alloc(8192);
    const umem = h.umem(mem, uid);
    const pd = h.pd(uid);
    const mkey = h.mkey({ uid, pd, umem, len: 8192n });
    const ro = h.mkey({ uid, pd, umem, len: 64n, lw: false });
    const err = (f: () => void) => {
      const e = fwError(f);
      return [e.status, e.syndrome];
    };
    expect(err(() => h.fw.writeMkey(uid, mkey, 8190, Buffer.alloc(4)))).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.MEM_OUT_OF_RANGE,
    ]);
    expect(err(() => h.fw.writeMkey(other, mkey, 0, Buffer.alloc(4)))).toEqual([
      CmdStatus.BAD_RES,
      Syndrome.OBJ_OTHER_UID,
    ]);
    expect(err(() => h.fw.writeMkey(uid, mkey + 1, 0, Buffer.alloc(4)))).toEqual([
      CmdStatus.BAD_RES,
      Syndrome.OBJ_NOT_FOUND,
    ]);
    expect(err(() => h.fw.writeMkey(uid, mkeyFromIndex(0x999), 0, Buffer.alloc(4)))[1]).toBe(
      Syndrome.OBJ_NOT_FOUND,
    );
    expect(err(() => h.fw.writeMkey(4242, mkey, 0, Buffer.alloc(4)))[1]).toBe(Syndrome.UID_UNKNOWN);
    expect(err(() => h.fw.writeMkey(uid, ro, 0, Buffer.alloc(4)))[1]).toBe(
      Syndrome.MEM_ACCESS_DENIED,
    );
    expect(mem.every((b) => b === 0)).toBe(true);
    h.fw.writeMkey(0, mkey, 8188, Buffer.from([1, 2, 3, 4])); // uid 0 may use any key
    expect(mem.subarray(8188)).toEqual(Buffer.from([1, 2, 3, 4]));
  });

  it('reports MEM_NOT_MAPPED when the pages were unmapped after registration', () => {
    const h = new FirmwareHarness().boot();
    const buf = Buffer.alloc(4096);
    const addr = h.dma.map(buf);
    const r = h.ok(h.createUmem(h.dma.pageAddresses(addr)), 'CREATE_UMEM');
    const umem = CreateUmemOut.get(r.out, 'umem_id');
    const mkey = h.mkey({ pd: h.pd(), umem, len: 4096n });
    h.dma.unmap(addr);
    expect(fwError(() => h.fw.writeMkey(0, mkey, 0, Buffer.alloc(8))).syndrome).toBe(
      Syndrome.MEM_NOT_MAPPED,
    );
    expect(buf.every((b) => b === 0)).toBe(true);
  });

  it('validates key geometry and kinds at creation', () => {
    const h = new FirmwareHarness().boot();
    const uid = h.uctx(0);
    const pd = h.pd(uid);
    const umem = h.umem(Buffer.alloc(4096), uid);
    expect(h.createMkey({ uid, pd, umem, umemOffset: 1n, len: 4096n }).syndrome).toBe(
      Syndrome.MEM_OUT_OF_RANGE,
    );
    expect(h.createMkey({ uid, pd, umem, len: 16n, mode: MkcAccessMode.KLMS }).syndrome).toBe(
      Syndrome.BAD_FIELD,
    );
    expect(h.createMkey({ uid, pd, len: 16n }).syndrome).toBe(Syndrome.UID_NOT_ALLOWED);
    expect(h.createMkey({ uid, pd: pd + 10, umem, len: 16n }).syndrome).toBe(
      Syndrome.OBJ_NOT_FOUND,
    );
    expect(h.fw.objectCounts(uid)).toEqual({ PD: 1, UMEM: 1 });
  });

  it('gives the kernel physical-address keys over DMA space and reports the context', () => {
    const h = new FirmwareHarness().boot();
    const buf = Buffer.alloc(8192);
    const addr = h.dma.map(buf);
    const pd = h.pd();
    const r = h.ok(h.createMkey({ pd, startAddr: addr, len: 8192n }), 'CREATE_MKEY');
    const index = CreateMkeyOut.get(r.out, 'mkey_index');
    h.fw.writeMkey(0, mkeyFromIndex(index), 4094, Buffer.from([9, 9, 9, 9]));
    expect(buf.subarray(4094, 4098)).toEqual(Buffer.from([9, 9, 9, 9]));
    const q = h.header(Op.QUERY_MKEY, QueryMkeyIn.bytes);
    QueryMkeyIn.set(q, 'mkey_index', index);
    const mkc = Mkc.decode(
      h.ok(h.run(q, QueryMkeyOut.bytes), 'QUERY_MKEY').out,
      QueryMkeyOut.byteOffset('memory_key_mkey_entry'),
    );
    expect([mkc.pd, mkc.start_addr, mkc.len, mkc.lw]).toEqual([pd, addr, 8192n, 1]);
    const view = [...h.fw.objects()].find((o) => o.type === 'MKEY');
    expect(view?.context).toMatchObject({ pd, len: 8192n, mkey_umem_valid: 0 });
  });

  it('writes every in-range slice exactly where the MTT says (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4095 }),
        fc.nat(),
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 6000 }),
        (npages, pageOffset, offPick, lenPick, payload) => {
          const h = new FirmwareHarness().boot();
          const pages = Array.from({ length: npages }, () => Buffer.alloc(4096));
          const addrs = pages.map((p) => h.dma.map(p));
          const umem = CreateUmemOut.get(
            h.ok(h.createUmem(addrs, 0, { pageOffset }), 'umem').out,
            'umem_id',
          );
          const size = npages * 4096 - pageOffset;
          const mkey = h.mkey({ pd: h.pd(), umem, len: BigInt(size) });
          const len = 1 + (lenPick % Math.min(payload.length, size));
          const off = offPick % (size - len + 1);
          const data = Buffer.from(payload.subarray(0, len));
          h.fw.writeMkey(0, mkey, off, data);
          const flat = Buffer.concat(pages).subarray(pageOffset);
          expect(flat.subarray(off, off + len)).toEqual(data);
          expect(flat.subarray(0, off).every((b) => b === 0)).toBe(true);
          expect(flat.subarray(off + len).every((b) => b === 0)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('queries by a tools context', () => {
  it("a uid with TOOLS_RESOURCES may query the kernel's objects, never another context's", () => {
    const h = new FirmwareHarness().boot();
    const id = h.umem(Buffer.alloc(4096)); // the kernel's (uid 0)
    const query = (uid: number) => {
      const inbox = h.header(Op.QUERY_UMEM, QueryUmemIn.bytes, uid);
      QueryUmemIn.set(inbox, 'umem_id', id);
      return h.run(inbox, QueryUmemOut.bytes + MTT_BYTES);
    };
    const tools = h.uctx(UctxCap.TOOLS_RESOURCES);
    const plain = h.uctx(0);
    expect(query(tools).status).toBe(CmdStatus.OK);
    expect([query(plain).status, query(plain).syndrome]).toEqual([
      CmdStatus.BAD_RES,
      Syndrome.OBJ_OTHER_UID,
    ]);
    // Another context's object stays out of reach, also for a tools context.
    const theirs = h.umem(Buffer.alloc(4096), plain);
    const other = h.header(Op.QUERY_UMEM, QueryUmemIn.bytes, tools);
    QueryUmemIn.set(other, 'umem_id', theirs);
    expect(h.run(other, QueryUmemOut.bytes + MTT_BYTES).syndrome).toBe(Syndrome.OBJ_OTHER_UID);
    // Destroying stays the owner's: a tools context cannot.
    const destroy = h.header(Op.DESTROY_UMEM, QueryUmemIn.bytes, tools);
    QueryUmemIn.set(destroy, 'umem_id', id);
    expect(h.run(destroy).syndrome).toBe(Syndrome.OBJ_OTHER_UID);
  });
});

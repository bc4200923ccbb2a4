import { CmdStatus, Op, QueryUctxIn, QueryUctxOut, Syndrome, Uctx, UctxCap } from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { FirmwareHarness } from '../testing/firmware-harness.js';

const queryUctx = (h: FirmwareHarness, target: number, sender: number) => {
  const inbox = h.header(Op.QUERY_UCTX, QueryUctxIn.bytes, sender);
  QueryUctxIn.set(inbox, 'uctx_uid', target);
  return h.run(inbox, QueryUctxOut.bytes);
};

describe('user contexts', () => {
  it('creates uids with capabilities within the device uctx_cap and reports them', () => {
    const h = new FirmwareHarness({ uctxCap: UctxCap.RAW_TX | UctxCap.TOOLS_RESOURCES }).boot();
    const a = h.uctx(UctxCap.TOOLS_RESOURCES);
    const b = h.uctx(0);
    expect(b).not.toBe(a);
    const q = h.ok(queryUctx(h, a, a), 'QUERY_UCTX');
    expect(Uctx.get(q.out, 'cap', QueryUctxOut.byteOffset('uctx'))).toBe(UctxCap.TOOLS_RESOURCES);
    const tooMuch = h.createUctx(UctxCap.INTERNAL_DEVICE_RESOURCES);
    expect([tooMuch.status, tooMuch.syndrome]).toEqual([
      CmdStatus.BAD_PARAM,
      Syndrome.UID_LACKS_CAP,
    ]);
    expect(h.fw.objectCounts()).toEqual({ UCTX: 2 });
  });

  it('lets only uid 0 create or destroy uctxs, and a uid query only its own', () => {
    const h = new FirmwareHarness().boot();
    const a = h.uctx(UctxCap.TOOLS_RESOURCES);
    const b = h.uctx(UctxCap.TOOLS_RESOURCES);
    expect(h.createUctx(0, a).syndrome).toBe(Syndrome.UID_NOT_ALLOWED);
    expect(h.destroyUctx(b, a).syndrome).toBe(Syndrome.UID_NOT_ALLOWED);
    const peek = queryUctx(h, b, a);
    expect([peek.status, peek.syndrome]).toEqual([CmdStatus.BAD_RES, Syndrome.OBJ_OTHER_UID]);
    expect(queryUctx(h, b, 0).status).toBe(CmdStatus.OK);
    expect(h.destroyUctx(999).syndrome).toBe(Syndrome.OBJ_NOT_FOUND);
    h.ok(h.destroyUctx(b), 'DESTROY_UCTX');
    expect(h.fw.uidCaps(b)).toBeUndefined();
    expect(h.run(h.header(Op.NOP, 16, b)).syndrome).toBe(Syndrome.UID_UNKNOWN);
  });

  it('returns object counts to baseline when a uctx with umem, pd and mkey is destroyed', () => {
    const h = new FirmwareHarness().boot();
    h.pd(); // a kernel object that must survive
    const baseline = h.fw.objectCounts();
    const uid = h.uctx(UctxCap.TOOLS_RESOURCES);
    const pd = h.pd(uid);
    const umem = h.umem(Buffer.alloc(3 * 4096), uid);
    h.mkey({ uid, pd, umem, len: 3n * 4096n });
    h.mkey({ uid, pd, umem, umemOffset: 4096n, len: 100n });
    expect(h.fw.objectCounts(uid)).toEqual({ PD: 1, UMEM: 1, MKEY: 2 });
    h.ok(h.destroyUctx(uid), 'DESTROY_UCTX');
    expect(h.fw.objectCounts()).toEqual(baseline);
    expect(h.fw.objectCounts(uid)).toEqual({});
  });

  it('keeps everything when another uid still references the uctx memory (RES_BUSY)', () => {
    const h = new FirmwareHarness().boot();
    const uid = h.uctx(0);
    const umem = h.umem(Buffer.alloc(4096), uid);
    const kpd = h.pd(0);
    h.mkey({ uid: 0, pd: kpd, umem, len: 4096n }); // the kernel may use any uid's umem
    const r = h.destroyUctx(uid);
    expect([r.status, r.syndrome]).toEqual([CmdStatus.RES_BUSY, Syndrome.OBJ_BUSY]);
    expect(h.fw.objectCounts(uid)).toEqual({ UMEM: 1 });
    expect(h.fw.uidCaps(uid)).toBe(0);
  });

  it('bounds uctxs by log_max_uctx', () => {
    const h = new FirmwareHarness({ caps: { log_max_uctx: 1 } }).boot();
    h.uctx(0);
    h.uctx(0);
    const r = h.createUctx(0);
    expect([r.status, r.syndrome]).toEqual([CmdStatus.LIM, Syndrome.OBJ_LIMIT]);
  });
});

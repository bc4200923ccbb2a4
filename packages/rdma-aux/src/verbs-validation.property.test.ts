import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkAccess,
  checkCqe,
  checkQpAttr,
  checkQpCap,
  checkRecvWr,
  checkSendWr,
  MAX_CQE,
  MAX_SGE,
  MAX_WR,
} from './verbs-validation.js';

/** acceptsOrEinval: `fn(v)` returns or throws AuxError EINVAL, nothing else. */
function acceptsOrEinval(fn: (v: unknown) => unknown, v: unknown): boolean {
  try {
    fn(v);
    return true;
  } catch (err) {
    return isAuxError(err, 'EINVAL');
  }
}

const anything = fc.anything({ withBigInt: true, withNullPrototype: true, withTypedArray: true });
const sge = fc.record({
  addr: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
  length: fc.integer({ min: 0, max: 1 << 20 }),
  lkey: fc.integer({ min: 0, max: 0xffff_ffff }),
});

describe('verbs validators', () => {
  it('never throw anything but EINVAL, whatever they are given', () => {
    const fns = [
      checkAccess,
      checkQpCap,
      checkQpAttr,
      checkCqe,
      (v: unknown) => checkSendWr(v, 4),
      (v: unknown) => checkRecvWr(v, 4),
    ];
    fc.assert(fc.property(anything, (v) => fns.every((fn) => acceptsOrEinval(fn, v))));
    fc.assert(
      fc.property(
        fc.record({ opcode: fc.constantFrom('SEND', 'RDMA_WRITE', 'X'), sge: fc.array(anything) }),
        (v) => acceptsOrEinval((x) => checkSendWr(x, 4), v),
      ),
    );
  });

  it('accept every well-formed send work request and normalise it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('SEND', 'RDMA_WRITE', 'RDMA_READ'),
        fc.array(sge, { maxLength: MAX_SGE }),
        fc.option(fc.boolean(), { nil: undefined }),
        fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }),
        (opcode, list, signaled, raddr) => {
          const w = checkSendWr(
            { opcode, sge: list, signaled, remoteAddr: raddr, rkey: 5, wrId: 3n },
            MAX_SGE,
          );
          expect(w.sge).toEqual(list);
          expect(w.signaled).toBe(signaled ?? true);
          expect(w.remoteAddr).toBe(opcode === 'SEND' ? 0n : raddr);
          expect(w.wrId).toBe(3n);
        },
      ),
    );
  });

  it('refuse too many SGEs, RDMA without a remote address, and over-long messages', () => {
    fc.assert(
      fc.property(fc.array(sge, { minLength: 2, maxLength: 8 }), (list) => {
        expect(checkRecvWr({ sge: list }, list.length).sge).toEqual(list);
        expect(() => checkRecvWr({ sge: list }, list.length - 1)).toThrow(
          expect.objectContaining({ code: 'EINVAL' }),
        );
      }),
    );
    expect(() => checkSendWr({ opcode: 'RDMA_READ', sge: [] }, 1)).toThrow(/remoteAddr/);
    const big = { addr: 0n, length: 0x7fff_ffff, lkey: 1 };
    expect(() => checkSendWr({ opcode: 'SEND', sge: [big, { ...big, length: 1 }] }, 2)).toThrow(
      /limit/,
    );
  });

  it('QP capabilities: defaults, bounds', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: MAX_WR + 5 }),
        fc.integer({ min: -5, max: MAX_WR + 5 }),
        fc.option(fc.integer({ min: -2, max: MAX_SGE + 2 }), { nil: undefined }),
        (s, r, sg) => {
          const ok =
            s >= 1 &&
            s <= MAX_WR &&
            r >= 1 &&
            r <= MAX_WR &&
            (sg ?? 1) >= 1 &&
            (sg ?? 1) <= MAX_SGE;
          const cap = { maxSendWr: s, maxRecvWr: r, ...(sg !== undefined && { maxSendSge: sg }) };
          if (ok)
            expect(checkQpCap(cap)).toEqual({
              maxSendWr: s,
              maxRecvWr: r,
              maxSendSge: sg ?? 1,
              maxRecvSge: 1,
            });
          else expect(() => checkQpCap(cap)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
        },
      ),
    );
    fc.assert(
      fc.property(fc.integer({ min: -3, max: MAX_CQE + 3 }), (n) => {
        if (n >= 1 && n <= MAX_CQE) expect(checkCqe(n)).toBe(n);
        else expect(() => checkCqe(n)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      }),
    );
  });

  it('access flags: remote write needs local write; unknown flags are refused', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.boolean(), fc.boolean(), (lw, rr, rw) => {
        const a = { localWrite: lw, remoteRead: rr, remoteWrite: rw };
        if (rw && !lw) expect(() => checkAccess(a)).toThrow(/localWrite/);
        else expect(checkAccess(a)).toEqual(a);
      }),
    );
    expect(() => checkAccess({ atomic: true })).toThrow(/unknown field/);
  });

  it('QP attributes: each state takes its own fields, with defaults', () => {
    expect(checkQpAttr({ state: 'INIT' })).toEqual({
      state: 'INIT',
      port: 1,
      remoteRead: false,
      remoteWrite: false,
    });
    expect(checkQpAttr({ state: 'RTR', remoteQpn: 7, mtu: 1024 })).toEqual({
      state: 'RTR',
      remoteQpn: 7,
      port: 0,
      mtu: 3,
      recvPsn: 0,
    });
    expect(checkQpAttr({ state: 'RTS' })).toMatchObject({ retryCount: 7, rnrRetry: 7 });
    fc.assert(
      fc.property(fc.integer({ min: -2, max: 10 }), (n) => {
        const ok = n >= 0 && n <= 7;
        expect(acceptsOrEinval(checkQpAttr, { state: 'RTS', retryCount: n })).toBe(true);
        if (!ok) expect(() => checkQpAttr({ state: 'RTS', retryCount: n })).toThrow(/retryCount/);
      }),
    );
    expect(() => checkQpAttr({ state: 'RTR', remoteQpn: 1, mtu: 1500 })).toThrow(/mtu/);
    expect(() => checkQpAttr({ state: 'ERR', port: 1 })).toThrow(/unknown field/);
    expect(() => checkQpAttr({ state: 'SQD' })).toThrow(/attr.state/);
  });
});

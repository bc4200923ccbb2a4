import { VirtqError, type VringDesc, VringDescF } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isChainError, pendingAvail, walkChain } from './virtq-chain.js';

const desc = (next: number, flags: number, len = 10): VringDesc => ({
  addr: 0x1000n,
  len,
  flags,
  next,
});

describe('pendingAvail', () => {
  it('is the 16-bit distance when it fits the queue, else BAD_INDEX (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.constantFrom(1, 2, 16, 256, 32768),
        (avail, last, size) => {
          const r = pendingAvail(avail, last, size);
          const dist = (avail - last + 0x10000) % 0x10000;
          if (dist <= size) expect(r).toBe(dist);
          else expect(isChainError(r) && r.error).toBe(VirtqError.BAD_INDEX);
        },
      ),
    );
  });
});

describe('walkChain', () => {
  it('follows a well-formed chain and sums its lengths', () => {
    const table = [desc(2, VringDescF.NEXT, 12), desc(0, 0), desc(1, VringDescF.NEXT, 100)];
    const r = walkChain(0, 3, 'tx', (i) => table[i]);
    expect(r).toEqual({ descs: [table[0], table[2], table[1]], bytes: 122 });
  });

  it('names each malformation', () => {
    const read = (t: VringDesc[]) => (i: number) => t[i];
    const err = (r: ReturnType<typeof walkChain>) => (isChainError(r) ? r.error : 'ok');
    expect(err(walkChain(4, 4, 'tx', read([])))).toBe(VirtqError.BAD_INDEX);
    expect(err(walkChain(0, 4, 'tx', read([desc(9, VringDescF.NEXT)])))).toBe(VirtqError.BAD_INDEX);
    expect(
      err(walkChain(0, 2, 'tx', read([desc(1, VringDescF.NEXT), desc(0, VringDescF.NEXT)]))),
    ).toBe(VirtqError.CHAIN_TOO_LONG);
    expect(err(walkChain(0, 2, 'tx', () => undefined))).toBe(VirtqError.BAD_ADDRESS);
    expect(err(walkChain(0, 2, 'tx', read([desc(0, VringDescF.INDIRECT)])))).toBe(
      VirtqError.UNSUPPORTED_DESC,
    );
    expect(err(walkChain(0, 2, 'tx', read([desc(0, VringDescF.WRITE)])))).toBe(
      VirtqError.BAD_WRITE_FLAG,
    );
    expect(err(walkChain(0, 2, 'rx', read([desc(0, 0)])))).toBe(VirtqError.BAD_WRITE_FLAG);
  });

  it('always ends, with a chain of at most `size` in-range descriptors or an error (property)', () => {
    const size = fc.constantFrom(1, 2, 4, 8, 16);
    fc.assert(
      fc.property(
        size.chain((n) =>
          fc.record({
            n: fc.constant(n),
            head: fc.integer({ min: 0, max: n + 1 }),
            dir: fc.constantFrom('tx' as const, 'rx' as const),
            table: fc.array(
              fc.record({
                addr: fc.bigInt({ min: 0n, max: 1n << 20n }),
                len: fc.integer({ min: 0, max: 4096 }),
                flags: fc.integer({ min: 0, max: 7 }),
                next: fc.integer({ min: 0, max: n + 1 }),
              }),
              { minLength: n, maxLength: n },
            ),
          }),
        ),
        ({ n, head, dir, table }) => {
          const r = walkChain(head, n, dir, (i) => table[i]);
          if (isChainError(r)) {
            expect(Object.values(VirtqError)).toContain(r.error);
            return;
          }
          expect(r.descs.length).toBeGreaterThan(0);
          expect(r.descs.length).toBeLessThanOrEqual(n);
          expect(r.bytes).toBe(r.descs.reduce((s, d) => s + d.len, 0));
          const want = dir === 'rx' ? VringDescF.WRITE : 0;
          for (const d of r.descs)
            expect(d.flags & (VringDescF.WRITE | VringDescF.INDIRECT)).toBe(want);
          expect(r.descs.at(-1)!.flags & VringDescF.NEXT).toBe(0);
        },
      ),
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CrdumpAddressMap } from './crdump-address-map.js';

describe('CrdumpAddressMap', () => {
  it('starts with a whole window 0 and then ascends in dwords with gaps', () => {
    const map = new CrdumpAddressMap(0x1234_5678);
    expect(Array.from({ length: 64 }, (_, i) => map.address(i))).toEqual(
      Array.from({ length: 64 }, (_, i) => i * 4),
    );
    const seen: number[] = [];
    map.forEach(0, 5000, (i, a) => {
      expect(a).toBe(map.address(i));
      seen.push(a);
    });
    expect(seen.every((a, i) => i === 0 || a > (seen[i - 1] ?? 0))).toBe(true);
    expect(seen.some((a, i) => i > 0 && a - (seen[i - 1] ?? 0) > 4)).toBe(true);
  });

  it('finds the first pair at or after any address (property)', () => {
    fc.assert(
      fc.property(fc.nat(0xffff_ffff), fc.nat(20_000), fc.nat(3), (seed, i, extra) => {
        const map = new CrdumpAddressMap(seed);
        const limit = 20_001;
        const a = map.address(i);
        expect(map.pairAtOrAfter(a, limit)).toBe(i);
        // Anything after the pair's address, up to the next dword, lands on the next pair.
        expect(map.pairAtOrAfter(a + 1 + extra, limit)).toBe(Math.min(i + 1, limit));
        if (i > 0) expect(map.pairAtOrAfter(map.address(i - 1) + 4, limit)).toBe(i);
      }),
      { numRuns: 200 },
    );
  });

  it('answers the limit for an address past every pair before it', () => {
    const map = new CrdumpAddressMap(7);
    expect(map.pairAtOrAfter(map.address(99) + 4, 100)).toBe(100);
    expect(map.pairAtOrAfter(0xffff_fff0, 100)).toBe(100);
  });
});

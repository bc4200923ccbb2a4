import { PAGE_SIZE } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeVcpu, encodeVcpu, VCPU_BYTES } from './guest-state.js';

const errno = (f: () => unknown) => {
  try {
    f();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

describe('vCPU registers', () => {
  it('round-trip any page-aligned state page address', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: (1n << 40n) - 1n }), (page) => {
        const at = page * BigInt(PAGE_SIZE);
        expect(decodeVcpu(encodeVcpu(at))).toBe(at);
      }),
    );
  });

  it('refuse (EINVAL) anything but registers this version wrote', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const b = Buffer.from(bytes);
        const ok =
          b.length === VCPU_BYTES &&
          b.readUInt32BE(0) === 0x41564350 &&
          b.readUInt32BE(4) === 1 &&
          b.readBigUInt64BE(8) !== 0n &&
          b.readBigUInt64BE(8) % BigInt(PAGE_SIZE) === 0n;
        expect(errno(() => decodeVcpu(b))).toBe(ok ? undefined : 'EINVAL');
      }),
    );
    const good = encodeVcpu(0x10000n);
    for (const [at, v] of [
      [0, 0],
      [7, 2],
      [15, 1],
    ] as const) {
      const bad = Buffer.from(good);
      bad[at] = v;
      expect(errno(() => decodeVcpu(bad))).toBe('EINVAL');
    }
  });
});

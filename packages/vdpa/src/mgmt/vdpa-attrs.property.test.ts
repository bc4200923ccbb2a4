import { formatHwAddr } from '@auxctl/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  attrBit,
  configAttrNames,
  formatFeatures,
  parseDevAdd,
  parseFeatures,
  parseMaxVqp,
  parseMtu,
  VdpaAttr,
} from './vdpa-attrs.js';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code;
  }
};

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });

describe('dev add attribute parsers', () => {
  it('parseFeatures round-trips every 64-bit mask as hex, decimal and bigint', () => {
    fc.assert(
      fc.property(u64, (f) => {
        expect(parseFeatures(formatFeatures(f))).toBe(f);
        expect(parseFeatures(f.toString(10))).toBe(f);
        expect(parseFeatures(f)).toBe(f);
      }),
    );
  });

  it('parseFeatures refuses masks beyond 64 bits, negatives and junk with EINVAL', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n << 64n, max: 1n << 80n }), (f) => {
        expect(code(() => parseFeatures(f))).toBe('EINVAL');
        expect(code(() => parseFeatures(-f))).toBe('EINVAL');
      }),
    );
    for (const bad of ['0x', '0x1g', '', '1.5', 1.5, null, '0x1ffffffffffffffff']) {
      expect(code(() => parseFeatures(bad))).toBe('EINVAL');
    }
  });

  it('parseMtu accepts exactly 68..65535', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100, max: 70_000 }), (n) => {
        const ok = n >= 68 && n <= 65535;
        expect(code(() => parseMtu(n))).toBe(ok ? undefined : 'EINVAL');
        if (ok) expect(parseMtu(String(n))).toBe(n);
      }),
    );
  });

  it('parseMaxVqp accepts exactly 1..65535 and says a pair is required for 0', () => {
    fc.assert(
      fc.property(fc.integer({ min: -5, max: 70_000 }), (n) => {
        const ok = n >= 1 && n <= 65535;
        expect(code(() => parseMaxVqp(n))).toBe(ok ? undefined : 'EINVAL');
      }),
    );
    expect(() => parseMaxVqp(0)).toThrow('At least one pair of VQs is required');
  });

  it('parseDevAdd sets a mask bit for exactly the attributes given', () => {
    const mac = fc
      .uint8Array({ minLength: 6, maxLength: 6 })
      .map((b) => formatHwAddr(Uint8Array.from(b, (x, i) => (i === 0 ? x & 0xfe : x))));
    fc.assert(
      fc.property(
        fc.record(
          {
            mac,
            mtu: fc.integer({ min: 68, max: 9000 }),
            max_vqp: fc.integer({ min: 1, max: 8 }),
            device_features: u64,
          },
          { requiredKeys: [] },
        ),
        (attrs) => {
          const r = parseDevAdd({ name: 'foo', mgmtdev: 'vdpasim_net', ...attrs });
          let want = 0n;
          if (attrs.mac !== undefined) want |= attrBit(VdpaAttr.DEV_NET_CFG_MACADDR);
          if (attrs.mtu !== undefined) want |= attrBit(VdpaAttr.DEV_NET_CFG_MTU);
          if (attrs.max_vqp !== undefined) want |= attrBit(VdpaAttr.DEV_NET_CFG_MAX_VQP);
          if (attrs.device_features !== undefined) want |= attrBit(VdpaAttr.DEV_FEATURES);
          expect(r.config.mask).toBe(want);
          if (attrs.mac !== undefined) expect(formatHwAddr(r.config.mac!)).toBe(attrs.mac);
          expect(r.config.mtu).toBe(attrs.mtu);
          expect(r.config.maxVqPairs).toBe(attrs.max_vqp);
        },
      ),
    );
  });

  it('parseDevAdd refuses a missing name or mgmtdev, unknown keys and bad MACs with EINVAL', () => {
    const bad: unknown[] = [
      { mgmtdev: 'm' },
      { name: '', mgmtdev: 'm' },
      { name: 'a' },
      { name: 'a', mgmtdev: 'm', colour: 'red' },
      { name: 'a', mgmtdev: 'm', mac: '01:00:00:00:00:01' },
      { name: 'a', mgmtdev: 'm', mac: 'zz:00:00:00:00:01' },
      'name a',
      null,
    ];
    for (const b of bad) expect(code(() => parseDevAdd(b))).toBe('EINVAL');
  });
});

describe('configAttrNames', () => {
  it('names exactly the dev add attributes whose bits are in the mask', () => {
    const table: [string, number][] = [
      ['mac', VdpaAttr.DEV_NET_CFG_MACADDR],
      ['mtu', VdpaAttr.DEV_NET_CFG_MTU],
      ['max_vqp', VdpaAttr.DEV_NET_CFG_MAX_VQP],
      ['device_features', VdpaAttr.DEV_FEATURES],
    ];
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), (mask) => {
        const want = table.filter(([, a]) => (mask & attrBit(a)) !== 0n).map(([k]) => k);
        expect(configAttrNames(mask)).toEqual(want);
      }),
    );
  });
});

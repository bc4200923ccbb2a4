import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkAddArgs, checkAttrs, formatHwAddr, parseHwAddr } from './port-function-args.js';

const einval = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isAuxError(e, 'EINVAL');
  }
  return false;
};

const unicastMac = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => Buffer.from([b[0]! & 0xfe, ...b.subarray(1)]));

describe('port-function arguments', () => {
  it('hwAddr: format and parse are inverse for every unicast MAC', () => {
    fc.assert(
      fc.property(unicastMac, (mac) => {
        const s = formatHwAddr(mac);
        expect(s).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
        expect(parseHwAddr(s).equals(mac)).toBe(true);
        expect(parseHwAddr(s.toUpperCase()).equals(mac)).toBe(true);
        expect(parseHwAddr(new Uint8Array(mac)).equals(mac)).toBe(true);
      }),
    );
  });

  it('hwAddr: multicast MACs are refused', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 6, maxLength: 6 }), (b) => {
        const mac = Buffer.from([b[0]! | 1, ...b.subarray(1)]);
        expect(einval(() => parseHwAddr(formatHwAddr(mac)))).toBe(true);
      }),
    );
  });

  it('hwAddr: anything that is not 6 hex pairs or 6 bytes is EINVAL, never a crash', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything(), fc.uint8Array({ maxLength: 12 })), (x) => {
        const ok =
          (typeof x === 'string' && /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/.test(x)) ||
          (x instanceof Uint8Array && x.length === 6);
        if (ok) return;
        expect(einval(() => parseHwAddr(x))).toBe(true);
      }),
    );
  });

  it('add: accepts exactly integer pfnum 0..65535 and sfnum 0..2^32-1', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.integer({ min: -5, max: 0x1_0005 }), fc.double(), fc.constant('1')),
        fc.oneof(fc.integer({ min: -5, max: 2 ** 32 + 5 }), fc.double(), fc.constant(null)),
        (pfnum, sfnum) => {
          const valid =
            Number.isInteger(pfnum) &&
            (pfnum as number) >= 0 &&
            (pfnum as number) <= 0xffff &&
            Number.isInteger(sfnum) &&
            (sfnum as number) >= 0 &&
            (sfnum as number) <= 0xffff_ffff;
          if (valid) expect(checkAddArgs({ pfnum, sfnum })).toEqual({ pfnum, sfnum });
          else expect(einval(() => checkAddArgs({ pfnum, sfnum }))).toBe(true);
        },
      ),
    );
    expect(einval(() => checkAddArgs({ pfnum: 0, sfnum: 1, extra: 1 }))).toBe(true);
    expect(einval(() => checkAddArgs(null))).toBe(true);
  });

  it('set: unknown keys, bad values and empty sets are EINVAL', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            roce: fc.oneof(fc.boolean(), fc.integer()),
            migratable: fc.oneof(fc.boolean(), fc.constant('yes')),
            maxUctx: fc.oneof(fc.integer({ min: -2, max: 0x1_0002 }), fc.double()),
            other: fc.anything(),
          },
          { requiredKeys: [] },
        ),
        (attrs) => {
          const keys = Object.keys(attrs).filter(
            (k) => (attrs as Record<string, unknown>)[k] !== undefined,
          );
          const roceOk = attrs.roce === undefined || typeof attrs.roce === 'boolean';
          const migOk = attrs.migratable === undefined || typeof attrs.migratable === 'boolean';
          const m = attrs.maxUctx;
          const uctxOk = m === undefined || (Number.isInteger(m) && m >= 1 && m <= 0xffff);
          const valid = keys.length > 0 && !keys.includes('other') && roceOk && migOk && uctxOk;
          if (valid) {
            const out = checkAttrs(attrs);
            expect(out.roce).toBe(attrs.roce);
            expect(out.migratable).toBe(attrs.migratable);
            expect(out.maxUctx).toBe(m);
          } else expect(einval(() => checkAttrs(attrs))).toBe(true);
        },
      ),
    );
  });
});

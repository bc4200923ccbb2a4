import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkFrame,
  checkIfName,
  checkMtu,
  ETH_HLEN,
  hwToSwMtu,
  MIN_MTU,
  maxFrameBytes,
  swToHwMtu,
} from './frame-check.js';
import { checkUnicastMac, formatMac, identityMac, parseMac } from './mac-address.js';

const MAX = 9194;

describe('checkMtu', () => {
  it('accepts exactly the integers in [68, max]', () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: -100, max: 20_000 }), fc.double()), (mtu) => {
        const ok = Number.isInteger(mtu) && mtu >= MIN_MTU && mtu <= MAX;
        if (ok) expect(checkMtu(mtu, MAX)).toBe(mtu);
        else expect(() => checkMtu(mtu, MAX)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      }),
    );
  });

  it('refuses what is not a number without crashing', () => {
    fc.assert(
      fc.property(
        fc.anything().filter((v) => typeof v !== 'number'),
        (v) => {
          expect(() => checkMtu(v, MAX)).toThrow(/out of range/);
        },
      ),
    );
  });

  it('software and hardware MTU convert both ways', () => {
    fc.assert(
      fc.property(fc.integer({ min: MIN_MTU, max: MAX }), (mtu) => {
        expect(hwToSwMtu(swToHwMtu(mtu))).toBe(mtu);
        // The port drops frames longer than its MTU - 4 (FCS): the longest frame fits exactly.
        expect(maxFrameBytes(mtu) + 4).toBe(swToHwMtu(mtu));
      }),
    );
  });
});

describe('checkFrame', () => {
  it('accepts buffers of ETH_HLEN..MTU+18 bytes and refuses others with EINVAL', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: MIN_MTU, max: 3000 }),
        fc.integer({ min: 0, max: 3100 }),
        (mtu, len) => {
          const f = Buffer.alloc(len);
          if (len >= ETH_HLEN && len <= mtu + 18) expect(checkFrame(f, mtu)).toBe(f);
          else
            expect(() => checkFrame(f, mtu)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
        },
      ),
    );
  });

  it('refuses non-buffers', () => {
    fc.assert(
      fc.property(fc.anything(), (v) => {
        expect(() => checkFrame(v, 1500)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      }),
    );
  });
});

describe('checkIfName', () => {
  it('accepts 1-15 characters without separators, whitespace or controls', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), (name) => {
        const ok =
          name.length > 0 &&
          name.length < 16 &&
          name !== '.' &&
          name !== '..' &&
          ![...name].some(
            (c) =>
              c === '/' ||
              c === ':' ||
              /\s/u.test(c) ||
              c.charCodeAt(0) < 32 ||
              c.charCodeAt(0) === 127,
          );
        if (ok) expect(checkIfName(name)).toBe(name);
        else expect(() => checkIfName(name)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      }),
    );
  });

  it('refuses non-strings', () => {
    fc.assert(
      fc.property(
        fc.anything().filter((v) => typeof v !== 'string'),
        (v) => {
          expect(() => checkIfName(v)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
        },
      ),
    );
  });
});

describe('MAC addresses', () => {
  const mac = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((a) => Buffer.from(a));

  it('formatMac and parseMac round-trip', () => {
    fc.assert(
      fc.property(mac, (m) => {
        expect(parseMac(formatMac(m)).equals(m)).toBe(true);
        expect(parseMac(formatMac(m).toUpperCase().replace(/:/gu, '-')).equals(m)).toBe(true);
      }),
    );
  });

  it('parseMac refuses every string that is not six hex pairs', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 24 }), (s) => {
        if (/^[0-9a-fA-F]{2}([:-][0-9a-fA-F]{2}){5}$/u.test(s)) return;
        expect(() => parseMac(s)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      }),
    );
  });

  it('checkUnicastMac accepts exactly non-zero unicast addresses', () => {
    fc.assert(
      fc.property(mac, (m) => {
        const ok = (m[0]! & 1) === 0 && m.some((b) => b !== 0);
        if (ok) expect(checkUnicastMac(m).equals(m)).toBe(true);
        else expect(() => checkUnicastMac(m)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      }),
    );
  });

  it('identityMac is a stable, locally administered unicast address', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (bdf, serial) => {
        const m = identityMac({ bdf, serial });
        expect(m.length).toBe(6);
        expect(m[0]! & 0x03).toBe(0x02);
        expect(identityMac({ bdf, serial }).equals(m)).toBe(true);
      }),
    );
  });
});

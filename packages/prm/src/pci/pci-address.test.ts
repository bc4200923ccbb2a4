import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAuxError } from '../errors.js';
import {
  formatPciAddress,
  type PciAddress,
  parsePciAddress,
  routingId,
  vfAddress,
  vfIndexOf,
} from './pci-address.js';

const address = fc.record({
  domain: fc.integer({ min: 0, max: 0xffff }),
  bus: fc.integer({ min: 0, max: 0xff }),
  device: fc.integer({ min: 0, max: 0x1f }),
  function: fc.integer({ min: 0, max: 7 }),
});
const layout = fc.record({
  offset: fc.integer({ min: 1, max: 0x200 }),
  stride: fc.integer({ min: 1, max: 8 }),
});

/** errnoOf: matches an AuxError with that code. */
const errnoOf = (code: string) => expect.objectContaining({ name: 'AuxError', code });

describe('PCI addresses', () => {
  it('prints the sysfs spelling', () => {
    expect(formatPciAddress({ domain: 0, bus: 8, device: 0, function: 1 })).toBe('0000:08:00.1');
    expect(parsePciAddress('0000:AF:1F.7')).toEqual({
      domain: 0,
      bus: 0xaf,
      device: 0x1f,
      function: 7,
    });
  });

  it('format and parse are inverse for every address', () => {
    fc.assert(
      fc.property(address, (a) => {
        const s = formatPciAddress(a);
        expect(s).toMatch(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-1][0-9a-f]\.[0-7]$/);
        expect(parsePciAddress(s)).toEqual(a);
        expect(parsePciAddress(s.toUpperCase())).toEqual(a);
      }),
    );
  });

  it('anything that is not domain:bus:device.fn is EINVAL, never a crash', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything()), (x) => {
        const m =
          typeof x === 'string' && /^[0-9a-f]{4}:[0-9a-f]{2}:([0-9a-f]{2})\.[0-7]$/i.exec(x);
        if (m && Number.parseInt(m[1]!, 16) <= 0x1f) return;
        expect(() => parsePciAddress(x)).toThrow(errnoOf('EINVAL'));
      }),
    );
    for (const bad of ['0000:08:20.0', '0000:08:00.8', '08:00.0', '0000:08:00.0 ', '0000:8:00.0']) {
      expect(() => parsePciAddress(bad)).toThrow(errnoOf('EINVAL'));
    }
  });
});

describe('VF placement', () => {
  it('offset 1, stride 2 from 03:00.0 gives 03:00.1, 03:00.3, ...', () => {
    const pf = parsePciAddress('0000:03:00.0');
    const vfs = [0, 1, 2, 3, 4].map((i) =>
      formatPciAddress(vfAddress(pf, { offset: 1, stride: 2 }, i)),
    );
    expect(vfs).toEqual([
      '0000:03:00.1',
      '0000:03:00.3',
      '0000:03:00.5',
      '0000:03:00.7',
      '0000:03:01.1',
    ]);
  });

  it('VFs spill onto the next bus past devfn 0xff', () => {
    const pf = parsePciAddress('0000:08:1f.0');
    expect(formatPciAddress(vfAddress(pf, { offset: 8, stride: 1 }, 0))).toBe('0000:09:00.0');
  });

  it('VF n sits offset + stride * n routing IDs after its PF, and vfIndexOf inverts it', () => {
    fc.assert(
      fc.property(address, layout, fc.integer({ min: 0, max: 255 }), (pf, l, n) => {
        let vf: PciAddress;
        try {
          vf = vfAddress(pf, l, n);
        } catch (e) {
          expect(isAuxError(e, 'ERANGE')).toBe(true);
          expect(routingId(pf) + l.offset + l.stride * n).toBeGreaterThan(0xffff);
          return;
        }
        expect(routingId(vf) - routingId(pf)).toBe(l.offset + l.stride * n);
        expect(vf.domain).toBe(pf.domain);
        expect(vfIndexOf(pf, l, vf)).toBe(n);
      }),
    );
  });

  it('a bad layout or index is EINVAL', () => {
    const pf = parsePciAddress('0000:08:00.0');
    expect(() => vfAddress(pf, { offset: 0, stride: 1 }, 0)).toThrow(errnoOf('EINVAL'));
    expect(() => vfAddress(pf, { offset: 1, stride: 0 }, 0)).toThrow(errnoOf('EINVAL'));
    expect(() => vfAddress(pf, { offset: 1, stride: 1 }, -1)).toThrow(errnoOf('EINVAL'));
    expect(() => vfAddress(pf, { offset: 1, stride: 1 }, 1.5)).toThrow(errnoOf('EINVAL'));
  });
});

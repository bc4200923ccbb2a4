import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keywordPairs, parseFeatureMask, parseQueueIndex, parseVdpaAdd } from './vdpa-args.js';

describe('vdpa arguments (iproute2 syntax)', () => {
  it('takes the vdpa-dev man page example as written', () => {
    const tokens =
      'name foo mgmtdev auxiliary/mlx5_core.sf.1 mac 00:11:22:33:44:55 max_vqp 8'.split(' ');
    expect(parseVdpaAdd(tokens)).toEqual({
      name: 'foo',
      mgmtdev: 'auxiliary/mlx5_core.sf.1',
      mac: '00:11:22:33:44:55',
      maxVqp: 8,
    });
  });

  it('parses mtu and device_features, and refuses values out of range', () => {
    const r = parseVdpaAdd([
      'name',
      'v',
      'mgmtdev',
      'm',
      'mtu',
      '1500',
      'device_features',
      '0x300000020',
    ]);
    expect(r.mtu).toBe(1500);
    expect(r.deviceFeatures).toEqual({ bits: [5, 32, 33] });
    for (const bad of [
      ['mtu', '67'],
      ['mtu', '65536'],
      ['max_vqp', '0'],
      ['mac', '01:00:00:00:00:01'],
      ['mac', 'zz'],
      ['device_features', '0x1ffffffffffffffff'],
      ['device_features', 'MAC'],
    ]) {
      expect(() => parseVdpaAdd(['name', 'v', 'mgmtdev', 'm', ...bad])).toThrow(
        /^(mtu|max_vqp|mac|device_features)/,
      );
    }
  });

  it('refuses missing, unknown, repeated and valueless keywords', () => {
    expect(() => parseVdpaAdd(['mgmtdev', 'm'])).toThrow(/name NAME/);
    expect(() => parseVdpaAdd(['name', 'v'])).toThrow(/mgmtdev/);
    expect(() => parseVdpaAdd(['name', 'v', 'mgmtdev', 'm', 'speed', '1'])).toThrow(
      /unknown keyword "speed"/,
    );
    expect(() => parseVdpaAdd(['name', 'v', 'name', 'w', 'mgmtdev', 'm'])).toThrow(/given twice/);
    expect(() => parseVdpaAdd(['name', 'v', 'mgmtdev'])).toThrow(/needs a value/);
  });

  it('keywordPairs accepts exactly well-formed pair lists over its keys', () => {
    const keys = ['a', 'b', 'c'];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'x1'), { maxLength: 8 }),
        (tokens) => {
          const keyAt = tokens.filter((_, i) => i % 2 === 0);
          const ok =
            tokens.length % 2 === 0 &&
            keyAt.every((k) => keys.includes(k)) &&
            new Set(keyAt).size === keyAt.length;
          if (ok) {
            const m = keywordPairs(tokens, keys, 't');
            expect([...m.keys()]).toEqual(keyAt);
          } else {
            expect(() => keywordPairs(tokens, keys, 't')).toThrow();
          }
        },
      ),
    );
  });

  it('parseFeatureMask gives the set bits of any 64-bit mask, hex or decimal', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.boolean(), (mask, hex) => {
        const bits = parseFeatureMask(hex ? `0x${mask.toString(16)}` : mask.toString());
        expect(bits.reduce((m, b) => m | (1n << BigInt(b)), 0n)).toBe(mask);
      }),
    );
    expect(() => parseFeatureMask('18446744073709551616')).toThrow(/wider than 64/);
    expect(() => parseFeatureMask('-1')).toThrow();
  });

  it('parseQueueIndex takes qidx N and nothing else', () => {
    expect(parseQueueIndex(['qidx', '3'])).toBe(3);
    expect(() => parseQueueIndex([])).toThrow(/qidx N/);
    expect(() => parseQueueIndex(['qidx', '70000'])).toThrow(/qidx/);
    expect(() => parseQueueIndex(['queue', '1'])).toThrow(/unknown keyword/);
  });
});

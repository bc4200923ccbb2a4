import { AuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { printable } from '../printable.js';
import {
  AUX_ID_MAX,
  AUX_NAME_PART_MAX,
  checkId,
  formatDeviceName,
  formatMatchName,
  matchNameOf,
  modaliasOf,
  parseDeviceName,
  parseMatchName,
  parseModalias,
} from './aux-name.js';

/** einval: run `fn`; pass when it returns or throws AuxError EINVAL, fail on anything else. */
function returnsOrEinval<T>(fn: () => T): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: fn() };
  } catch (err) {
    expect(err).toBeInstanceOf(AuxError);
    expect((err as AuxError).code).toBe('EINVAL');
    return { ok: false };
  }
}

const partChar = fc.constantFrom(
  ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-'.split(''),
);
const validPart = fc.string({ unit: partChar, minLength: 1, maxLength: AUX_NAME_PART_MAX });
const validId = fc.integer({ min: 0, max: AUX_ID_MAX });
/** Strings made mostly of the characters that matter to the grammar. */
const nameish = fc.string({
  unit: fc.oneof(
    fc.constantFrom('m', 'x', '5', '0', '1', '9', '_', '-', '.', '.', ' ', '/', ':', 'é', '\u0000'),
    fc.string({ minLength: 1, maxLength: 1 }),
  ),
  maxLength: 80,
});

describe('aux names', () => {
  it('formats and parses the kernel-style examples', () => {
    expect(formatDeviceName({ modname: 'mlx5_core', name: 'eth', id: 0 })).toBe('mlx5_core.eth.0');
    expect(parseDeviceName('mlx5_core.rdma.12')).toEqual({
      modname: 'mlx5_core',
      name: 'rdma',
      id: 12,
    });
    expect(formatMatchName('mlx5_core', 'ctl')).toBe('mlx5_core.ctl');
    expect(matchNameOf('mlx5_core.eth_rep.3')).toBe('mlx5_core.eth_rep');
    expect(matchNameOf('noname')).toBeUndefined();
    expect(modaliasOf('mlx5_core.eth')).toBe('auxiliary:mlx5_core.eth');
    expect(parseModalias('auxiliary:mlx5_core.eth')).toBe('mlx5_core.eth');
  });

  it.each([
    '',
    'mlx5_core.eth',
    'mlx5_core.eth.',
    '.eth.0',
    'mlx5_core..0',
    'a.b.c.0',
    'mlx5_core.eth.007',
    'mlx5_core.eth.-1',
    'mlx5_core.eth.+1',
    'mlx5_core.eth.1e3',
    'mlx5_core.eth.4294967296',
    'mlx5 core.eth.0',
    'mlx5/core.eth.0',
    `${'a'.repeat(AUX_NAME_PART_MAX + 1)}.eth.0`,
  ])('refuses device name %j with EINVAL', (bad) => {
    expect(() => parseDeviceName(bad)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('refuses bad parts and ids when formatting', () => {
    for (const bad of [
      { modname: 'mlx5.core', name: 'eth', id: 0 },
      { modname: 'mlx5_core', name: 'e.th', id: 0 },
      { modname: '', name: 'eth', id: 0 },
      { modname: 'mlx5_core', name: 'eth', id: -1 },
      { modname: 'mlx5_core', name: 'eth', id: 1.5 },
      { modname: 'mlx5_core', name: 'eth', id: AUX_ID_MAX + 1 },
      { modname: 'mlx5_core', name: 'eth', id: Number.NaN },
    ]) {
      expect(() => formatDeviceName(bad)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
    expect(() => parseMatchName('mlx5_core.eth.0')).toThrow(AuxError);
    expect(() => parseModalias('pci:mlx5_core.eth')).toThrow(AuxError);
    expect(() => parseModalias('auxiliary:mlx5_core')).toThrow(AuxError);
  });

  it('round-trips every valid name (property)', () => {
    fc.assert(
      fc.property(validPart, validPart, validId, (modname, name, id) => {
        const full = formatDeviceName({ modname, name, id });
        expect(parseDeviceName(full)).toEqual({ modname, name, id });
        expect(matchNameOf(full)).toBe(`${modname}.${name}`);
        expect(parseMatchName(matchNameOf(full))).toEqual({ modname, name });
        expect(parseModalias(modaliasOf(`${modname}.${name}`))).toBe(`${modname}.${name}`);
      }),
    );
  });

  it('parses any string either back to itself or to EINVAL, never anything else (property)', () => {
    fc.assert(
      fc.property(fc.oneof(nameish, fc.string()), (s) => {
        const dev = returnsOrEinval(() => parseDeviceName(s));
        if (dev.ok) expect(formatDeviceName(dev.value)).toBe(s);
        const match = returnsOrEinval(() => parseMatchName(s));
        if (match.ok) expect(formatMatchName(match.value.modname, match.value.name)).toBe(s);
        const alias = returnsOrEinval(() => parseModalias(`auxiliary:${s}`));
        if (alias.ok) expect(alias.value).toBe(s);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts only u32 integers as ids and never throws anything but EINVAL (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.double(), fc.integer()), (v) => {
        const r = returnsOrEinval(() => checkId(v));
        const valid = typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= AUX_ID_MAX;
        expect(r.ok).toBe(valid);
      }),
    );
  });

  it('rejects non-strings given to the parsers with EINVAL (property)', () => {
    fc.assert(
      fc.property(
        fc
          .oneof(
            fc.constantFrom({ toString: '' }, { toString: undefined }, Object.create(null)),
            fc.anything({ withNullPrototype: true, withBigInt: true, withMap: true }),
          )
          .filter((v) => typeof v !== 'string'),
        (v) => {
          expect(returnsOrEinval(() => parseDeviceName(v)).ok).toBe(false);
          expect(returnsOrEinval(() => parseMatchName(v)).ok).toBe(false);
          expect(returnsOrEinval(() => parseModalias(v)).ok).toBe(false);
          expect(typeof printable(v)).toBe('string');
        },
      ),
      { numRuns: 500 },
    );
  });
});

import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideNumVfs, NUMVFS_RULES, type NumVfsWrite, parseNumVfs } from './sriov-numvfs.js';

/** errnoOf: matches an AuxError with that code. */
const errnoOf = (code: string) => expect.objectContaining({ name: 'AuxError', code });

const base: NumVfsWrite = {
  requested: 4,
  current: 0,
  totalVfs: 8,
  driver: 'mlx5_core',
  hasConfigure: true,
};

describe('sriov_numvfs rules, row by row', () => {
  const rows: [string, Partial<NumVfsWrite>, string][] = [
    ['above-total', { requested: 9 }, 'ERANGE'],
    ['above-total even without a driver', { requested: 9, driver: undefined }, 'ERANGE'],
    ['same-count', { requested: 4, current: 4 }, 'unchanged'],
    ['same-count 0 without a driver', { requested: 0, driver: undefined }, 'unchanged'],
    ['no-driver', { driver: undefined, hasConfigure: false }, 'ENOENT'],
    ['no-configure', { hasConfigure: false }, 'ENOENT'],
    ['disable', { requested: 0, current: 4 }, 'disable'],
    ['already-enabled', { requested: 2, current: 4 }, 'EBUSY'],
    ['enable', {}, 'enable'],
    ['enable up to total', { requested: 8 }, 'enable'],
  ];
  for (const [name, change, want] of rows) {
    it(`${name} -> ${want}`, () => {
      const w = { ...base, ...change };
      if (want.startsWith('E')) expect(() => decideNumVfs(w)).toThrow(errnoOf(want));
      else expect(decideNumVfs(w)).toBe(want);
    });
  }

  it('every row is reachable and the last one always applies', () => {
    expect(NUMVFS_RULES.at(-1)?.when(base)).toBe(true);
    expect(new Set(NUMVFS_RULES.map((r) => r.name)).size).toBe(NUMVFS_RULES.length);
  });

  it('never enables over a non-zero count, never exceeds total', () => {
    const w = fc.record({
      requested: fc.integer({ min: 0, max: 300 }),
      current: fc.integer({ min: 0, max: 255 }),
      totalVfs: fc.integer({ min: 0, max: 255 }),
      driver: fc.option(fc.constant('d'), { nil: undefined }),
      hasConfigure: fc.boolean(),
    });
    fc.assert(
      fc.property(w, (x) => {
        let out: string;
        try {
          out = decideNumVfs(x);
        } catch (e) {
          out = isAuxError(e) ? e.code : 'bad';
        }
        if (x.requested > x.totalVfs) expect(out).toBe('ERANGE');
        if (out === 'enable') {
          expect(x.current).toBe(0);
          expect(x.requested).toBeGreaterThan(0);
          expect(x.driver !== undefined && x.hasConfigure).toBe(true);
        }
        if (out === 'EBUSY') expect(x.current !== 0 && x.requested !== 0).toBe(true);
      }),
    );
  });
});

describe('sriov_numvfs input', () => {
  it('reads decimal, 0x hex and 0 octal with an optional + and one newline', () => {
    expect(parseNumVfs('4\n')).toBe(4);
    expect(parseNumVfs('+4')).toBe(4);
    expect(parseNumVfs('0x10')).toBe(16);
    expect(parseNumVfs('010')).toBe(8);
    expect(parseNumVfs('0')).toBe(0);
    expect(parseNumVfs(7)).toBe(7);
    for (const bad of ['', '-1', ' 4', '4\n\n', '09', '4.0', 'four', '0x', '1e3']) {
      expect(() => parseNumVfs(bad)).toThrow(errnoOf('EINVAL'));
    }
    expect(() => parseNumVfs('65536')).toThrow(errnoOf('ERANGE'));
    expect(() => parseNumVfs(70000)).toThrow(errnoOf('ERANGE'));
    expect(() => parseNumVfs(1.5)).toThrow(errnoOf('EINVAL'));
  });

  it('every u16 round-trips in each spelling; larger values are ERANGE', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0x1_ffff }), (n) => {
        const spellings = [
          `${n}`,
          `${n}\n`,
          `0x${n.toString(16)}`,
          n === 0 ? '0' : `0${n.toString(8)}`,
        ];
        for (const s of spellings) {
          if (n > 0xffff) expect(() => parseNumVfs(s)).toThrow(errnoOf('ERANGE'));
          else expect(parseNumVfs(s)).toBe(n);
        }
      }),
    );
  });

  it('anything else is EINVAL or ERANGE, never a crash', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.anything(), fc.double()), (x) => {
        let r: number | string;
        try {
          r = parseNumVfs(x);
        } catch (e) {
          r = isAuxError(e) ? e.code : 'crash';
        }
        if (typeof r === 'number') expect(r >= 0 && r <= 0xffff && Number.isInteger(r)).toBe(true);
        else expect(['EINVAL', 'ERANGE']).toContain(r);
      }),
    );
  });
});

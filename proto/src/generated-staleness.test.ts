import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideStaleness,
  isCi,
  parsePorcelainZ,
  REGENERATE_COMMAND,
} from '../scripts/generated-staleness.mjs';

const genDir = 'proto/src/gen';
const z = (...entries: string[]) => entries.map((e) => `${e}\0`).join('');

describe('isCi', () => {
  it('is true for CI set to a value, false when unset, empty, 0 or false', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'yes' })).toBe(true);
    expect(isCi({})).toBe(false);
    expect(isCi({ CI: '' })).toBe(false);
    expect(isCi({ CI: '0' })).toBe(false);
    expect(isCi({ CI: 'FALSE' })).toBe(false);
  });
});

describe('parsePorcelainZ', () => {
  it('names modified, untracked, deleted and renamed files (the new name of a rename)', () => {
    const out = parsePorcelainZ(
      z(
        ' M proto/src/gen/auxctl/v1/dump.ts',
        '?? proto/src/gen/auxctl/v1/new_file.ts',
        'D  proto/src/gen/auxctl/v1/old.ts',
        'R  proto/src/gen/auxctl/v1/renamed.ts',
        'proto/src/gen/auxctl/v1/before.ts',
      ),
    );
    expect(out).toEqual([
      { path: 'proto/src/gen/auxctl/v1/dump.ts', change: 'modified' },
      { path: 'proto/src/gen/auxctl/v1/new_file.ts', change: 'untracked' },
      { path: 'proto/src/gen/auxctl/v1/old.ts', change: 'deleted' },
      { path: 'proto/src/gen/auxctl/v1/renamed.ts', change: 'renamed' },
    ]);
  });

  it('keeps spaces and arrows in paths (no quoting with -z)', () => {
    expect(parsePorcelainZ(z(' M proto/src/gen/a b -> c.ts'))).toEqual([
      { path: 'proto/src/gen/a b -> c.ts', change: 'modified' },
    ]);
  });

  it('reads empty output as no change', () => {
    expect(parsePorcelainZ('')).toEqual([]);
  });

  it('reports one entry per non-rename record, whatever the paths', () => {
    const record = fc.tuple(
      fc.constantFrom(' M', 'M ', 'MM', '??', 'A ', ' D', 'T '),
      fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !s.includes('\0')),
    );
    fc.assert(
      fc.property(fc.array(record, { maxLength: 8 }), (records) => {
        const parsed = parsePorcelainZ(z(...records.map(([xy, p]) => `${xy} ${p}`)));
        expect(parsed.map((e) => e.path)).toEqual(records.map(([, p]) => p));
      }),
    );
  });
});

describe('decideStaleness', () => {
  const stale = z(' M proto/src/gen/auxctl/v1/dump.ts', '?? proto/src/gen/auxctl/v1/extra.ts');

  it('fails in CI when the generated tree differs, naming the files and the fix', () => {
    const d = decideStaleness({ ci: true, gitCheckout: true, porcelain: stale, genDir });
    expect(d.verdict).toBe('fail');
    expect(d.files.map((f) => f.path)).toEqual([
      'proto/src/gen/auxctl/v1/dump.ts',
      'proto/src/gen/auxctl/v1/extra.ts',
    ]);
    expect(d.message).toContain('proto/src/gen/auxctl/v1/dump.ts (modified)');
    expect(d.message).toContain('proto/src/gen/auxctl/v1/extra.ts (untracked)');
    expect(d.message).toContain(REGENERATE_COMMAND);
    expect(REGENERATE_COMMAND).toBe('npm run generate -w @auxctl/proto');
    expect(d.message).toMatch(/commit/);
  });

  it('only warns outside CI, with the same message', () => {
    const d = decideStaleness({ ci: false, gitCheckout: true, porcelain: stale, genDir });
    expect(d.verdict).toBe('warn');
    expect(d.message).toContain(REGENERATE_COMMAND);
  });

  it('is clean when git status shows nothing, in CI or not', () => {
    for (const ci of [true, false]) {
      expect(decideStaleness({ ci, gitCheckout: true, porcelain: '', genDir }).verdict).toBe(
        'clean',
      );
    }
  });

  it('skips outside a git checkout, even in CI and whatever the status says', () => {
    const d = decideStaleness({ ci: true, gitCheckout: false, porcelain: stale, genDir });
    expect(d.verdict).toBe('skip');
  });

  it('fails in CI (warns elsewhere) when git could not answer', () => {
    const facts = { gitCheckout: true, gitError: 'fatal: bad object', genDir };
    expect(decideStaleness({ ...facts, ci: true }).verdict).toBe('fail');
    expect(decideStaleness({ ...facts, ci: false }).verdict).toBe('warn');
    expect(decideStaleness({ ...facts, ci: true }).message).toContain('fatal: bad object');
  });
});

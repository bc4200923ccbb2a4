import { AuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AUX_ID_MAX } from './aux-name.js';
import { checkDriver, matchId, supportsSuspend } from './auxiliary-driver.js';

const part = fc.string({
  unit: fc.constantFrom(...'abe_-0159'.split('')),
  minLength: 1,
  maxLength: 6,
});

describe('driver validation and matching', () => {
  it('accepts a minimal driver and knows when it can suspend', () => {
    const drv = { name: 'mlx5e', idTable: [{ name: 'mlx.eth' }], probe: () => {} };
    expect(() => checkDriver(drv)).not.toThrow();
    expect(supportsSuspend(drv)).toBe(false);
    expect(supportsSuspend({ ...drv, suspend: () => {} })).toBe(false);
    expect(supportsSuspend({ ...drv, suspend: () => {}, resume: () => {} })).toBe(true);
    expect(supportsSuspend(undefined)).toBe(false);
  });

  it('either accepts a candidate driver or throws EINVAL, nothing else (property)', () => {
    const hook = fc.oneof(
      fc.constant(undefined),
      fc.constant(() => {}),
      fc.anything(),
    );
    const candidate = fc.oneof(
      fc.anything({ withNullPrototype: true }),
      fc.record(
        {
          name: fc.oneof(fc.string(), part, fc.anything()),
          idTable: fc.oneof(
            fc.array(
              fc.record({
                name: fc.oneof(
                  fc.string(),
                  part.map((p) => `${p}.${p}`),
                ),
              }),
            ),
            fc.anything(),
          ),
          probe: hook,
          remove: hook,
          suspend: hook,
        },
        { requiredKeys: [] },
      ),
    );
    fc.assert(
      fc.property(candidate, (drv) => {
        try {
          checkDriver(drv);
        } catch (err) {
          expect(err).toBeInstanceOf(AuxError);
          expect((err as AuxError).code).toBe('EINVAL');
          return;
        }
        expect(typeof drv.probe).toBe('function');
        expect(drv.idTable.length).toBeGreaterThan(0);
      }),
      { numRuns: 1000 },
    );
  });

  it('matches exactly the name before the last dot (property)', () => {
    fc.assert(
      fc.property(
        part,
        part,
        fc.integer({ min: 0, max: AUX_ID_MAX }),
        part,
        part,
        (modname, name, id, tm, tn) => {
          const dev = `${modname}.${name}.${id}`;
          const entry = { name: `${tm}.${tn}` };
          const hit = matchId([entry], dev);
          expect(hit !== undefined).toBe(tm === modname && tn === name);
          expect(matchId([{ name: `${modname}.${name}` }], dev)?.name).toBe(`${modname}.${name}`);
        },
      ),
    );
    expect(matchId([{ name: 'mlx5_core.eth' }], 'mlx5_core.eth_rep.0')).toBeUndefined();
    expect(matchId([{ name: 'mlx5_core.eth' }], 'mlx5_core.e.0')).toBeUndefined();
    expect(matchId([{ name: 'mlx5_core.eth' }], 'nodot')).toBeUndefined();
  });
});

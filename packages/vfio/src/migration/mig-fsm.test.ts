import { isAuxError } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MigArc, migPath, nextMigState, requiredArcs } from './mig-fsm.js';
import {
  ALL_MIG_FLAGS,
  MigState as M,
  MIG_STATES,
  MigFlag,
  type MigStateValue,
  migStateName,
  stateSupported,
} from './mig-states.js';

const FLAG_SETS = [
  MigFlag.STOP_COPY,
  MigFlag.STOP_COPY | MigFlag.P2P,
  MigFlag.STOP_COPY | MigFlag.PRE_COPY,
  ALL_MIG_FLAGS,
];
const names = (arcs: MigArc[]) => arcs.map((a) => `${migStateName(a.from)}>${migStateName(a.to)}`);
const key = (a: MigArc) => `${a.from}>${a.to}`;

describe('the migration v2 state machine', () => {
  it('takes the kernel paths when every state exists', () => {
    expect(names(migPath(M.RUNNING, M.STOP_COPY, ALL_MIG_FLAGS))).toEqual([
      'RUNNING>RUNNING_P2P',
      'RUNNING_P2P>STOP',
      'STOP>STOP_COPY',
    ]);
    expect(names(migPath(M.STOP_COPY, M.RUNNING, ALL_MIG_FLAGS))).toEqual([
      'STOP_COPY>STOP',
      'STOP>RUNNING_P2P',
      'RUNNING_P2P>RUNNING',
    ]);
    expect(names(migPath(M.PRE_COPY, M.STOP_COPY, ALL_MIG_FLAGS))).toEqual([
      'PRE_COPY>PRE_COPY_P2P',
      'PRE_COPY_P2P>STOP_COPY',
    ]);
    expect(names(migPath(M.RESUMING, M.RUNNING, ALL_MIG_FLAGS))).toEqual([
      'RESUMING>STOP',
      'STOP>RUNNING_P2P',
      'RUNNING_P2P>RUNNING',
    ]);
    // QEMU's save path: RUNNING -> PRE_COPY -> PRE_COPY_P2P -> STOP_COPY -> STOP.
    expect(names(migPath(M.RUNNING, M.PRE_COPY, ALL_MIG_FLAGS))).toEqual(['RUNNING>PRE_COPY']);
    expect(migPath(M.STOP, M.STOP, ALL_MIG_FLAGS)).toEqual([]);
  });

  it('skips the states a device does not have', () => {
    expect(names(migPath(M.RUNNING, M.STOP_COPY, MigFlag.STOP_COPY))).toEqual([
      'RUNNING>STOP',
      'STOP>STOP_COPY',
    ]);
    const pre = MigFlag.STOP_COPY | MigFlag.PRE_COPY;
    expect(names(migPath(M.PRE_COPY, M.STOP_COPY, pre))).toEqual(['PRE_COPY>STOP_COPY']);
    expect(names(migPath(M.PRE_COPY, M.STOP, pre))).toEqual(['PRE_COPY>RUNNING', 'RUNNING>STOP']);
  });

  it('refuses ERROR, unsupported states and STOP_COPY -> PRE_COPY with EINVAL', () => {
    const refused: [MigStateValue, MigStateValue, number][] = [
      [M.RUNNING, M.ERROR, ALL_MIG_FLAGS],
      [M.ERROR, M.RUNNING, ALL_MIG_FLAGS],
      [M.STOP_COPY, M.PRE_COPY, ALL_MIG_FLAGS],
      [M.STOP_COPY, M.PRE_COPY_P2P, ALL_MIG_FLAGS],
      [M.RUNNING, M.RUNNING_P2P, MigFlag.STOP_COPY],
      [M.RUNNING, M.PRE_COPY, MigFlag.STOP_COPY | MigFlag.P2P],
      [M.PRE_COPY, M.RUNNING, MigFlag.STOP_COPY],
    ];
    for (const [cur, target, flags] of refused) {
      expect(() => nextMigState(cur, target, flags)).toThrow(
        expect.objectContaining({ code: 'EINVAL' }),
      );
    }
  });

  it('reaches every supported target from every supported state by required arcs only, and uses them all (exhaustive)', () => {
    for (const flags of FLAG_SETS) {
      const required = new Set(requiredArcs(flags).map(key));
      const used = new Set<string>();
      for (const cur of MIG_STATES) {
        for (const target of MIG_STATES) {
          const legal =
            stateSupported(cur, flags) &&
            stateSupported(target, flags) &&
            !(cur === M.STOP_COPY && (target === M.PRE_COPY || target === M.PRE_COPY_P2P));
          let path: MigArc[] | undefined;
          try {
            path = migPath(cur, target, flags);
          } catch (err) {
            if (!isAuxError(err, 'EINVAL')) throw err;
          }
          expect(
            path !== undefined,
            `${migStateName(cur)} -> ${migStateName(target)} ${flags}`,
          ).toBe(legal);
          for (const a of path ?? []) {
            expect(required.has(key(a)), `arc ${names([a])} with flags ${flags}`).toBe(true);
            expect(stateSupported(a.to, flags)).toBe(true);
            used.add(key(a));
          }
          if (path && path.length > 0) expect(path.at(-1)?.to).toBe(target);
        }
      }
      expect([...used].sort()).toEqual([...required].sort());
    }
  });

  it('never loops and never passes a state twice (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MIG_STATES),
        fc.constantFrom(...MIG_STATES),
        fc.constantFrom(...FLAG_SETS),
        (cur, target, flags) => {
          let path: MigArc[];
          try {
            path = migPath(cur, target, flags);
          } catch {
            return;
          }
          const seen = [cur, ...path.map((a) => a.to)];
          expect(new Set(seen).size).toBe(seen.length);
        },
      ),
    );
  });
});

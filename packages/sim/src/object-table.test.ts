import { CmdStatus, Syndrome } from '@auxctl/prm';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FwError } from './fw-error.js';
import { ObjectTable } from './object-table.js';
import type { FwObjectType } from './register-host.js';

function fwError(fn: () => unknown): FwError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FwError) return e;
    throw e;
  }
  throw new Error('expected a FwError');
}

const limits =
  (n: Partial<Record<FwObjectType, number>> = {}) =>
  (t: FwObjectType) =>
    n[t] ?? 1 << 20;

describe('ObjectTable', () => {
  it('allocates ids per type from 1 and records the creating uid', () => {
    const t = new ObjectTable(limits());
    const a = t.create('PD', 0, {});
    const b = t.create('PD', 7, {});
    const u = t.create('UMEM', 7, {});
    expect([a.id, b.id, u.id]).toEqual([1, 2, 1]);
    expect(b.uid).toBe(7);
    expect(t.objectCounts()).toEqual({ PD: 2, UMEM: 1 });
    expect(t.objectCounts(7)).toEqual({ PD: 1, UMEM: 1 });
    expect([...t.objects()].map((o) => `${o.type}${o.id}`)).toEqual(['PD1', 'PD2', 'UMEM1']);
  });

  it('lists the objects of one type in creation order', () => {
    const t = new ObjectTable(limits());
    for (let i = 0; i < 3; i++) t.create('PD', 0, {});
    t.create('UMEM', 0, {});
    t.destroy('PD', 2, 0);
    const last = t.create('PD', 0, {});
    expect([...t.objects('PD')].map((o) => o.id)).toEqual([1, 3, last.id]);
    expect(t.get('PD', last.id)).toBe(last);
    expect(t.get('PD', 2)).toBeUndefined();
    expect([...t.objects('QP')]).toEqual([]);
  });

  it('enforces the live-object limit per type with LIM / OBJ_LIMIT, and frees room on destroy', () => {
    const t = new ObjectTable(limits({ PD: 2 }));
    t.create('PD', 0, {});
    const second = t.create('PD', 0, {});
    const e = fwError(() => t.create('PD', 0, {}));
    expect([e.status, e.syndrome]).toEqual([CmdStatus.LIM, Syndrome.OBJ_LIMIT]);
    expect(t.count('PD')).toBe(2);
    t.destroy('PD', second.id, 0);
    expect(t.create('PD', 0, {}).id).toBe(3);
  });

  it('lets a uid touch only its own objects; uid 0 touches any', () => {
    const t = new ObjectTable(limits());
    const pd = t.create('PD', 5, {});
    const other = fwError(() => t.lookup('PD', pd.id, 6));
    expect([other.status, other.syndrome]).toEqual([CmdStatus.BAD_RES, Syndrome.OBJ_OTHER_UID]);
    expect(fwError(() => t.destroy('PD', pd.id, 6)).syndrome).toBe(Syndrome.OBJ_OTHER_UID);
    expect(fwError(() => t.lookup('PD', 99, 5)).syndrome).toBe(Syndrome.OBJ_NOT_FOUND);
    expect(t.lookup('PD', pd.id, 0)).toBe(pd);
    t.destroy('PD', pd.id, 0);
    expect(t.count('PD')).toBe(0);
  });

  it('refuses to destroy a referenced object (RES_BUSY / OBJ_BUSY) until the referrer goes', () => {
    const t = new ObjectTable(limits());
    const pd = t.create('PD', 5, {});
    const umem = t.create('UMEM', 5, {});
    const mkey = t.create('MKEY', 5, {}, [
      { type: 'PD', id: pd.id },
      { type: 'UMEM', id: umem.id },
    ]);
    const busy = fwError(() => t.destroy('UMEM', umem.id, 5));
    expect([busy.status, busy.syndrome]).toEqual([CmdStatus.RES_BUSY, Syndrome.OBJ_BUSY]);
    expect(t.count('UMEM')).toBe(1);
    t.destroy('MKEY', mkey.id, 5);
    t.destroy('UMEM', umem.id, 5);
    t.destroy('PD', pd.id, 5);
    expect(t.objectCounts()).toEqual({});
  });

  it('destroys everything a uid owns newest first, or nothing when another uid pins it', () => {
    const t = new ObjectTable(limits());
    const pd = t.create('PD', 5, {});
    const umem = t.create('UMEM', 5, {});
    t.create('MKEY', 5, {}, [
      { type: 'PD', id: pd.id },
      { type: 'UMEM', id: umem.id },
    ]);
    const foreign = t.create('MKEY', 0, {}, [{ type: 'UMEM', id: umem.id }]);
    expect(fwError(() => t.destroyOwnedBy(5)).syndrome).toBe(Syndrome.OBJ_BUSY);
    expect(t.objectCounts(5)).toEqual({ PD: 1, UMEM: 1, MKEY: 1 });
    t.destroy('MKEY', foreign.id, 0);
    expect(t.destroyOwnedBy(5)).toBe(3);
    expect(t.objectCounts()).toEqual({});
  });

  it('returns to baseline after any create/destroy sequence of one uid (property)', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'pd' as const }),
      fc.constant({ kind: 'umem' as const }),
      fc.record({ kind: fc.constant('mkey' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('destroy' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const t = new ObjectTable(limits({ PD: 4, UMEM: 4, MKEY: 4 }));
        t.create('PD', 0, {});
        const baseline = t.objectCounts();
        for (const o of ops) {
          const mine = [...t.objects()].filter((x) => x.uid === 9);
          try {
            if (o.kind === 'pd') t.create('PD', 9, {});
            else if (o.kind === 'umem') t.create('UMEM', 9, {});
            else if (o.kind === 'mkey') {
              const pd = mine.filter((x) => x.type === 'PD')[o.pick % 4];
              if (pd) t.create('MKEY', 9, {}, [{ type: 'PD', id: pd.id }]);
            } else {
              const victim = mine[o.pick % Math.max(1, mine.length)];
              if (victim) t.destroy(victim.type, victim.id, 9);
            }
          } catch (e) {
            if (!(e instanceof FwError)) throw e;
          }
          for (const x of t.objects()) expect(x.refCount).toBeGreaterThanOrEqual(0);
        }
        t.destroyOwnedBy(9);
        expect(t.objectCounts()).toEqual(baseline);
        expect([...t.objects()].every((x) => x.refCount === 0)).toBe(true);
      }),
    );
  });
});

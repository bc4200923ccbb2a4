/**
 * ObjectTable: the firmware's table of live objects (UCTX, UMEM, PD, MKEY,
 * queues ...) of one function.
 *
 * Rules it enforces, so every command handler gets them for free:
 * - each object records the uid that created it; ids are allocated per type
 *   (1 upwards, never 0; a freed id is reused only after the counter wraps);
 * - the number of live objects of a type is bounded by the HCA's current
 *   `log_max_*` capability (LIM / OBJ_LIMIT);
 * - a uid may only touch its own objects; uid 0 (the kernel driver) may touch
 *   any (BAD_RES / OBJ_OTHER_UID, BAD_RES / OBJ_NOT_FOUND); inside
 *   `asKernelReader(uid, ...)` that uid may also name uid 0's (a tools
 *   context's query);
 * - an object names the objects it references (an MKEY its PD and UMEM); a
 *   referenced object cannot be destroyed (RES_BUSY / OBJ_BUSY);
 * - `destroyOwnedBy(uid)` frees everything a uid owns, newest first (an
 *   object is always created after the objects it references, so that is
 *   reverse dependency order), and frees nothing when an object of another
 *   uid still references one of them.
 *
 * - `restore` rebuilds a table at given ids, uids and creation order (a
 *   VHCA state image being loaded: peers address objects by number).
 *
 * Owns: the objects and their reference counts. Never: command decoding or
 * memory access; errors are FwError so a handler can let them propagate.
 */
import { CmdStatus, Syndrome } from '@auxctl/prm';
import { FwError } from './fw-error.js';
import type { FwObjectType, FwObjectView } from './register-host.js';

/** FwObjectRef: a reference from one object to another. */
export interface FwObjectRef {
  readonly type: FwObjectType;
  readonly id: number;
}

/** FwObject: a live object; `context` holds its PRM fields, `data` what only firmware needs. */
export interface FwObject<D = unknown> extends FwObjectView {
  readonly context: Record<string, number | bigint>;
  readonly refs: readonly FwObjectRef[];
  readonly data: D;
  /** How many live objects reference this one. */
  refCount: number;
  /** Creation sequence number (orders reverse-dependency teardown). */
  readonly seq: number;
}

/** RestoreRecord: an object as a state image carries it (see `restore`). */
export interface RestoreRecord {
  readonly type: FwObjectType;
  readonly id: number;
  readonly uid: number;
  readonly context: Record<string, number | bigint>;
  readonly refs: readonly FwObjectRef[];
}

/** ObjectCounts: live objects per type (types with none are left out). */
export type ObjectCounts = Partial<Record<FwObjectType, number>>;

/** OBJECT_ID_MAX: the largest id of each type (the width of its field in commands). */
export const OBJECT_ID_MAX: Readonly<Record<FwObjectType, number>> = {
  // uid 0xffff is MLX5_SHARED_RESOURCE_UID.
  UCTX: 0xfffe,
  EQ: 0xff,
  UMEM: 0xff_ffff,
  PD: 0xff_ffff,
  MKEY: 0xff_ffff,
  CQ: 0xff_ffff,
  SQ: 0xff_ffff,
  RQ: 0xff_ffff,
  QP: 0xff_ffff,
  TIR: 0xff_ffff,
  TIS: 0xff_ffff,
  VIRTIO_NET_Q: 0xffff_ffff,
  VIRTIO_Q_COUNTERS: 0xffff_ffff,
};

/** ObjectTable: see the module header. */
export class ObjectTable {
  /** Every live object, in creation order. */
  private readonly all = new Set<FwObject>();
  /** The same objects by type, then id; each type's map in creation order. */
  private readonly byType = new Map<FwObjectType, Map<number, FwObject>>();
  private readonly nextId = new Map<FwObjectType, number>();
  private seq = 0;
  /** The uid whose lookups may also name the kernel's (uid 0) objects, during `asKernelReader`. */
  private kernelReader: number | undefined;

  /** `limit(type)` is the most live objects of `type` the device allows now. */
  constructor(private readonly limit: (type: FwObjectType) => number) {}

  /**
   * create: add an object owned by `uid`, taking a reference on each of
   * `refs` (which the caller looked up first). Throws LIM / OBJ_LIMIT when
   * the type is full; nothing changes then.
   */
  create<D>(
    type: FwObjectType,
    uid: number,
    context: Record<string, number | bigint>,
    refs: readonly FwObjectRef[] = [],
    data?: D,
  ): FwObject<D> {
    const live = this.count(type);
    if (live >= Math.min(this.limit(type), OBJECT_ID_MAX[type])) {
      throw new FwError(
        CmdStatus.LIM,
        Syndrome.OBJ_LIMIT,
        `${type} table full (${live} live); destroy some or raise log_max`,
      );
    }
    const targets = refs.map((r) => this.require(r.type, r.id));
    const objId = this.allocId(type);
    const obj: FwObject<D> = {
      type,
      id: objId,
      uid,
      context,
      refs: [...refs],
      data: data as D,
      refCount: 0,
      seq: ++this.seq,
    };
    for (const t of targets) t.refCount++;
    this.all.add(obj);
    this.ofType(type).set(objId, obj);
    return obj;
  }

  /** get: the object, or undefined; no ownership check. */
  get<D = unknown>(type: FwObjectType, id: number): FwObject<D> | undefined {
    return this.byType.get(type)?.get(id) as FwObject<D> | undefined;
  }

  /**
   * asKernelReader: run `fn` (synchronous) with `uid`'s lookups allowed to
   * name the kernel's objects as well as its own (a tools context's query).
   */
  asKernelReader<T>(uid: number, fn: () => T): T {
    const before = this.kernelReader;
    this.kernelReader = uid;
    try {
      return fn();
    } finally {
      this.kernelReader = before;
    }
  }

  /**
   * lookup: the object `uid` names; throws BAD_RES / OBJ_NOT_FOUND when there
   * is none and BAD_RES / OBJ_OTHER_UID when another uid owns it (uid 0 may
   * name any object).
   */
  lookup<D = unknown>(type: FwObjectType, id: number, uid: number): FwObject<D> {
    const obj = this.get<D>(type, id);
    if (!obj) {
      throw new FwError(
        CmdStatus.BAD_RES,
        Syndrome.OBJ_NOT_FOUND,
        `no ${type} 0x${id.toString(16)}`,
      );
    }
    if (uid !== 0 && obj.uid !== uid && !(obj.uid === 0 && uid === this.kernelReader)) {
      throw new FwError(
        CmdStatus.BAD_RES,
        Syndrome.OBJ_OTHER_UID,
        `${type} 0x${id.toString(16)} belongs to uid ${obj.uid}, not ${uid}`,
      );
    }
    return obj;
  }

  /**
   * destroy: remove the object `uid` names and drop its references. Throws
   * (and changes nothing) when it is unknown, foreign, or still referenced.
   */
  destroy(type: FwObjectType, id: number, uid: number): void {
    const obj = this.lookup(type, id, uid);
    if (obj.refCount > 0) {
      throw new FwError(
        CmdStatus.RES_BUSY,
        Syndrome.OBJ_BUSY,
        `${type} 0x${id.toString(16)} is referenced by ${obj.refCount} object(s); destroy them first`,
      );
    }
    this.remove(obj);
  }

  /**
   * destroyOwnedBy: remove every object `uid` created, newest first; returns
   * how many. Throws RES_BUSY / OBJ_BUSY, removing nothing, when an object
   * of another uid references one of them.
   */
  destroyOwnedBy(uid: number): number {
    const owned = [...this.all].filter((o) => o.uid === uid);
    const inner = new Map<FwObject, number>();
    for (const o of owned) {
      for (const r of o.refs) {
        const t = this.get(r.type, r.id);
        if (t && t.uid === uid) inner.set(t, (inner.get(t) ?? 0) + 1);
      }
    }
    const pinned = owned.find((o) => o.refCount > (inner.get(o) ?? 0));
    if (pinned) {
      throw new FwError(
        CmdStatus.RES_BUSY,
        Syndrome.OBJ_BUSY,
        `${pinned.type} 0x${pinned.id.toString(16)} of uid ${uid} is referenced by another uid's object`,
      );
    }
    for (const o of owned.sort((a, b) => b.seq - a.seq)) this.remove(o);
    return owned.length;
  }

  /** objects: every live object, or every live object of `type`, in creation order. */
  objects<D = unknown>(type?: FwObjectType): IterableIterator<FwObject<D>> {
    const objs = type === undefined ? this.all.values() : this.byType.get(type)?.values();
    return (objs ?? [].values()) as IterableIterator<FwObject<D>>;
  }

  /** count: live objects of `type`. */
  count(type: FwObjectType): number {
    return this.byType.get(type)?.size ?? 0;
  }

  /** objectCounts: live objects per type, of every uid or only of `uid`. */
  objectCounts(uid?: number): ObjectCounts {
    const out: ObjectCounts = {};
    for (const o of this.all) {
      if (uid === undefined || o.uid === uid) out[o.type] = (out[o.type] ?? 0) + 1;
    }
    return out;
  }

  /** nextIds: the next id each type would try (a state image carries them). */
  nextIds(): Record<string, number> {
    return Object.fromEntries(this.nextId);
  }

  /**
   * restore: replace everything with `records`, in the order given
   * (creation order), each at its own id; `link` builds an object's data
   * when the objects before it exist (an MKEY finds its UMEM). The caller
   * validated the records: unique ids, references to earlier records.
   */
  restore(
    records: readonly RestoreRecord[],
    nextIds: Readonly<Record<string, number>>,
    link: (
      r: RestoreRecord,
      get: (type: FwObjectType, id: number) => FwObject | undefined,
    ) => unknown,
  ): void {
    this.clear();
    for (const r of records) {
      const obj: FwObject = {
        type: r.type,
        id: r.id,
        uid: r.uid,
        context: { ...r.context },
        refs: r.refs.map((x) => ({ ...x })),
        data: link(r, (t, id) => this.get(t, id)),
        refCount: 0,
        seq: ++this.seq,
      };
      for (const ref of obj.refs) this.require(ref.type, ref.id).refCount++;
      this.all.add(obj);
      this.ofType(r.type).set(r.id, obj);
    }
    for (const [t, n] of Object.entries(nextIds)) this.nextId.set(t as FwObjectType, n);
  }

  /** clear: forget every object (teardown, reset); id counters start over. */
  clear(): void {
    this.all.clear();
    this.byType.clear();
    this.nextId.clear();
  }

  private require(type: FwObjectType, id: number): FwObject {
    const t = this.get(type, id);
    if (!t) throw new Error(`reference to missing ${type} ${id}: look it up before create`);
    return t;
  }

  private remove(obj: FwObject): void {
    for (const r of obj.refs) {
      const t = this.get(r.type, r.id);
      if (t) t.refCount--;
    }
    this.all.delete(obj);
    this.byType.get(obj.type)?.delete(obj.id);
  }

  private ofType(type: FwObjectType): Map<number, FwObject> {
    let m = this.byType.get(type);
    if (!m) {
      m = new Map();
      this.byType.set(type, m);
    }
    return m;
  }

  private allocId(type: FwObjectType): number {
    const max = OBJECT_ID_MAX[type];
    const live = this.byType.get(type);
    let id = this.nextId.get(type) ?? 1;
    // A free id exists: create() checked the live count against max.
    while (live?.has(id)) id = id >= max ? 1 : id + 1;
    this.nextId.set(type, id >= max ? 1 : id + 1);
    return id;
  }
}

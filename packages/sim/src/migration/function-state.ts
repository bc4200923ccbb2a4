/**
 * FunctionState: what a VHCA state image says about one function, as
 * values, and the way between it and the live function.
 *
 * SECTIONS (state-image.ts frames them)
 *   FUNCTION  HCA state and ISSI, current general capabilities (all but
 *             vhca_id, which is the destination's own), the pages firmware
 *             holds, the next id of every object type
 *   VPORT     MAC, MTU, admin state and traffic counters; the port
 *             counters (PPCNT) and admin status of the function's ports
 *   DATAPATH  queues marked by doorbells and not yet processed, doorbells
 *             and frames held by the suspension (quiesce.ts)
 *   OBJECTS   every object of every uid (uid 0 included), in creation
 *             order: type, id, uid, PRM context (QP state, PSN-free RC
 *             model: the counters that position each queue), references,
 *             and the firmware's data (ring placement, producer /
 *             consumer counters, arming, umem pages, key translation)
 *   REMOVED   (incremental images) the objects gone since the last image
 * Guest memory is not in it: rings, CQEs and buffers stay where the VMM
 * maps them (DmaSpace.mapAt at the same bus addresses).
 *
 * `readState` checks a decoded image's sections completely (shapes,
 * ranges, unique ids, every reference to an earlier object, every uid
 * owned by a UCTX) before `applyState` touches the function, so a bad
 * image leaves the destination as it was.
 *
 * Owns: the mapping between function state and values. Never: framing
 * (state-image.ts) or the command rules (commands/vhca-migration.ts).
 */
import { createHash } from 'node:crypto';
import { CapType } from '@auxctl/prm';
import type { HcaState } from '../commands/command.js';
import type { Datapath } from '../datapath/datapath.js';
import type { HeldFrame } from '../datapath/quiesce.js';
import type { HcaCaps } from '../hca-caps.js';
import type { UmemData } from '../memory-translation.js';
import { OBJECT_ID_MAX, type ObjectTable, type RestoreRecord } from '../object-table.js';
import type { PageLedger } from '../page-ledger.js';
import type { FwObjectType } from '../register-host.js';
import { SectionType } from './state-image.js';
import { ImageFormatError, type Value } from './value-codec.js';

/** FunctionParts: the live state of a function that an image covers. */
export interface FunctionParts {
  readonly objects: ObjectTable;
  readonly caps: HcaCaps;
  readonly pages: PageLedger;
  readonly hca: { state: HcaState; issi: number };
  readonly datapath: Datapath;
  readonly portCounters: readonly Map<string, bigint>[];
}

/** ObjectRecord: an object as an image carries it. */
export interface ObjectRecord extends RestoreRecord {
  readonly data: Value;
}

/** FunctionState: the sections of a full image, as values. */
export interface FunctionState {
  readonly fn: Value;
  readonly vport: Value;
  readonly datapath: Value;
  readonly objects: readonly ObjectRecord[];
}

type Rec = { readonly [k: string]: Value };
const HCA_STATES: readonly HcaState[] = ['disabled', 'enabled', 'initialized'];
const DOORBELLS = new Set(['sq', 'qp', 'cq', 'eq', 'virtq']);

/** fingerprint: 16 bytes naming the function's capabilities (vhca_id aside); LOAD needs equal ones. */
export function fingerprint(caps: HcaCaps): Buffer {
  const h = createHash('sha256');
  for (const t of [CapType.GENERAL, CapType.GENERAL_2, CapType.ROCE, CapType.VDPA_EMULATION]) {
    const b = caps.query(t, false);
    if (!b) continue;
    if (t === CapType.GENERAL) b.writeUInt16BE(0, 6); // vhca_id
    h.update(Buffer.of(t)).update(b);
  }
  return h.digest().subarray(0, 16);
}

/** objectKey: how images name an object. */
export const objectKey = (o: { type: string; id: number }) => `${o.type}:${o.id}`;

// ---- capture ------------------------------------------------------------------

/** captureState: the function's state now. */
export function captureState(p: FunctionParts): FunctionState {
  const { vhca_id: _own, ...caps } = p.caps.currentValues();
  const dp = p.datapath;
  const v = dp.vport;
  return {
    fn: {
      hca: p.hca.state,
      issi: p.hca.issi,
      caps,
      pages: p.pages.list(),
      nextIds: p.objects.nextIds(),
    },
    vport: {
      mac: Buffer.from(v.mac),
      mtu: v.mtu,
      adminState: v.adminState,
      counters: Object.fromEntries(
        [...v.counters].map(([k, c]) => [k, [c.packets, c.octets]] as [string, Value]),
      ),
      ports: dp.ports.map((port, i) => ({
        adminUp: port.adminUp,
        adminMtu: port.adminMtu,
        counters: Object.fromEntries(p.portCounters[i] ?? []),
      })),
    },
    datapath: {
      ...dp.pendingWork(),
      doorbells: dp.quiesce.heldDoorbells.map((db) => ({ ...db }) as Rec),
      frames: dp.quiesce.heldFrames.map((f) => ({ ...f }) as Rec),
    },
    objects: [...p.objects.objects()].map((o) => ({
      type: o.type,
      id: o.id,
      uid: o.uid,
      context: { ...o.context },
      refs: o.refs.map((r) => ({ ...r })),
      data: dataToValue(o.type, o.data),
    })),
  };
}

function dataToValue(type: FwObjectType, data: unknown): Value {
  if (data === undefined) return undefined;
  const d = data as Record<string, unknown>;
  // Pointers to other objects travel as their ids.
  if (type === 'MKEY') return { ...d, umem: (d.umem as { id: number } | undefined)?.id } as Rec;
  if (type === 'VIRTIO_NET_Q') return { ...d, counters: undefined } as Rec;
  return d as Rec;
}

/** stateSections: the sections of a full image of `s`. */
export function stateSections(s: FunctionState): Map<number, Value> {
  return new Map<number, Value>([
    [SectionType.FUNCTION, s.fn],
    [SectionType.VPORT, s.vport],
    [SectionType.DATAPATH, s.datapath],
    [SectionType.OBJECTS, s.objects.map(recordValue)],
  ]);
}

/** recordValue: an object record as an image carries it. */
export function recordValue(r: ObjectRecord): Value {
  return {
    type: r.type,
    id: r.id,
    uid: r.uid,
    context: r.context as Rec,
    refs: r.refs.map((x) => [x.type, x.id]),
    data: r.data,
  };
}

// ---- read and check -----------------------------------------------------------

const bad = (msg: string) => new ImageFormatError(msg);

function rec(v: Value, what: string): Rec {
  if (typeof v !== 'object' || v === null || Buffer.isBuffer(v) || Array.isArray(v)) {
    throw bad(`${what} is not a record`);
  }
  return v as Rec;
}

function arr(v: Value, what: string): readonly Value[] {
  if (!Array.isArray(v)) throw bad(`${what} is not a list`);
  return v;
}

function int(v: Value, what: string, max = Number.MAX_SAFE_INTEGER, min = 0): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(`${what} is not an integer in ${min}..${max}`);
  }
  return v;
}

function typeName(v: Value, what: string): FwObjectType {
  if (typeof v !== 'string' || !(v in OBJECT_ID_MAX)) throw bad(`${what} is not an object type`);
  return v as FwObjectType;
}

/** readObjects: the OBJECTS section's records (shapes only). */
export function readObjects(v: Value): ObjectRecord[] {
  return arr(v, 'OBJECTS').map((e, i) => {
    const r = rec(e, `object ${i}`);
    const type = typeName(r.type, `object ${i} type`);
    const context = rec(r.context, `object ${i} context`);
    for (const [k, x] of Object.entries(context)) {
      if (typeof x !== 'number' && typeof x !== 'bigint') throw bad(`object ${i} context ${k}`);
    }
    const refs = arr(r.refs, `object ${i} refs`).map((x, j) => {
      const pair = arr(x, `object ${i} ref ${j}`);
      if (pair.length !== 2) throw bad(`object ${i} ref ${j} is not [type, id]`);
      const t = typeName(pair[0], `object ${i} ref ${j} type`);
      return { type: t, id: int(pair[1], `object ${i} ref ${j} id`, OBJECT_ID_MAX[t], 1) };
    });
    if (r.data !== undefined) rec(r.data, `object ${i} data`);
    return {
      type,
      id: int(r.id, `object ${i} id`, OBJECT_ID_MAX[type], 1),
      uid: int(r.uid, `object ${i} uid`, 0xffff),
      context: context as Record<string, number | bigint>,
      refs,
      data: r.data,
    };
  });
}

/** readRemoved: the REMOVED section's object keys. */
export function readRemoved(v: Value): string[] {
  return arr(v, 'REMOVED').map((e, i) => {
    const pair = arr(e, `removed ${i}`);
    const t = typeName(pair[0], `removed ${i} type`);
    return objectKey({ type: t, id: int(pair[1], `removed ${i} id`, OBJECT_ID_MAX[t], 1) });
  });
}

/**
 * checkState: every rule `applyState` relies on; throws ImageFormatError
 * naming the first one broken. `ports`: how many ports the destination has.
 */
export function checkState(s: FunctionState, ports: number): void {
  const fn = rec(s.fn, 'FUNCTION');
  if (!HCA_STATES.includes(fn.hca as HcaState)) throw bad('FUNCTION hca state');
  int(fn.issi, 'FUNCTION issi', 1);
  for (const [k, x] of Object.entries(rec(fn.caps, 'FUNCTION caps'))) int(x, `capability ${k}`);
  for (const x of arr(fn.pages, 'FUNCTION pages')) if (typeof x !== 'bigint') throw bad('page');
  for (const [t, n] of Object.entries(rec(fn.nextIds, 'FUNCTION nextIds'))) {
    int(n, `next id of ${t}`, OBJECT_ID_MAX[typeName(t, 'nextIds type')], 1);
  }
  const vp = rec(s.vport, 'VPORT');
  if (!Buffer.isBuffer(vp.mac) || vp.mac.length !== 6) throw bad('VPORT mac');
  int(vp.mtu, 'VPORT mtu', 0xffff);
  int(vp.adminState, 'VPORT admin state', 0xf);
  for (const [k, c] of Object.entries(rec(vp.counters, 'VPORT counters'))) {
    const pair = arr(c, `vport counter ${k}`);
    if (pair.length !== 2 || pair.some((x) => typeof x !== 'bigint'))
      throw bad(`vport counter ${k}`);
  }
  const portList = arr(vp.ports, 'VPORT ports');
  if (portList.length !== ports)
    throw bad(`image has ${portList.length} port(s), the function ${ports}`);
  for (const [i, pv] of portList.entries()) {
    const port = rec(pv, `port ${i + 1}`);
    if (typeof port.adminUp !== 'boolean') throw bad(`port ${i + 1} admin status`);
    int(port.adminMtu, `port ${i + 1} MTU`, 0xffff);
    for (const x of Object.values(rec(port.counters, `port ${i + 1} counters`))) {
      if (typeof x !== 'bigint') throw bad(`port ${i + 1} counter`);
    }
  }
  const dp = rec(s.datapath, 'DATAPATH');
  for (const q of ['sq', 'qp', 'virtq'])
    for (const n of arr(dp[q], `DATAPATH ${q}`)) int(n, q, 0xffff_ffff);
  for (const db of arr(dp.doorbells, 'DATAPATH doorbells')) {
    const d = rec(db, 'doorbell');
    if (!DOORBELLS.has(d.type as string)) throw bad('doorbell type');
    int(d.num, 'doorbell queue', 0xffff_ffff);
  }
  for (const f of arr(dp.frames, 'DATAPATH frames')) {
    const fr = rec(f, 'held frame');
    int(fr.port, 'held frame port', ports, 1);
    if (!Buffer.isBuffer(fr.frame) || typeof fr.intact !== 'boolean') throw bad('held frame');
  }
  checkObjects(s.objects);
}

function checkObjects(objects: readonly ObjectRecord[]): void {
  const seen = new Set<string>();
  for (const [i, o] of objects.entries()) {
    const key = objectKey(o);
    if (seen.has(key)) throw bad(`object ${key} twice`);
    for (const r of o.refs) {
      if (!seen.has(objectKey(r))) throw bad(`${key} references ${objectKey(r)}, not before it`);
    }
    if (o.uid !== 0 && !seen.has(objectKey({ type: 'UCTX', id: o.uid }))) {
      throw bad(`${key} belongs to uid ${o.uid}, which no UCTX before it created`);
    }
    const d = o.data as Rec | undefined;
    if (o.type === 'MKEY' && d?.umem !== undefined) {
      const umem = objectKey({ type: 'UMEM', id: int(d.umem, `object ${i} umem`, 0xff_ffff) });
      if (!o.refs.some((r) => objectKey(r) === umem))
        throw bad(`${key} uses ${umem} without a reference`);
    }
    const counters = Number(o.context.counter_set_id ?? 0);
    if (o.type === 'VIRTIO_NET_Q' && counters !== 0) {
      const c = objectKey({ type: 'VIRTIO_Q_COUNTERS', id: counters });
      if (!o.refs.some((r) => objectKey(r) === c))
        throw bad(`${key} uses ${c} without a reference`);
    }
    seen.add(key);
  }
}

// ---- apply ----------------------------------------------------------------------

/** applyState: make the function what `s` says (checked by checkState). */
export function applyState(p: FunctionParts, s: FunctionState): void {
  const fn = s.fn as Rec;
  const vp = s.vport as Rec;
  const dp = s.datapath as Rec;
  p.caps.restoreCurrent(fn.caps as Record<string, number>);
  p.hca.state = fn.hca as HcaState;
  p.hca.issi = fn.issi as number;
  p.pages.restore(fn.pages as bigint[]);
  p.objects.restore(s.objects, fn.nextIds as Record<string, number>, (r, get) =>
    linkData(r as ObjectRecord, get),
  );
  const v = p.datapath.vport;
  v.mac = Buffer.from(vp.mac as Buffer);
  v.mtu = vp.mtu as number;
  v.adminState = vp.adminState as number;
  v.counters.clear();
  for (const [k, c] of Object.entries(vp.counters as Rec)) {
    const [packets, octets] = c as bigint[];
    v.counters.set(k as never, { packets: packets!, octets: octets! });
  }
  (vp.ports as Rec[]).forEach((port, i) => {
    const sp = p.datapath.ports[i]!;
    sp.adminUp = port.adminUp as boolean;
    sp.adminMtu = port.adminMtu as number;
    const store = p.portCounters[i];
    store?.clear();
    for (const [k, x] of Object.entries(port.counters as Rec)) store?.set(k, x as bigint);
  });
  p.datapath.refreshLinks();
  p.datapath.restorePending(dp as unknown as { sq: number[]; qp: number[]; virtq: number[] });
  p.datapath.quiesce.restore(
    (dp.doorbells as Rec[]).map((d) => ({ ...d }) as never),
    dp.frames as unknown as HeldFrame[],
  );
}

function linkData(r: ObjectRecord, get: (t: FwObjectType, id: number) => unknown): unknown {
  if (r.data === undefined) return undefined;
  const d = { ...(r.data as Rec) } as Record<string, unknown>;
  if (r.type === 'MKEY') {
    d.umem =
      d.umem === undefined ? undefined : (get('UMEM', d.umem as number) as { data: UmemData });
  }
  if (r.type === 'VIRTIO_NET_Q') {
    const id = Number(r.context.counter_set_id ?? 0);
    d.counters = id === 0 ? undefined : (get('VIRTIO_Q_COUNTERS', id) as { data: unknown }).data;
  }
  return d;
}

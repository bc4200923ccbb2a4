import {
  CapType,
  CmdHcaCap,
  CmdStatus,
  CreateVirtioNetQIn,
  CreateVirtioQCountersIn,
  GeneralObjInCmdHdr,
  GeneralObjOutCmdHdr,
  GeneralObjType,
  GeneralObjTypesCap,
  Op,
  QueryHcaCapOut,
  QueryVirtioNetQOut,
  QueryVirtioQCountersOut,
  Syndrome,
  VirtioEmulationCap,
  VirtioNetQObject,
  VirtioQ,
  VirtqEventMode,
  VirtqModify,
  VirtqState,
  virtqTransitionAllowed,
} from '@auxctl/prm';
import { describe, expect, it } from 'vitest';
import { FirmwareHarness } from '../testing/firmware-harness.js';

const OBJ_AT = CreateVirtioNetQIn.byteOffset('obj_context');
const Q_AT = OBJ_AT + VirtioNetQObject.byteOffset('virtio_q_context');
const SIZE = 16;

/** A uid with a PD, a 64 KiB umem key for the rings, three umems and a counter set. */
function fixture(opts: ConstructorParameters<typeof FirmwareHarness>[0] = {}) {
  const h = new FirmwareHarness(opts).boot();
  const uid = h.uctx(0);
  const pd = h.pd(uid);
  const ringUmem = h.umem(Buffer.alloc(64 * 1024), uid);
  const mkey = h.mkey({ uid, pd, umem: ringUmem, len: 64n * 1024n, variant: 7 });
  const umems = [0, 1, 2].map(() => h.umem(Buffer.alloc(8192), uid));
  const counters = GeneralObjOutCmdHdr.get(
    h.ok(h.run(countersInbox(uid), GeneralObjOutCmdHdr.bytes), 'create counters').out,
    'obj_id',
  );
  return { h, uid, pd, mkey, umems, counters };
}

function countersInbox(uid: number): Buffer {
  const b = Buffer.alloc(CreateVirtioQCountersIn.bytes);
  GeneralObjInCmdHdr.write(b, {
    opcode: Op.CREATE_GENERAL_OBJECT,
    uid,
    obj_type: GeneralObjType.VIRTIO_Q_COUNTERS,
  });
  return b;
}

type Fx = ReturnType<typeof fixture>;

function createInbox(
  f: Fx,
  over: { index?: number; size?: number; state?: number; umemSize?: number } = {},
) {
  const b = Buffer.alloc(CreateVirtioNetQIn.bytes);
  GeneralObjInCmdHdr.write(b, {
    opcode: Op.CREATE_GENERAL_OBJECT,
    uid: f.uid,
    obj_type: GeneralObjType.VIRTIO_NET_Q,
  });
  VirtioNetQObject.write(b, { state: over.state ?? VirtqState.INIT }, OBJ_AT);
  const size = over.size ?? SIZE;
  VirtioQ.write(
    b,
    {
      queue_index: over.index ?? 0,
      queue_size: size,
      event_mode: VirtqEventMode.NO_MSIX,
      desc_addr: 0n,
      available_addr: 0x1000n,
      used_addr: 0x2000n,
      virtio_q_mkey: f.mkey,
      pd: f.pd,
      umem_1_id: f.umems[0]!,
      umem_1_size: over.umemSize ?? 32 * size + 4096,
      umem_2_id: f.umems[1]!,
      umem_2_size: 16 * size + 4096,
      umem_3_id: f.umems[2]!,
      umem_3_size: 4096,
      counter_set_id: f.counters,
    },
    Q_AT,
  );
  return b;
}

function create(f: Fx, over: Parameters<typeof createInbox>[1] = {}): number {
  const r = f.h.ok(f.h.run(createInbox(f, over), GeneralObjOutCmdHdr.bytes), 'create virtq');
  return GeneralObjOutCmdHdr.get(r.out, 'obj_id');
}

function modify(f: Fx, id: number, select: bigint, o: { state?: number; avail?: number } = {}) {
  const b = Buffer.alloc(CreateVirtioNetQIn.bytes);
  GeneralObjInCmdHdr.write(b, {
    opcode: Op.MODIFY_GENERAL_OBJECT,
    uid: f.uid,
    obj_type: GeneralObjType.VIRTIO_NET_Q,
    obj_id: id,
  });
  VirtioNetQObject.write(
    b,
    { modify_field_select: select, state: o.state ?? 0, hw_available_index: o.avail ?? 0 },
    OBJ_AT,
  );
  return f.h.run(b, GeneralObjOutCmdHdr.bytes);
}

function query(
  f: Fx,
  id: number,
  objType: number = GeneralObjType.VIRTIO_NET_Q,
  outLen = QueryVirtioNetQOut.bytes,
) {
  const b = Buffer.alloc(GeneralObjInCmdHdr.bytes);
  GeneralObjInCmdHdr.write(b, {
    opcode: Op.QUERY_GENERAL_OBJECT,
    uid: f.uid,
    obj_type: objType,
    obj_id: id,
  });
  return f.h.run(b, outLen);
}

function destroy(f: Fx, id: number, objType: number = GeneralObjType.VIRTIO_NET_Q) {
  const b = Buffer.alloc(GeneralObjInCmdHdr.bytes);
  GeneralObjInCmdHdr.write(b, {
    opcode: Op.DESTROY_GENERAL_OBJECT,
    uid: f.uid,
    obj_type: objType,
    obj_id: id,
  });
  return f.h.run(b, GeneralObjOutCmdHdr.bytes);
}

const stateOf = (f: Fx, id: number) =>
  QueryVirtioNetQOut.decode(f.h.ok(query(f, id), 'query').out).obj_context.state;

/** Drive a fresh queue into `state` along legal arcs. */
function queueIn(f: Fx, state: number, index: number): number {
  const id = create(f, { index });
  const path: Record<number, number[]> = {
    [VirtqState.INIT]: [],
    [VirtqState.RDY]: [VirtqState.RDY],
    [VirtqState.SUSPEND]: [VirtqState.RDY, VirtqState.SUSPEND],
  };
  for (const s of path[state] ?? [])
    f.h.ok(modify(f, id, VirtqModify.STATE, { state: s }), `to ${s}`);
  return id;
}

const STATES = [VirtqState.INIT, VirtqState.RDY, VirtqState.SUSPEND];
const ALL = [...STATES, VirtqState.ERR];

describe('virtio emulation capability', () => {
  it('reports cap 0x13 and the VIRTIO_NET_Q general object bit on an Ethernet function', () => {
    const h = new FirmwareHarness().boot();
    const gen = QueryHcaCapOut.view(
      h.ok(h.queryCaps(CapType.GENERAL, true), 'general').out,
      'capability',
    );
    expect(CmdHcaCap.get64(gen, 'general_obj_types') & GeneralObjTypesCap.VIRTIO_NET_Q).not.toBe(
      0n,
    );
    const cap = VirtioEmulationCap.decode(
      QueryHcaCapOut.view(
        h.ok(h.queryCaps(CapType.VDPA_EMULATION, true), 'virtio').out,
        'capability',
      ),
    );
    expect(cap).toMatchObject({
      eth_frame_offload_type: 1,
      event_mode: (1 << VirtqEventMode.QP) | (1 << VirtqEventMode.NO_MSIX),
      virtio_queue_type: 1,
      max_num_virtio_queues: 256,
      freeze_to_rdy_supported: 1,
    });
  });

  it('has no cap 0x13 and refuses the objects when virtio emulation is off', () => {
    const h = new FirmwareHarness({ virtio: false }).boot();
    expect(h.queryCaps(CapType.VDPA_EMULATION, true).syndrome).toBe(Syndrome.BAD_OP_MOD);
    const r = h.run(countersInbox(0), GeneralObjOutCmdHdr.bytes);
    expect([r.status, r.syndrome]).toEqual([CmdStatus.BAD_PARAM, Syndrome.BAD_OP_MOD]);
  });
});

describe('VIRTIO_NET_Q state machine (every arc, with and without freeze_to_rdy)', () => {
  for (const freeze of [true, false]) {
    for (const from of STATES) {
      for (const to of ALL) {
        const legal = virtqTransitionAllowed(from, to, freeze);
        it(`${from} -> ${to} ${legal ? 'is allowed' : 'is refused'} (freeze_to_rdy ${freeze})`, () => {
          const f = fixture({ virtio: { freezeToRdy: freeze } });
          const id = queueIn(f, from, 0);
          const r = modify(f, id, VirtqModify.STATE, { state: to });
          if (legal) {
            expect(r.status).toBe(CmdStatus.OK);
            expect(stateOf(f, id)).toBe(to);
          } else {
            expect([r.status, r.syndrome]).toEqual([
              CmdStatus.BAD_RES_STATE,
              Syndrome.QUEUE_BAD_STATE,
            ]);
            expect(stateOf(f, id)).toBe(from);
          }
        });
      }
    }
  }

  it('changes the indexes only in INIT and SUSPEND, and applies them before the state', () => {
    const f = fixture();
    const id = queueIn(f, VirtqState.INIT, 0);
    f.h.ok(modify(f, id, VirtqModify.VIRTIO_Q_AVAIL_IDX, { avail: 5 }), 'INIT avail');
    f.h.ok(modify(f, id, VirtqModify.STATE, { state: VirtqState.RDY }), 'RDY');
    const locked = modify(f, id, VirtqModify.VIRTIO_Q_AVAIL_IDX, { avail: 9 });
    expect([locked.status, locked.syndrome]).toEqual([
      CmdStatus.BAD_RES_STATE,
      Syndrome.VIRTQ_FIELDS_LOCKED,
    ]);
    f.h.ok(modify(f, id, VirtqModify.STATE, { state: VirtqState.SUSPEND }), 'SUSPEND');
    f.h.ok(
      modify(f, id, VirtqModify.STATE | VirtqModify.VIRTIO_Q_AVAIL_IDX, {
        state: VirtqState.RDY,
        avail: 9,
      }),
      'resume with a new index',
    );
    const q = QueryVirtioNetQOut.decode(f.h.ok(query(f, id), 'query').out).obj_context;
    expect([q.state, q.hw_available_index]).toEqual([VirtqState.RDY, 9]);
    const dirty = modify(f, id, VirtqModify.DIRTY_BITMAP_PARAMS);
    expect(dirty.syndrome).toBe(Syndrome.QUEUE_NOT_MODELLED);
  });
});

describe('VIRTIO_NET_Q objects', () => {
  it('checks what a queue names when it is created', () => {
    const f = fixture();
    const bad = (over: Parameters<typeof createInbox>[1]) => {
      const r = f.h.run(createInbox(f, over), GeneralObjOutCmdHdr.bytes);
      return [r.status, r.syndrome];
    };
    expect(bad({ state: VirtqState.RDY })).toEqual([
      CmdStatus.BAD_RES_STATE,
      Syndrome.QUEUE_BAD_STATE,
    ]);
    expect(bad({ size: 12 })).toEqual([CmdStatus.BAD_PARAM, Syndrome.RING_BAD_SIZE]);
    expect(bad({ umemSize: 100 })).toEqual([CmdStatus.BAD_PARAM, Syndrome.MEM_BAD_SIZE]);
    expect(bad({ index: 1 })).toEqual([CmdStatus.BAD_RES, Syndrome.OBJ_NOT_FOUND]); // TX without a TIS
    create(f, { index: 0 });
    expect(bad({ index: 0 })).toEqual([CmdStatus.BAD_PARAM, Syndrome.BAD_FIELD]);
    expect(f.h.fw.objectCounts(f.uid)).toMatchObject({ VIRTIO_NET_Q: 1, VIRTIO_Q_COUNTERS: 1 });
  });

  it('keeps its counter set, PD and umems until it is destroyed, and reads the counters', () => {
    const f = fixture();
    const id = create(f);
    expect(destroy(f, f.counters, GeneralObjType.VIRTIO_Q_COUNTERS).syndrome).toBe(
      Syndrome.OBJ_BUSY,
    );
    expect(f.h.deallocPd(f.pd, f.uid).syndrome).toBe(Syndrome.OBJ_BUSY);
    const c = f.h.ok(
      query(f, f.counters, GeneralObjType.VIRTIO_Q_COUNTERS, QueryVirtioQCountersOut.bytes),
      'q',
    );
    expect(QueryVirtioQCountersOut.decode(c.out).obj_context.completed_desc).toBe(0n);
    f.h.ok(destroy(f, id), 'destroy queue');
    f.h.ok(destroy(f, f.counters, GeneralObjType.VIRTIO_Q_COUNTERS), 'destroy counters');
    expect(f.h.fw.objectCounts(f.uid)).toEqual({ PD: 1, UMEM: 4, MKEY: 1 });
  });

  it('belongs to its uid: another uid cannot query it, and DESTROY_UCTX frees it', () => {
    const f = fixture();
    const id = create(f);
    const other = f.h.uctx(0);
    const b = Buffer.alloc(GeneralObjInCmdHdr.bytes);
    GeneralObjInCmdHdr.write(b, {
      opcode: Op.QUERY_GENERAL_OBJECT,
      uid: other,
      obj_type: GeneralObjType.VIRTIO_NET_Q,
      obj_id: id,
    });
    expect(f.h.run(b, QueryVirtioNetQOut.bytes).syndrome).toBe(Syndrome.OBJ_OTHER_UID);
    f.h.ok(modify(f, id, VirtqModify.STATE, { state: VirtqState.RDY }), 'RDY');
    f.h.ok(f.h.destroyUctx(f.uid), 'DESTROY_UCTX');
    expect(f.h.fw.objectCounts()).toEqual({ UCTX: 1 });
    f.h.ok(f.h.destroyUctx(other), 'DESTROY_UCTX other');
    expect(f.h.fw.objectCounts()).toEqual({});
    expect(f.h.teardown().status).toBe(CmdStatus.OK);
  });
});

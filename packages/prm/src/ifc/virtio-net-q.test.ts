import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Eqe } from './eq.js';
import {
  CreateVirtioNetQIn,
  EqeObjChange,
  GeneralObjInCmdHdr,
  GeneralObjOutCmdHdr,
  QueryVirtioNetQOut,
  VIRTQ_TRANSITIONS,
  VirtioEmulationCap,
  VirtioNetQObject,
  VirtioQ,
  VirtioQCounters,
  VirtqState,
  virtqFieldsModifiable,
  virtqTransitionAllowed,
} from './virtio-net-q.js';

describe('virtio emulation layouts (mlx5_ifc_vdpa.h)', () => {
  it('have the kernel structure sizes', () => {
    expect(VirtioEmulationCap.bytes).toBe(0x800 / 8);
    expect(VirtioQ.bytes).toBe(0x400 / 8);
    expect(VirtioNetQObject.bytes).toBe(0x600 / 8);
    expect(VirtioQCounters.bytes).toBe(0x200 / 8);
    expect(GeneralObjInCmdHdr.bytes).toBe(16);
    expect(GeneralObjOutCmdHdr.bytes).toBe(16);
    expect(EqeObjChange.bytes).toBe(Eqe.bytes);
  });

  it('put the fields the driver relies on at the PRM offsets', () => {
    expect(GeneralObjInCmdHdr.info('obj_type').bitOffset).toBe(0x30);
    expect(VirtioNetQObject.info('state').bitOffset).toBe(0x9c);
    expect(VirtioNetQObject.info('hw_available_index').bitOffset).toBe(0x140);
    expect(VirtioNetQObject.info('virtio_q_context').bitOffset).toBe(0x200);
    expect(VirtioQ.info('desc_addr').bitOffset).toBe(0x80);
    expect(VirtioQ.info('virtio_q_mkey').bitOffset).toBe(0x140);
    expect(VirtioQ.info('pd').bitOffset).toBe(0x328);
    expect(VirtioEmulationCap.info('max_num_virtio_queues').bitOffset).toBe(0x88);
    expect(VirtioEmulationCap.info('freeze_to_rdy_supported').bitOffset).toBe(0xd4);
    expect(EqeObjChange.info('owner').bitOffset).toBe(Eqe.info('owner').bitOffset);
    expect(CreateVirtioNetQIn.byteOffset('obj_context')).toBe(16);
  });

  it('round-trip a virtio_net_q object through create and query (property)', () => {
    const u16 = fc.integer({ min: 0, max: 0xffff });
    const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
    fc.assert(
      fc.property(
        u16,
        u16,
        u64,
        u64,
        u64,
        fc.integer({ min: 0, max: 3 }),
        (a, u, d, us, av, st) => {
          const inbox = CreateVirtioNetQIn.alloc();
          const at = CreateVirtioNetQIn.byteOffset('obj_context');
          VirtioNetQObject.write(inbox, { state: st, hw_available_index: a, hw_used_index: u }, at);
          const q = at + VirtioNetQObject.byteOffset('virtio_q_context');
          VirtioQ.write(inbox, { desc_addr: d, used_addr: us, available_addr: av }, q);
          const out = QueryVirtioNetQOut.alloc();
          inbox.copy(out, QueryVirtioNetQOut.byteOffset('obj_context'), at);
          const got = QueryVirtioNetQOut.decode(out).obj_context;
          expect(got.state).toBe(st);
          expect(got.hw_available_index).toBe(a);
          expect(got.hw_used_index).toBe(u);
          expect(got.virtio_q_context.desc_addr).toBe(d);
          expect(got.virtio_q_context.used_addr).toBe(us);
          expect(got.virtio_q_context.available_addr).toBe(av);
          expect(VirtioNetQObject.reservedNonZero(inbox, at)).toBeUndefined();
        },
      ),
    );
  });
});

describe('VIRTIO_NET_Q state machine', () => {
  const states = Object.values(VirtqState);
  it('allows exactly INIT->RDY, RDY->SUSPEND and (with freeze_to_rdy) SUSPEND->RDY', () => {
    for (const freeze of [false, true]) {
      for (const from of states) {
        for (const to of states) {
          const want =
            (from === VirtqState.INIT && to === VirtqState.RDY) ||
            (from === VirtqState.RDY && to === VirtqState.SUSPEND) ||
            (freeze && from === VirtqState.SUSPEND && to === VirtqState.RDY);
          expect(virtqTransitionAllowed(from, to, freeze), `${from}->${to} ${freeze}`).toBe(want);
        }
      }
    }
    expect(VIRTQ_TRANSITIONS).toHaveLength(3);
  });

  it('never leaves ERR and allows field changes only in INIT and SUSPEND', () => {
    for (const to of states) expect(virtqTransitionAllowed(VirtqState.ERR, to, true)).toBe(false);
    expect(states.filter(virtqFieldsModifiable)).toEqual([VirtqState.INIT, VirtqState.SUSPEND]);
  });
});

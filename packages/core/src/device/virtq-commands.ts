/**
 * Virtqueue command builders: the library a vdpa net driver (mlx5_vdpa)
 * calls to run VIRTIO_NET_Q and VIRTIO_Q_COUNTERS general objects on its
 * uid, in the style of queue-commands.ts: each fills an inbox from its
 * layout, runs it through a `CommandExecutor` (the driver's CoreHandle)
 * and decodes the answer; a firmware failure rejects with the status's
 * errno. Toolbox, not midlayer: core keeps no queue state.
 *
 * WHAT A QUEUE NEEDS (all on the same uid) before CREATE:
 *   a PD; an mkey over the memory the rings and buffers live in (its
 *   addresses are what desc/avail/used and descriptor `addr`s mean);
 *   three umems of at least `param_a * queue_size + param_b` bytes each
 *   (`virtqUmemSizes`); a TIS for a TX queue (odd index: frames leave
 *   through its port); in QP event mode a QP whose receive CQ gets one
 *   completion per notification (or a firmware QP connected to it);
 *   optionally a counter set. Then MODIFY to RDY; kick with
 *   `kickVirtq(h, queueIndex)`.
 *
 * Owns: nothing; stateless.
 */
import {
  CapType,
  CreateVirtioNetQIn,
  CreateVirtioQCountersIn,
  GeneralObjInCmdHdr,
  GeneralObjOutCmdHdr,
  GeneralObjType,
  Op,
  QueryVirtioNetQOut,
  QueryVirtioQCountersOut,
  VirtioEmulationCap,
  VirtioNetQObject,
  VirtioQ,
  VirtqEventMode,
  VirtqModify,
  VirtqOffload,
  VirtqState,
  VirtqType,
} from '@auxctl/prm';
import type { DataPathHandle } from '../datapath/data-path-handle.js';
import { buildInbox, type CommandExecutor, queryHcaCap } from './firmware-commands.js';

/** VirtioEmulationCaps: the decoded virtio emulation capability (cap_type 0x13). */
export type VirtioEmulationCaps = ReturnType<typeof VirtioEmulationCap.decode>;

/** queryVirtioEmulationCaps: the current virtio emulation capability of the function. */
export async function queryVirtioEmulationCaps(cmd: CommandExecutor): Promise<VirtioEmulationCaps> {
  return VirtioEmulationCap.decode(await queryHcaCap(cmd, CapType.VDPA_EMULATION, true));
}

/** virtqUmemSizes: the least size of umem_1..3 for a queue of `queueSize` entries. */
export function virtqUmemSizes(
  cap: VirtioEmulationCaps,
  queueSize: number,
): [number, number, number] {
  return [
    cap.umem_1_buffer_param_a * queueSize + cap.umem_1_buffer_param_b,
    cap.umem_2_buffer_param_a * queueSize + cap.umem_2_buffer_param_b,
    cap.umem_3_buffer_param_a * queueSize + cap.umem_3_buffer_param_b,
  ];
}

/** VirtqUmem: one of a queue's three umems. */
export interface VirtqUmem {
  readonly id: number;
  readonly size: number;
  readonly offset?: bigint;
}

/** VirtqParams: a VIRTIO_NET_Q to create (split ring, ETH-frame offload, virtio 1.0). */
export interface VirtqParams {
  readonly uid?: number;
  /** Virtqueue index: even = RX, odd = TX (virtio-net numbering). */
  readonly queueIndex: number;
  readonly queueSize: number;
  /** Ring addresses in `mkey`'s space: descriptor table, available (driver) and used (device) rings. */
  readonly descAddr: bigint;
  readonly availAddr: bigint;
  readonly usedAddr: bigint;
  readonly mkey: number;
  readonly pd: number;
  readonly umems: readonly [VirtqUmem, VirtqUmem, VirtqUmem];
  /** TX queues: the TIS frames leave through. */
  readonly tisn?: number;
  /** QP mode: the QP notifications go to; without it, NO_MSIX (poll the used ring). */
  readonly eventQpn?: number;
  /** A VIRTIO_Q_COUNTERS set (createVirtqCounters). */
  readonly counterSetId?: number;
  /** Starting ring positions (a queue restored after suspend); default 0. */
  readonly availIndex?: number;
  readonly usedIndex?: number;
}

const OBJ_AT = CreateVirtioNetQIn.byteOffset('obj_context');
const Q_AT = OBJ_AT + VirtioNetQObject.byteOffset('virtio_q_context');

/** createVirtq: CREATE_GENERAL_OBJECT VIRTIO_NET_Q (state INIT); the object id. */
export async function createVirtq(cmd: CommandExecutor, p: VirtqParams): Promise<number> {
  const inbox = buildInbox(CreateVirtioNetQIn, Op.CREATE_GENERAL_OBJECT);
  GeneralObjInCmdHdr.write(inbox, { uid: p.uid ?? 0, obj_type: GeneralObjType.VIRTIO_NET_Q });
  VirtioNetQObject.write(
    inbox,
    {
      state: VirtqState.INIT,
      tisn_or_qpn: p.tisn ?? 0,
      hw_available_index: p.availIndex ?? 0,
      hw_used_index: p.usedIndex ?? 0,
    },
    OBJ_AT,
  );
  const [u1, u2, u3] = p.umems;
  VirtioQ.write(
    inbox,
    {
      virtio_q_type: VirtqType.SPLIT,
      event_mode: p.eventQpn === undefined ? VirtqEventMode.NO_MSIX : VirtqEventMode.QP,
      queue_index: p.queueIndex,
      virtio_version_1_0: 1,
      offload_type: VirtqOffload.ETH_FRAME,
      event_qpn_or_msix: p.eventQpn ?? 0,
      queue_size: p.queueSize,
      desc_addr: p.descAddr,
      used_addr: p.usedAddr,
      available_addr: p.availAddr,
      virtio_q_mkey: p.mkey,
      umem_1_id: u1.id,
      umem_1_size: u1.size,
      umem_1_offset: u1.offset ?? 0n,
      umem_2_id: u2.id,
      umem_2_size: u2.size,
      umem_2_offset: u2.offset ?? 0n,
      umem_3_id: u3.id,
      umem_3_size: u3.size,
      umem_3_offset: u3.offset ?? 0n,
      counter_set_id: p.counterSetId ?? 0,
      pd: p.pd,
    },
    Q_AT,
  );
  const out = await cmd.cmdExec(inbox, GeneralObjOutCmdHdr.bytes);
  return GeneralObjOutCmdHdr.get(out, 'obj_id');
}

/** VirtqChange: what one MODIFY changes (only the given parts are selected). */
export interface VirtqChange {
  readonly state?: number;
  readonly addrs?: { readonly desc: bigint; readonly avail: bigint; readonly used: bigint };
  readonly availIndex?: number;
  readonly usedIndex?: number;
  readonly mkey?: number;
}

/**
 * modifyVirtq: MODIFY_GENERAL_OBJECT on a VIRTIO_NET_Q. Fields other than
 * the state change only in INIT or SUSPEND (EINVAL otherwise, as for a
 * transition outside VIRTQ_TRANSITIONS).
 */
export async function modifyVirtq(
  cmd: CommandExecutor,
  objId: number,
  c: VirtqChange,
  uid = 0,
): Promise<void> {
  const inbox = buildInbox(CreateVirtioNetQIn, Op.MODIFY_GENERAL_OBJECT);
  GeneralObjInCmdHdr.write(inbox, { uid, obj_type: GeneralObjType.VIRTIO_NET_Q, obj_id: objId });
  let select = 0n;
  if (c.state !== undefined) select |= VirtqModify.STATE;
  if (c.addrs) select |= VirtqModify.VIRTIO_Q_ADDRS;
  if (c.availIndex !== undefined) select |= VirtqModify.VIRTIO_Q_AVAIL_IDX;
  if (c.usedIndex !== undefined) select |= VirtqModify.VIRTIO_Q_USED_IDX;
  if (c.mkey !== undefined) select |= VirtqModify.VIRTIO_Q_MKEY;
  VirtioNetQObject.write(
    inbox,
    {
      modify_field_select: select,
      state: c.state ?? 0,
      hw_available_index: c.availIndex ?? 0,
      hw_used_index: c.usedIndex ?? 0,
    },
    OBJ_AT,
  );
  VirtioQ.write(
    inbox,
    {
      desc_addr: c.addrs?.desc ?? 0n,
      available_addr: c.addrs?.avail ?? 0n,
      used_addr: c.addrs?.used ?? 0n,
      virtio_q_mkey: c.mkey ?? 0,
    },
    Q_AT,
  );
  await cmd.cmdExec(inbox, GeneralObjOutCmdHdr.bytes);
}

/** VirtqInfo: what QUERY tells of a queue. */
export interface VirtqInfo {
  readonly state: number;
  readonly availIndex: number;
  readonly usedIndex: number;
  readonly errorType: number;
  readonly queueIndex: number;
  readonly queueSize: number;
}

function objInbox(opcode: number, objType: number, objId: number, uid: number): Buffer {
  return buildInbox(GeneralObjInCmdHdr, opcode, { uid, obj_type: objType, obj_id: objId });
}

/** queryVirtq: QUERY_GENERAL_OBJECT on a VIRTIO_NET_Q (the device's ring positions). */
export async function queryVirtq(cmd: CommandExecutor, objId: number, uid = 0): Promise<VirtqInfo> {
  const inbox = objInbox(Op.QUERY_GENERAL_OBJECT, GeneralObjType.VIRTIO_NET_Q, objId, uid);
  const o = QueryVirtioNetQOut.decode(
    await cmd.cmdExec(inbox, QueryVirtioNetQOut.bytes),
  ).obj_context;
  return {
    state: o.state,
    availIndex: o.hw_available_index,
    usedIndex: o.hw_used_index,
    errorType: o.virtio_q_context.error_type,
    queueIndex: o.virtio_q_context.queue_index,
    queueSize: o.virtio_q_context.queue_size,
  };
}

/** destroyVirtq: DESTROY_GENERAL_OBJECT on a VIRTIO_NET_Q. */
export async function destroyVirtq(cmd: CommandExecutor, objId: number, uid = 0): Promise<void> {
  const inbox = objInbox(Op.DESTROY_GENERAL_OBJECT, GeneralObjType.VIRTIO_NET_Q, objId, uid);
  await cmd.cmdExec(inbox, GeneralObjOutCmdHdr.bytes);
}

/** createVirtqCounters: a VIRTIO_Q_COUNTERS set; its id (for `counterSetId`). */
export async function createVirtqCounters(cmd: CommandExecutor, uid = 0): Promise<number> {
  const inbox = buildInbox(CreateVirtioQCountersIn, Op.CREATE_GENERAL_OBJECT);
  GeneralObjInCmdHdr.write(inbox, { uid, obj_type: GeneralObjType.VIRTIO_Q_COUNTERS });
  const out = await cmd.cmdExec(inbox, GeneralObjOutCmdHdr.bytes);
  return GeneralObjOutCmdHdr.get(out, 'obj_id');
}

/** VirtqCounters: one counter set's values. */
export type VirtqCounters = Omit<
  ReturnType<typeof QueryVirtioQCountersOut.decode>['obj_context'],
  'modify_field_select'
>;

/** queryVirtqCounters: the values of a counter set. */
export async function queryVirtqCounters(
  cmd: CommandExecutor,
  id: number,
  uid = 0,
): Promise<VirtqCounters> {
  const inbox = objInbox(Op.QUERY_GENERAL_OBJECT, GeneralObjType.VIRTIO_Q_COUNTERS, id, uid);
  const out = await cmd.cmdExec(inbox, QueryVirtioQCountersOut.bytes);
  const { modify_field_select: _, ...values } = QueryVirtioQCountersOut.decode(out).obj_context;
  return values;
}

/** destroyVirtqCounters: DESTROY_GENERAL_OBJECT on a counter set (after the queues naming it). */
export async function destroyVirtqCounters(
  cmd: CommandExecutor,
  id: number,
  uid = 0,
): Promise<void> {
  const inbox = objInbox(Op.DESTROY_GENERAL_OBJECT, GeneralObjType.VIRTIO_Q_COUNTERS, id, uid);
  await cmd.cmdExec(inbox, GeneralObjOutCmdHdr.bytes);
}

/** kickVirtq: the queue's doorbell: the device walks the available ring of `queueIndex`. */
export function kickVirtq(h: Pick<DataPathHandle, 'ringDoorbell'>, queueIndex: number): void {
  h.ringDoorbell({ type: 'virtq', num: queueIndex });
}

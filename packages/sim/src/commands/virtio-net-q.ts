/**
 * VIRTIO_NET_Q general objects (type 0xd): CREATE / MODIFY / QUERY /
 * DESTROY_GENERAL_OBJECT on a virtqueue the device serves
 * (datapath/virtq-transport.ts).
 *
 * CREATE (state INIT only) checks, in order, each failing with the status
 * and syndrome named:
 *   device without virtio emulation             BAD_PARAM     BAD_OP_MOD
 *   state other than INIT                       BAD_RES_STATE QUEUE_BAD_STATE
 *   packed queue, event mode MSIX               BAD_PARAM     QUEUE_NOT_MODELLED
 *   queue_size not a power of two <= 32768      BAD_PARAM     RING_BAD_SIZE
 *   queue_index already used by a live queue    BAD_PARAM     BAD_FIELD
 *   PD, mkey, umem_1..3, TIS (TX: odd index), event QP (QP mode), counter
 *   set: unknown / another uid's                BAD_RES       OBJ_NOT_FOUND / OBJ_OTHER_UID
 *   umem_i_size < param_a * queue_size + param_b, or umem_i_offset + size
 *   beyond the umem                             BAD_PARAM     MEM_BAD_SIZE
 * The queue references its PD, umems, TIS and counter set (they cannot be
 * destroyed first: RES_BUSY / OBJ_BUSY). The mkey is looked up, not held:
 * MODIFY may replace it, and a key destroyed under a live queue makes the
 * queue's next ring access fail (ERR / BAD_ADDRESS), as on hardware.
 *
 * MODIFY applies `modify_field_select`: STATE, VIRTIO_Q_ADDRS,
 * VIRTIO_Q_AVAIL_IDX, VIRTIO_Q_USED_IDX, VIRTIO_Q_MKEY; other bits (dirty
 * bitmap, descriptor group key) are QUEUE_NOT_MODELLED. Fields other than
 * the state change only while the queue is INIT or SUSPEND (else
 * BAD_RES_STATE / VIRTQ_FIELDS_LOCKED); the state follows
 * VIRTQ_TRANSITIONS (else BAD_RES_STATE / QUEUE_BAD_STATE). Fields apply
 * before the state, so a resume may carry new indexes. A TX queue entering
 * RDY gets a pass at once: what the driver made available meanwhile goes.
 *
 * QUERY returns the object with the device's `hw_available_index` /
 * `hw_used_index` and, in ERR, the `error_type`.
 *
 * Owns: the handlers. Never: the ring walk.
 */
import {
  CmdStatus,
  CreateVirtioNetQIn,
  GeneralObjInCmdHdr,
  GeneralObjOutCmdHdr,
  isValidQueueSize,
  QueryVirtioNetQOut,
  Syndrome,
  VirtioNetQObject,
  VirtioQ,
  VirtqEventMode,
  VirtqModify,
  VirtqState,
  VirtqType,
  virtqFieldsModifiable,
  virtqTransitionAllowed,
} from '@auxctl/prm';
import type { TisData, VirtqCounterData, VirtqData } from '../datapath/queue-data.js';
import { FwError } from '../fw-error.js';
import { lookupMkey, type UmemData } from '../memory-translation.js';
import type { FwObject, FwObjectRef } from '../object-table.js';
import type { VirtioEmulationValues } from '../virtio-emulation-cap.js';
import { virtqUmemBytes } from '../virtio-emulation-cap.js';
import type { CommandCall, FwContext } from './command.js';
import { badQueueState, notModelled } from './queue-errors.js';

type QCtx = ReturnType<typeof VirtioQ.decode>;
type Virtq = FwObject<VirtqData>;

const OBJ_AT = CreateVirtioNetQIn.byteOffset('obj_context');
const MODELLED =
  VirtqModify.STATE |
  VirtqModify.VIRTIO_Q_ADDRS |
  VirtqModify.VIRTIO_Q_AVAIL_IDX |
  VirtqModify.VIRTIO_Q_USED_IDX |
  VirtqModify.VIRTIO_Q_MKEY;

const shortInbox = (what: string, bytes: number) =>
  new FwError(CmdStatus.BAD_INP_LEN, Syndrome.SHORT_INBOX, `${what} is ${bytes} bytes`);
const shortOutbox = (what: string, bytes: number) =>
  new FwError(CmdStatus.BAD_OUTP_LEN, Syndrome.SHORT_OUTBOX, `${what} is ${bytes} bytes`);

/** virtioOf: the device's virtio emulation values; BAD_OP_MOD when it offers none. */
export function virtioOf(fw: FwContext): VirtioEmulationValues {
  const v = fw.caps.virtio;
  if (!v) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.BAD_OP_MOD,
      'no virtio emulation on this function',
    );
  }
  return v;
}

function checkUmems(fw: FwContext, v: VirtioEmulationValues, q: QCtx, uid: number): FwObjectRef[] {
  const refs: FwObjectRef[] = [];
  const umems = [
    [q.umem_1_id, q.umem_1_size, q.umem_1_offset],
    [q.umem_2_id, q.umem_2_size, q.umem_2_offset],
    [q.umem_3_id, q.umem_3_size, q.umem_3_offset],
  ] as const;
  umems.forEach(([id, bytes, offset], i) => {
    const need = virtqUmemBytes(v, i, q.queue_size);
    const umem = fw.objects.lookup<UmemData>('UMEM', id, uid);
    if (bytes < need || offset + BigInt(bytes) > BigInt(umem.data.size)) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.MEM_BAD_SIZE,
        `umem_${i + 1}: ${bytes} bytes at ${offset} (need ${need}) within a ${umem.data.size}-byte umem`,
      );
    }
    refs.push({ type: 'UMEM', id });
  });
  return refs;
}

function create(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  const v = virtioOf(fw);
  if (inbox.length < CreateVirtioNetQIn.bytes)
    throw shortInbox('create virtio_net_q', CreateVirtioNetQIn.bytes);
  const o = VirtioNetQObject.decode(inbox, OBJ_AT);
  const q = o.virtio_q_context;
  if (o.state !== VirtqState.INIT) throw badQueueState('a VIRTIO_NET_Q is created in INIT');
  if (q.virtio_q_type !== VirtqType.SPLIT) throw notModelled(`virtio_q_type ${q.virtio_q_type}`);
  if (q.event_mode !== VirtqEventMode.NO_MSIX && q.event_mode !== VirtqEventMode.QP) {
    throw notModelled(`event_mode ${q.event_mode}`);
  }
  if (!isValidQueueSize(q.queue_size)) {
    throw new FwError(CmdStatus.BAD_PARAM, Syndrome.RING_BAD_SIZE, `queue_size ${q.queue_size}`);
  }
  for (const other of fw.objects.objects('VIRTIO_NET_Q')) {
    if (Number(other.context.queue_index) === q.queue_index) {
      throw new FwError(
        CmdStatus.BAD_PARAM,
        Syndrome.BAD_FIELD,
        `queue_index ${q.queue_index} is in use`,
      );
    }
  }
  const pd = fw.objects.lookup('PD', q.pd, uid);
  lookupMkey(fw.objects, q.virtio_q_mkey, uid);
  const refs: FwObjectRef[] = [{ type: 'PD', id: pd.id }, ...checkUmems(fw, v, q, uid)];
  let port = 1;
  if ((q.queue_index & 1) === 1) {
    const tis = fw.objects.lookup<TisData>('TIS', o.tisn_or_qpn, uid);
    port = tis.data.port;
    refs.push({ type: 'TIS', id: tis.id });
  }
  if (q.event_mode === VirtqEventMode.QP) fw.objects.lookup('QP', q.event_qpn_or_msix, uid);
  let counters: VirtqCounterData | undefined;
  if (q.counter_set_id !== 0) {
    counters = fw.objects.lookup<VirtqCounterData>('VIRTIO_Q_COUNTERS', q.counter_set_id, uid).data;
    refs.push({ type: 'VIRTIO_Q_COUNTERS', id: q.counter_set_id });
  }
  const data: VirtqData = {
    availIdx: o.hw_available_index,
    usedIdx: o.hw_used_index,
    port,
    counters,
  };
  const obj = fw.objects.create<VirtqData>('VIRTIO_NET_Q', uid, context(o, q), refs, data);
  GeneralObjOutCmdHdr.set(outbox, 'obj_id', obj.id);
}

/** context: the PRM fields a queue shows (resource dump, QUERY); indexes live in its data. */
function context(
  o: ReturnType<typeof VirtioNetQObject.decode>,
  q: QCtx,
): Record<string, number | bigint> {
  return {
    state: o.state,
    tisn_or_qpn: o.tisn_or_qpn,
    queue_feature_bit_mask_12_3: o.queue_feature_bit_mask_12_3,
    queue_feature_bit_mask_2_0: o.queue_feature_bit_mask_2_0,
    hw_available_index: 0,
    hw_used_index: 0,
    virtio_q_type: q.virtio_q_type,
    event_mode: q.event_mode,
    queue_index: q.queue_index,
    virtio_version_1_0: q.virtio_version_1_0,
    offload_type: q.offload_type,
    event_qpn_or_msix: q.event_qpn_or_msix,
    queue_size: q.queue_size,
    desc_addr: q.desc_addr,
    used_addr: q.used_addr,
    available_addr: q.available_addr,
    virtio_q_mkey: q.virtio_q_mkey,
    error_type: 0,
    umem_1_id: q.umem_1_id,
    umem_2_id: q.umem_2_id,
    umem_3_id: q.umem_3_id,
    counter_set_id: q.counter_set_id,
    pd: q.pd,
  };
}

function modify(fw: FwContext, { inbox, uid }: CommandCall): void {
  const v = virtioOf(fw);
  if (inbox.length < CreateVirtioNetQIn.bytes)
    throw shortInbox('modify virtio_net_q', CreateVirtioNetQIn.bytes);
  const vq = fw.objects.lookup<VirtqData>(
    'VIRTIO_NET_Q',
    GeneralObjInCmdHdr.get(inbox, 'obj_id'),
    uid,
  );
  const o = VirtioNetQObject.decode(inbox, OBJ_AT);
  const q = o.virtio_q_context;
  const select = o.modify_field_select;
  if ((select & ~MODELLED) !== 0n)
    throw notModelled(`modify_field_select 0x${select.toString(16)}`);
  const cur = Number(vq.context.state);
  const fields = select & ~VirtqModify.STATE;
  if (fields !== 0n && !virtqFieldsModifiable(cur)) {
    throw new FwError(
      CmdStatus.BAD_RES_STATE,
      Syndrome.VIRTQ_FIELDS_LOCKED,
      `VIRTIO_NET_Q 0x${vq.id.toString(16)} is in state ${cur}; suspend it to change fields`,
    );
  }
  const toState = (select & VirtqModify.STATE) !== 0n;
  if (toState && !virtqTransitionAllowed(cur, o.state, v.freezeToRdy)) {
    throw badQueueState(`VIRTIO_NET_Q cannot go from state ${cur} to ${o.state}`);
  }
  if (select & VirtqModify.VIRTIO_Q_MKEY) lookupMkey(fw.objects, q.virtio_q_mkey, uid);
  if (select & VirtqModify.VIRTIO_Q_ADDRS) {
    vq.context.desc_addr = q.desc_addr;
    vq.context.used_addr = q.used_addr;
    vq.context.available_addr = q.available_addr;
  }
  if (select & VirtqModify.VIRTIO_Q_MKEY) vq.context.virtio_q_mkey = q.virtio_q_mkey;
  if (select & VirtqModify.VIRTIO_Q_AVAIL_IDX) vq.data.availIdx = o.hw_available_index;
  if (select & VirtqModify.VIRTIO_Q_USED_IDX) vq.data.usedIdx = o.hw_used_index;
  if (toState) {
    vq.context.state = o.state;
    if (o.state === VirtqState.RDY) fw.datapath.kickVirtq(Number(vq.context.queue_index));
  }
}

function query(fw: FwContext, { inbox, outbox, uid }: CommandCall): void {
  virtioOf(fw);
  if (outbox.length < QueryVirtioNetQOut.bytes)
    throw shortOutbox('query virtio_net_q', QueryVirtioNetQOut.bytes);
  const vq: Virtq = fw.objects.lookup('VIRTIO_NET_Q', GeneralObjInCmdHdr.get(inbox, 'obj_id'), uid);
  const c = vq.context;
  const at = QueryVirtioNetQOut.byteOffset('obj_context');
  VirtioNetQObject.write(
    outbox,
    {
      state: Number(c.state),
      tisn_or_qpn: Number(c.tisn_or_qpn),
      queue_feature_bit_mask_12_3: Number(c.queue_feature_bit_mask_12_3),
      queue_feature_bit_mask_2_0: Number(c.queue_feature_bit_mask_2_0),
      hw_available_index: vq.data.availIdx & 0xffff,
      hw_used_index: vq.data.usedIdx & 0xffff,
    },
    at,
  );
  const num = (k: string) => Number(c[k]);
  VirtioQ.write(
    outbox,
    {
      virtio_q_type: num('virtio_q_type'),
      event_mode: num('event_mode'),
      queue_index: num('queue_index'),
      virtio_version_1_0: num('virtio_version_1_0'),
      offload_type: num('offload_type'),
      event_qpn_or_msix: num('event_qpn_or_msix'),
      queue_size: num('queue_size'),
      desc_addr: BigInt(c.desc_addr!),
      used_addr: BigInt(c.used_addr!),
      available_addr: BigInt(c.available_addr!),
      virtio_q_mkey: num('virtio_q_mkey'),
      error_type: num('error_type'),
      umem_1_id: num('umem_1_id'),
      umem_2_id: num('umem_2_id'),
      umem_3_id: num('umem_3_id'),
      counter_set_id: num('counter_set_id'),
      pd: num('pd'),
    },
    at + VirtioNetQObject.byteOffset('virtio_q_context'),
  );
}

/** virtioNetQHandlers: the four operations on type 0xd (general-object.ts dispatches). */
export const virtioNetQHandlers = {
  create,
  modify,
  query,
  destroy: (fw: FwContext, { inbox, uid }: CommandCall) =>
    fw.objects.destroy('VIRTIO_NET_Q', GeneralObjInCmdHdr.get(inbox, 'obj_id'), uid),
} as const;

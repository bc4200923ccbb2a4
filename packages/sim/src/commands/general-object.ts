/**
 * General object commands: CREATE / MODIFY / QUERY / DESTROY_GENERAL_OBJECT
 * (0xa00..0xa03). The object type travels where other inboxes keep op_mod,
 * so the dispatcher's op_mod check refuses a type the device does not
 * implement (BAD_PARAM / BAD_OP_MOD); each type's handlers are their own
 * file. Types: VIRTIO_NET_Q (virtio-net-q.ts) and VIRTIO_Q_COUNTERS
 * (below). Any live uid may use them on its own objects.
 *
 * VIRTIO_Q_COUNTERS is a counter set a queue names in `counter_set_id`:
 * created zeroed, read by QUERY, never modified (MODIFY: BAD_PARAM /
 * BAD_OP_MOD); it cannot be destroyed while a queue names it.
 *
 * Owns: the dispatch rows and the counter-set handlers.
 */
import {
  CmdStatus,
  GeneralObjInCmdHdr,
  GeneralObjOutCmdHdr,
  GeneralObjType,
  Op,
  QueryVirtioQCountersOut,
  Syndrome,
  VirtioQCounters,
} from '@auxctl/prm';
import type { VirtqCounterData } from '../datapath/queue-data.js';
import { FwError } from '../fw-error.js';
import { type CommandCall, type CommandSpec, type FwContext, INITIALIZED } from './command.js';
import { virtioNetQHandlers, virtioOf } from './virtio-net-q.js';

type Handler = (fw: FwContext, call: CommandCall) => void;

const counters = {
  create: (fw: FwContext, { outbox, uid }: CommandCall) => {
    virtioOf(fw);
    const data: VirtqCounterData = {
      received_desc: 0,
      completed_desc: 0,
      error_cqes: 0,
      bad_desc_errors: 0,
      exceed_max_chain: 0,
      invalid_buffer: 0,
    };
    const obj = fw.objects.create('VIRTIO_Q_COUNTERS', uid, {}, [], data);
    GeneralObjOutCmdHdr.set(outbox, 'obj_id', obj.id);
  },
  modify: () => {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.BAD_OP_MOD,
      'a VIRTIO_Q_COUNTERS set is read-only',
    );
  },
  query: (fw: FwContext, { inbox, outbox, uid }: CommandCall) => {
    if (outbox.length < QueryVirtioQCountersOut.bytes) {
      throw new FwError(
        CmdStatus.BAD_OUTP_LEN,
        Syndrome.SHORT_OUTBOX,
        `query virtio_q_counters is ${QueryVirtioQCountersOut.bytes} bytes`,
      );
    }
    const id = GeneralObjInCmdHdr.get(inbox, 'obj_id');
    const d = fw.objects.lookup<VirtqCounterData>('VIRTIO_Q_COUNTERS', id, uid).data;
    VirtioQCounters.write(
      outbox,
      {
        received_desc: BigInt(d.received_desc),
        completed_desc: BigInt(d.completed_desc),
        error_cqes: d.error_cqes,
        bad_desc_errors: d.bad_desc_errors,
        exceed_max_chain: d.exceed_max_chain,
        invalid_buffer: d.invalid_buffer,
      },
      QueryVirtioQCountersOut.byteOffset('obj_context'),
    );
  },
  destroy: (fw: FwContext, { inbox, uid }: CommandCall) =>
    fw.objects.destroy('VIRTIO_Q_COUNTERS', GeneralObjInCmdHdr.get(inbox, 'obj_id'), uid),
} as const;

const BY_TYPE: ReadonlyMap<
  number,
  Record<'create' | 'modify' | 'query' | 'destroy', Handler>
> = new Map([
  [GeneralObjType.VIRTIO_NET_Q, virtioNetQHandlers],
  [GeneralObjType.VIRTIO_Q_COUNTERS, counters],
]);

const OBJ_TYPES = [...BY_TYPE.keys()];

function row(opcode: number, op: 'create' | 'modify' | 'query' | 'destroy'): CommandSpec {
  return {
    opcode,
    in: GeneralObjInCmdHdr,
    out: GeneralObjOutCmdHdr,
    opMods: OBJ_TYPES,
    states: INITIALIZED,
    access: 'any',
    run: (fw, call) => BY_TYPE.get(call.opMod)![op](fw, call),
  };
}

/** generalObjectCommands: see the module header. */
export const generalObjectCommands: readonly CommandSpec[] = [
  row(Op.CREATE_GENERAL_OBJECT, 'create'),
  row(Op.MODIFY_GENERAL_OBJECT, 'modify'),
  row(Op.QUERY_GENERAL_OBJECT, 'query'),
  row(Op.DESTROY_GENERAL_OBJECT, 'destroy'),
];

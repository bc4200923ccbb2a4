/**
 * The firmware objects `auxctl obj` queries, after mlx5ctl's `obj` list:
 * each is one QUERY_* command, its inbox layout with the field that names
 * the object (`--id`), and the outbox layout it is decoded with — all
 * prm's. Vport-addressed queries set `other_vport` when an id is given.
 *
 * Objects the device has no query for (a PD has none in the PRM) are not
 * listed; asking for them is a usage error that lists what is.
 *
 * Owns: the name -> command table. Never: sending (obj-command.ts).
 */
import {
  DestroyCqIn,
  DestroyRqIn,
  DestroySqIn,
  type LayoutLike,
  Op,
  QpNumIn,
  QueryAdapterIn,
  QueryAdapterOut,
  QueryCqOut,
  QueryEqIn,
  QueryEqOut,
  QueryEswFunctionsIn,
  QueryEswFunctionsOut,
  QueryIssiIn,
  QueryIssiOut,
  QueryMkeyIn,
  QueryMkeyOut,
  QueryNicVportContextIn,
  QueryNicVportContextOut,
  QueryPagesIn,
  QueryPagesOut,
  QueryQpOut,
  QueryRqOut,
  QuerySqOut,
  QueryUctxIn,
  QueryUctxOut,
  QueryUmemIn,
  QueryUmemOut,
  QueryVportCounterIn,
  QueryVportCounterOut,
  QueryVportStateIn,
  QueryVportStateOut,
} from '@auxctl/prm';
import { usageError } from './exit-codes.js';

/** EncodableLayout: a layout whose inbox the table fills by field name. */
type EncodableLayout = LayoutLike & { encode(values: Record<string, unknown>): Buffer };

/** ObjType: one queryable object. */
export interface ObjType {
  readonly name: string;
  readonly opcode: number;
  readonly in: EncodableLayout;
  /** The inbox field `--id` fills; undefined when the query names no object. */
  readonly idField?: string;
  /** What `--id` means, for help and errors. */
  readonly idName?: string;
  /** The id names another vport (other_vport = 1). */
  readonly vport?: true;
  readonly out: LayoutLike;
}

const t = (o: Omit<ObjType, 'in'> & { in: LayoutLike }): ObjType => o as ObjType;

/** OBJ_TYPES: see the module header. */
export const OBJ_TYPES: readonly ObjType[] = [
  t({
    name: 'eq',
    opcode: Op.QUERY_EQ,
    in: QueryEqIn,
    idField: 'eq_number',
    idName: 'eqn',
    out: QueryEqOut,
  }),
  t({
    name: 'cq',
    opcode: Op.QUERY_CQ,
    in: DestroyCqIn,
    idField: 'cqn',
    idName: 'cqn',
    out: QueryCqOut,
  }),
  t({
    name: 'qp',
    opcode: Op.QUERY_QP,
    in: QpNumIn,
    idField: 'qpn',
    idName: 'qpn',
    out: QueryQpOut,
  }),
  t({
    name: 'sq',
    opcode: Op.QUERY_SQ,
    in: DestroySqIn,
    idField: 'sqn',
    idName: 'sqn',
    out: QuerySqOut,
  }),
  t({
    name: 'rq',
    opcode: Op.QUERY_RQ,
    in: DestroyRqIn,
    idField: 'rqn',
    idName: 'rqn',
    out: QueryRqOut,
  }),
  t({
    name: 'mkey',
    opcode: Op.QUERY_MKEY,
    in: QueryMkeyIn,
    idField: 'mkey_index',
    idName: 'mkey index',
    out: QueryMkeyOut,
  }),
  t({
    name: 'umem',
    opcode: Op.QUERY_UMEM,
    in: QueryUmemIn,
    idField: 'umem_id',
    idName: 'umem id',
    out: QueryUmemOut,
  }),
  t({
    name: 'uctx',
    opcode: Op.QUERY_UCTX,
    in: QueryUctxIn,
    idField: 'uctx_uid',
    idName: 'uid',
    out: QueryUctxOut,
  }),
  t({
    name: 'pages',
    opcode: Op.QUERY_PAGES,
    in: QueryPagesIn,
    idField: 'function_id',
    idName: 'function id',
    out: QueryPagesOut,
  }),
  t({ name: 'issi', opcode: Op.QUERY_ISSI, in: QueryIssiIn, out: QueryIssiOut }),
  t({ name: 'adapter', opcode: Op.QUERY_ADAPTER, in: QueryAdapterIn, out: QueryAdapterOut }),
  t({
    name: 'vport_state',
    opcode: Op.QUERY_VPORT_STATE,
    in: QueryVportStateIn,
    idField: 'vport_number',
    idName: 'vport number',
    vport: true,
    out: QueryVportStateOut,
  }),
  t({
    name: 'vport_counter',
    opcode: Op.QUERY_VPORT_COUNTER,
    in: QueryVportCounterIn,
    idField: 'vport_number',
    idName: 'vport number',
    vport: true,
    out: QueryVportCounterOut,
  }),
  t({
    name: 'nic_vport_context',
    opcode: Op.QUERY_NIC_VPORT_CONTEXT,
    in: QueryNicVportContextIn,
    idField: 'vport_number',
    idName: 'vport number',
    vport: true,
    out: QueryNicVportContextOut,
  }),
  t({
    name: 'esw_functions',
    opcode: Op.QUERY_ESW_FUNCTIONS,
    in: QueryEswFunctionsIn,
    out: QueryEswFunctionsOut,
  }),
];

/** objType: the entry named `name` (case-insensitive); a usage error listing the names otherwise. */
export function objType(name: string): ObjType {
  const o = OBJ_TYPES.find((x) => x.name === name.toLowerCase());
  if (!o) {
    throw usageError(
      `unknown object ${JSON.stringify(name)}; objects: ${OBJ_TYPES.map((x) => x.name).join(', ')}`,
    );
  }
  return o;
}

/** objInbox: the query inbox of `o` for `id` (ignored by queries that name no object). */
export function objInbox(o: ObjType, id: number | undefined): Buffer {
  const values: Record<string, unknown> = { opcode: o.opcode };
  if (o.idField && id !== undefined) {
    values[o.idField] = id;
    if (o.vport) values.other_vport = 1;
  }
  return o.in.encode(values);
}

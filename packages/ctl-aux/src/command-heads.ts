/**
 * Reserved bits of an RPC's 16-byte inbox head.
 *
 * Every inbox opens with `opcode | uid | reserved_at_20 | op_mod` (CmdHdrIn)
 * and then 64 bits that belong to the command: ACCESS_REG keeps its
 * `register_id` there, DEALLOC_PD its `pd`, QUERY_HCA_CAP `other_function`
 * and `function_id`. So the only bits reserved in every command are
 * `reserved_at_20`; for the commands core declares, the reserved fields of
 * the command's own layout that fall in the head are checked too. The rest
 * of an inbox is the firmware's to check.
 *
 * Each check is a precomputed 16-byte mask (a bit set = reserved), so the
 * RPC hot path costs 16 ANDs.
 *
 * Owns: the masks. Never: decides what a failed check means (rpc-request.ts).
 */
import {
  AccessRegisterIn,
  AllocPdIn,
  CMD_HDR_BYTES,
  CmdHdrIn,
  CreateMkeyIn,
  DeallocPdIn,
  DestroyMkeyIn,
  type FieldInfo,
  NopIn,
  Op,
  QueryAdapterIn,
  QueryDiagnosticCntrsIn,
  QueryDiagnosticParamsIn,
  QueryHcaCapIn,
  QueryIssiIn,
  QueryMkeyIn,
  QueryPagesIn,
  QueryUctxIn,
  QueryUmemIn,
  SetDiagnosticParamsIn,
  SetHcaCapIn,
} from '@auxctl/prm';

/** HeadLayout: what a mask needs of a layout. */
interface HeadLayout {
  readonly name: string;
  readonly fields: readonly FieldInfo[];
}

interface HeadMask {
  readonly bits: Uint8Array;
  readonly fields: readonly FieldInfo[];
}

const HEAD_BITS = CMD_HDR_BYTES * 8;

function maskOf(layouts: readonly HeadLayout[]): HeadMask {
  const bits = new Uint8Array(CMD_HDR_BYTES);
  const fields: FieldInfo[] = [];
  for (const layout of layouts) {
    for (const f of layout.fields) {
      if (!f.reserved || f.bitOffset + f.bits > HEAD_BITS) continue;
      fields.push({ ...f, name: `${layout.name}.${f.name}` });
      for (let b = f.bitOffset; b < f.bitOffset + f.bits; b++) bits[b >> 3]! |= 0x80 >> (b & 7);
    }
  }
  return { bits, fields };
}

/** Of the generic header only `reserved_at_20` is reserved in every command. */
const commonHead: HeadLayout = { name: CmdHdrIn.name, fields: [CmdHdrIn.info('reserved_at_20')] };
const generic = maskOf([commonHead]);

/** The inbox layouts core declares for commands a context may send. */
const heads: ReadonlyArray<readonly [number, HeadLayout]> = [
  [Op.QUERY_HCA_CAP, QueryHcaCapIn],
  [Op.QUERY_ADAPTER, QueryAdapterIn],
  [Op.QUERY_PAGES, QueryPagesIn],
  [Op.SET_HCA_CAP, SetHcaCapIn],
  [Op.QUERY_ISSI, QueryIssiIn],
  [Op.CREATE_MKEY, CreateMkeyIn],
  [Op.QUERY_MKEY, QueryMkeyIn],
  [Op.DESTROY_MKEY, DestroyMkeyIn],
  [Op.ALLOC_PD, AllocPdIn],
  [Op.DEALLOC_PD, DeallocPdIn],
  [Op.ACCESS_REG, AccessRegisterIn],
  [Op.NOP, NopIn],
  [Op.QUERY_DIAGNOSTIC_PARAMS, QueryDiagnosticParamsIn],
  [Op.SET_DIAGNOSTIC_PARAMS, SetDiagnosticParamsIn],
  [Op.QUERY_DIAGNOSTIC_COUNTERS, QueryDiagnosticCntrsIn],
  [Op.QUERY_UCTX, QueryUctxIn],
  [Op.QUERY_UMEM, QueryUmemIn],
];

const masks = new Map(heads.map(([op, layout]) => [op, maskOf([commonHead, layout])]));

/**
 * reservedHeadField: the name of the first reserved field of `inbox`'s
 * 16-byte head (for `opcode`) with a bit set, or undefined when all are
 * zero. `inbox` must hold at least 16 bytes.
 */
export function reservedHeadField(inbox: Uint8Array, opcode: number): string | undefined {
  const m = masks.get(opcode) ?? generic;
  let hit = -1;
  for (let i = 0; i < CMD_HDR_BYTES; i++) {
    const b = inbox[i]! & m.bits[i]!;
    if (b !== 0) {
      hit = i * 8 + Math.clz32(b) - 24;
      break;
    }
  }
  if (hit < 0) return undefined;
  const f = m.fields.find((x) => hit >= x.bitOffset && hit < x.bitOffset + x.bits);
  return f?.name ?? `bit 0x${hit.toString(16)}`;
}

/** checkedHeadOpcodes: the opcodes whose own layout's reserved head bits are checked. */
export function checkedHeadOpcodes(): number[] {
  return [...masks.keys()];
}

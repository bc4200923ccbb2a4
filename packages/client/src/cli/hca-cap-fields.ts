/**
 * HcaCapQuery: QUERY_HCA_CAP (opcode 0x100) as the `cap` command sends it,
 * and the general-capability fields it prints.
 *
 * Every offset is @auxctl/prm's: the inbox is `QueryHcaCapIn`, op_mod is
 * `hcaCapOpMod` (cap_type << 1 | 1 = current, 0 = max), and the fields are
 * read by name from `CmdHcaCap`, the declaration the simulator answers with
 * and the drivers decode. Only the general capability (cap_type 0) is
 * decoded; any cap type can be printed raw. It must never hold a bit offset
 * of its own.
 */
import { CapType, CmdHcaCap, hcaCapOpMod, Op, QueryHcaCapIn, QueryHcaCapOut } from '@auxctl/prm';
import { InvalidArgumentError } from 'commander';
import { parseUintText } from './cli-args.js';

/** CAP_TYPES: `--id` names -> cap_type. */
export const CAP_TYPES: ReadonlyMap<string, number> = new Map([
  ['general', CapType.GENERAL],
  ['roce', CapType.ROCE],
  ['debug', CapType.DEBUG],
]);

/** QUERY_HCA_CAP_OUT_BYTES: outbox length of QUERY_HCA_CAP (header + capability union). */
export const QUERY_HCA_CAP_OUT_BYTES = QueryHcaCapOut.bytes;

/** parseCapId: a cap type by name (general, roce, debug) or number (0..0x7fff). */
export function parseCapId(text: string): number {
  const t = text.trim().toLowerCase();
  const named = CAP_TYPES.get(t);
  if (named !== undefined) return named;
  const n = parseUintText(t);
  if (!Number.isSafeInteger(n) || n < 0 || n > 0x7fff) {
    throw new InvalidArgumentError(
      `expected ${[...CAP_TYPES.keys()].join(', ')} or a cap_type number`,
    );
  }
  return n;
}

/** parseCapMode: `cur` (current values) or `max` (what the device can do). */
export function parseCapMode(text: string): 'cur' | 'max' {
  const t = text.trim().toLowerCase();
  if (t === 'cur' || t === 'max') return t;
  throw new InvalidArgumentError('expected cur or max');
}

/** queryHcaCapInbox: the 16-byte QUERY_HCA_CAP inbox for `capType` and mode. */
export function queryHcaCapInbox(capType: number, mode: 'cur' | 'max'): Buffer {
  return QueryHcaCapIn.encode({
    opcode: Op.QUERY_HCA_CAP,
    op_mod: hcaCapOpMod(capType, mode === 'cur'),
  });
}

/** GeneralCapField: a `CmdHcaCap` integer field. */
export type GeneralCapField = Parameters<typeof CmdHcaCap.get>[1];

/** GENERAL_CAP_FIELDS: the general capabilities `cap` prints, in PRM order. */
export const GENERAL_CAP_FIELDS: readonly GeneralCapField[] = [
  'vhca_id',
  'log_max_qp',
  'log_max_cq',
  'log_max_mkey',
  'log_max_eq',
  'debug',
  'port_type',
  'num_ports',
  'log_max_msg',
  'eth_net_offloads',
  'roce',
  'log_pg_sz',
  'log_max_pd',
  'log_max_uctx',
  'log_max_umem',
  'max_num_eqs',
  'device_frequency_mhz',
  'uctx_cap',
];

/** decodeGeneralCaps: field name -> value from the capability bytes (outbox without its header). */
export function decodeGeneralCaps(capability: Buffer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const field of GENERAL_CAP_FIELDS) out[field] = CmdHcaCap.get(capability, field);
  return out;
}

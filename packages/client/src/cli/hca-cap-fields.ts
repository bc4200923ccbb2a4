/**
 * HcaCapQuery: QUERY_HCA_CAP (opcode 0x100) as the `cap` command sends it,
 * and a handful of general-capability fields it decodes.
 *
 * Field rows are (name, bit offset, width) from `mlx5_ifc.h`
 * (struct mlx5_ifc_cmd_hca_cap_bits; `uctx_cap` at 0x6a0 as in
 * the fwctl-era header). op_mod = cap_type << 1 | (1 = current, 0 = max)
 * (`enum mlx5_cap_type`, HCA_CAP_OPMOD_GET_CUR / _MAX). Only the general
 * capability (cap_type 0) is decoded; any cap type can be printed raw. It
 * must never grow into a full capability decoder (core owns that).
 */
import { InvalidArgumentError } from 'commander';
import { parseUintText } from './cli-args.js';
import {
  buildInbox,
  CMD_HDR_BYTES,
  Opcode,
  type PrmField,
  prmField,
  readField,
} from './prm-fields.js';

/** CAP_TYPES: `--id` names -> cap_type. */
export const CAP_TYPES: ReadonlyMap<string, number> = new Map([
  ['general', 0x0],
  ['roce', 0x4],
  ['debug', 0xd],
]);

/** HCA_CAP_UNION_BYTES: the capability returned after the 16-byte outbox header (0x8000 bits). */
export const HCA_CAP_UNION_BYTES = 0x8000 / 8;

/** QUERY_HCA_CAP_OUT_BYTES: outbox length of QUERY_HCA_CAP. */
export const QUERY_HCA_CAP_OUT_BYTES = CMD_HDR_BYTES + HCA_CAP_UNION_BYTES;

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
  return buildInbox(Opcode.QUERY_HCA_CAP, (capType << 1) | (mode === 'cur' ? 1 : 0));
}

/** GENERAL_CAP_FIELDS: the general capabilities `cap` prints, in PRM order. */
export const GENERAL_CAP_FIELDS: readonly PrmField[] = [
  prmField('vhca_id', 0x30, 16),
  prmField('log_max_qp', 0x9b, 5),
  prmField('log_max_cq', 0xdb, 5),
  prmField('log_max_mkey', 0xea, 6),
  prmField('log_max_eq', 0xfc, 4),
  prmField('debug', 0x183, 1),
  prmField('port_type', 0x1b6, 2),
  prmField('num_ports', 0x1b8, 8),
  prmField('log_max_msg', 0x1c3, 5),
  prmField('eth_net_offloads', 0x21c, 1),
  prmField('roce', 0x21d, 1),
  prmField('log_pg_sz', 0x258, 8),
  prmField('log_max_pd', 0x32b, 5),
  prmField('log_max_uctx', 0x463, 5),
  prmField('log_max_umem', 0x46b, 5),
  prmField('max_num_eqs', 0x470, 16),
  prmField('device_frequency_mhz', 0x4c0, 32),
  prmField('uctx_cap', 0x6a0, 32),
];

/** decodeGeneralCaps: field name -> value from the capability bytes (outbox without its header). */
export function decodeGeneralCaps(capability: Buffer): Record<string, number> {
  const out: Record<string, number> = {};
  for (const field of GENERAL_CAP_FIELDS) out[field.name] = readField(capability, field);
  return out;
}

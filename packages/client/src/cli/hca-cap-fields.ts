/**
 * HcaCapQuery: QUERY_HCA_CAP (opcode 0x100) as the `cap` command sends it,
 * and the general-capability fields it prints.
 *
 * Every offset is @auxctl/prm's: the inbox is `QueryHcaCapIn`, op_mod is
 * `hcaCapOpMod` (cap_type << 1 | 1 = current, 0 = max), and the fields are
 * prm's layout of each cap type (`CAP_LAYOUTS`: general, roce, qos, debug,
 * vdpa_emulation), the declarations the simulator answers with and the
 * drivers decode; a cap type without one prints as hex. It must never hold
 * a bit offset of its own.
 */
import {
  CapType,
  CmdHcaCap,
  DebugCap,
  hcaCapOpMod,
  type LayoutLike,
  Op,
  QosCap,
  QueryHcaCapIn,
  QueryHcaCapOut,
  RoceCap,
  VirtioEmulationCap,
} from '@auxctl/prm';
import { InvalidArgumentError } from 'commander';
import { parseUintText } from './cli-args.js';

/** CAP_TYPES: `--id` names -> cap_type. */
export const CAP_TYPES: ReadonlyMap<string, number> = new Map([
  ['general', CapType.GENERAL],
  ['roce', CapType.ROCE],
  ['qos', CapType.QOS],
  ['debug', CapType.DEBUG],
  ['vdpa_emulation', CapType.VDPA_EMULATION],
]);

/** QUERY_HCA_CAP_OUT_BYTES: outbox length of QUERY_HCA_CAP (header + capability union). */
export const QUERY_HCA_CAP_OUT_BYTES = QueryHcaCapOut.bytes;

/** parseCapId: a cap type by name (general, roce, qos, debug, vdpa_emulation) or number (0..0x7fff). */
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

/** CAP_LAYOUTS: the prm layout each cap type decodes with (the ones the device and drivers use). */
export const CAP_LAYOUTS: ReadonlyMap<number, LayoutLike> = new Map<number, LayoutLike>([
  [CapType.GENERAL, CmdHcaCap],
  [CapType.ROCE, RoceCap],
  [CapType.QOS, QosCap],
  [CapType.DEBUG, DebugCap],
  [CapType.VDPA_EMULATION, VirtioEmulationCap],
]);

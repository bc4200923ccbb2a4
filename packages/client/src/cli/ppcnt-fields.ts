/**
 * PpcntRead: ACCESS_REG (opcode 0x805) reads of PPCNT (register 0x5008)
 * as the `reg` command sends them, and the counter groups it decodes.
 *
 * Rows repeat `mlx5_ifc.h` (access_register_in: op_mod 0x30, register_id
 * 0x50, argument 0x60; ppcnt_reg: swid 0x0, local_port 0x8, pnat 0x10,
 * grp 0x1a, clr 0x20, prio_tc 0x3d, counter_set at byte 8, 248 bytes).
 * Register data starts at byte 16 of inbox and outbox. Counters are the
 * `<name>_high` / `<name>_low` dword pairs of
 * `eth_802_3_cntrs_grp_data_layout` and `eth_2863_cntrs_grp_data_layout`,
 * in PRM order, so counter i sits at byte 8 * i of `counter_set`. It must
 * never write a register: reads only (op_mod 1).
 */
import { InvalidArgumentError } from 'commander';
import { parseUintText } from './cli-args.js';
import { buildInbox, CMD_HDR_BYTES, prmField, readField, writeField } from './prm-fields.js';

/** ACCESS_REG: opcode and read op_mod (MLX5_CMD_OP_ACCESS_REG, MLX5_ACCESS_REGISTER_IN_OP_MOD_READ). */
export const ACCESS_REG = { opcode: 0x805, opModRead: 1 } as const;

/** AccessRegIn: the register-specific fields of `access_register_in`. */
export const AccessRegIn = {
  register_id: prmField('register_id', 0x50, 16),
  argument: prmField('argument', 0x60, 32),
} as const;

/** REGISTERS: `--id` names -> register_id (MLX5_REG_*); only PPCNT is decoded. */
export const REGISTERS: ReadonlyMap<string, number> = new Map([['PPCNT', 0x5008]]);

/** PpcntReg: the head of `ppcnt_reg` (bit offsets within the register data). */
export const PpcntReg = {
  swid: prmField('swid', 0x0, 8),
  local_port: prmField('local_port', 0x8, 8),
  pnat: prmField('pnat', 0x10, 2),
  grp: prmField('grp', 0x1a, 6),
  clr: prmField('clr', 0x20, 1),
  prio_tc: prmField('prio_tc', 0x3d, 3),
} as const;

/** PPCNT_COUNTER_SET_BYTE / PPCNT_REG_BYTES: where counter_set starts, and the register's size. */
export const PPCNT_COUNTER_SET_BYTE = 8;
export const PPCNT_REG_BYTES = PPCNT_COUNTER_SET_BYTE + 0xf8;

/** PPCNT_IO_BYTES: inbox and outbox length of a PPCNT read (16-byte header + register). */
export const PPCNT_IO_BYTES = CMD_HDR_BYTES + PPCNT_REG_BYTES;

/** PPCNT_GROUPS: `--group` names -> grp (Linux MLX5_*_COUNTERS_GROUP). */
export const PPCNT_GROUPS: ReadonlyMap<string, number> = new Map([
  ['ieee_802_3', 0x0],
  ['rfc_2863', 0x1],
  ['rfc_2819', 0x2],
  ['rfc_3635', 0x3],
  ['ethernet_extended', 0x5],
  ['per_priority', 0x10],
  ['per_traffic_class', 0x11],
  ['physical_layer', 0x12],
  ['physical_layer_statistical', 0x16],
]);

/** GROUP_COUNTERS: the 64-bit counters (names without _high/_low) of the decoded groups, in PRM order. */
export const GROUP_COUNTERS: ReadonlyMap<number, readonly string[]> = new Map([
  [
    0x0,
    [
      'a_frames_transmitted_ok',
      'a_frames_received_ok',
      'a_frame_check_sequence_errors',
      'a_alignment_errors',
      'a_octets_transmitted_ok',
      'a_octets_received_ok',
      'a_multicast_frames_xmitted_ok',
      'a_broadcast_frames_xmitted_ok',
      'a_multicast_frames_received_ok',
      'a_broadcast_frames_received_ok',
      'a_in_range_length_errors',
      'a_out_of_range_length_field',
      'a_frame_too_long_errors',
      'a_symbol_error_during_carrier',
      'a_mac_control_frames_transmitted',
      'a_mac_control_frames_received',
      'a_unsupported_opcodes_received',
      'a_pause_mac_ctrl_frames_received',
      'a_pause_mac_ctrl_frames_transmitted',
    ],
  ],
  [
    0x1,
    [
      'if_in_octets',
      'if_in_ucast_pkts',
      'if_in_discards',
      'if_in_errors',
      'if_in_unknown_protos',
      'if_out_octets',
      'if_out_ucast_pkts',
      'if_out_discards',
      'if_out_errors',
      'if_in_multicast_pkts',
      'if_in_broadcast_pkts',
      'if_out_multicast_pkts',
      'if_out_broadcast_pkts',
    ],
  ],
]);

/** parseRegisterId: a register by name (PPCNT) or id (0x5008); anything else is a usage error. */
export function parseRegisterId(text: string): number {
  const t = text.trim();
  const named = REGISTERS.get(t.toUpperCase());
  if (named !== undefined) return named;
  const n = parseUintText(t);
  if ([...REGISTERS.values()].includes(n)) return n;
  throw new InvalidArgumentError(`unknown register; known: ${[...REGISTERS.keys()].join(', ')}`);
}

/** parsePpcntGroup: a counter group by name or grp number (0..63). */
export function parsePpcntGroup(text: string): number {
  const t = text.trim().toLowerCase();
  const named = PPCNT_GROUPS.get(t);
  if (named !== undefined) return named;
  const n = parseUintText(t);
  if (Number.isInteger(n) && n >= 0 && n <= 0x3f) return n;
  throw new InvalidArgumentError(`expected ${[...PPCNT_GROUPS.keys()].join(', ')} or 0..63`);
}

/** parseLocalPort: a 1-based local port (1..255). */
export function parseLocalPort(text: string): number {
  const t = text.trim();
  const n = /^\d+$/.test(t) ? Number(t) : NaN;
  if (Number.isInteger(n) && n >= 1 && n <= 255) return n;
  throw new InvalidArgumentError('expected a port number 1..255');
}

/** groupName: the `--group` name of `grp`, else its number in hex. */
export function groupName(grp: number): string {
  for (const [name, n] of PPCNT_GROUPS) if (n === grp) return name;
  return `0x${grp.toString(16)}`;
}

/** ppcntReadInbox: the ACCESS_REG inbox reading PPCNT group `grp` of `port` (clr = 0). */
export function ppcntReadInbox(port: number, grp: number): Buffer {
  const inbox = buildInbox(ACCESS_REG.opcode, ACCESS_REG.opModRead, PPCNT_IO_BYTES);
  writeField(inbox, AccessRegIn.register_id, REGISTERS.get('PPCNT') as number);
  const reg = inbox.subarray(CMD_HDR_BYTES);
  writeField(reg, PpcntReg.local_port, port);
  writeField(reg, PpcntReg.grp, grp);
  return inbox;
}

/**
 * decodePpcntCounters: counter name -> value (decimal string, 64 bits)
 * from the PPCNT register data, or undefined for a group not decoded here.
 */
export function decodePpcntCounters(reg: Buffer, grp: number): Record<string, string> | undefined {
  const names = GROUP_COUNTERS.get(grp);
  if (names === undefined) return undefined;
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    const at = PPCNT_COUNTER_SET_BYTE + 8 * i;
    out[name] = reg.readBigUInt64BE(at).toString();
  });
  return out;
}

/** ppcntGroupOf: the `grp` the register data names (firmware echoes the request). */
export function ppcntGroupOf(reg: Buffer): number {
  return readField(reg, PpcntReg.grp);
}

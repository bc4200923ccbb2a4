/**
 * PpcntRead: ACCESS_REG (opcode 0x805) reads of PPCNT (register 0x5008)
 * as the `reg` command sends them, and the counter groups it decodes.
 *
 * Every structure is @auxctl/prm's: the inbox is `AccessRegisterIn`
 * followed by `PpcntReg` (register data at `REGISTER_DATA_OFFSET` of inbox
 * and outbox), and a group's counters are read with the group layouts of
 * `PPCNT_GROUP_LAYOUTS` (64-bit counters are `<name>_high` / `<name>_low`
 * pairs), the same declarations the simulator answers with. Group names
 * are prm's `PpcntGroup` names in lower case. It must never write a
 * register: reads only (op_mod READ).
 */
import {
  AccessRegisterIn,
  AccessRegOpMod,
  Op,
  PPCNT_GROUP_LAYOUTS,
  PpcntGroup,
  PpcntReg,
  REGISTER_DATA_OFFSET,
  RegisterId,
  readGroupCounters,
} from '@auxctl/prm';
import { InvalidArgumentError } from 'commander';
import { parseUintText } from './cli-args.js';

/** REGISTERS: `--id` names -> register_id (MLX5_REG_*); only PPCNT is decoded. */
export const REGISTERS: ReadonlyMap<string, number> = new Map([['PPCNT', RegisterId.PPCNT]]);

/** PPCNT_IO_BYTES: inbox and outbox length of a PPCNT read (16-byte header + register). */
export const PPCNT_IO_BYTES = REGISTER_DATA_OFFSET + PpcntReg.bytes;

/** PPCNT_GROUPS: `--group` names -> grp (Linux MLX5_*_COUNTERS_GROUP). */
export const PPCNT_GROUPS: ReadonlyMap<string, number> = new Map(
  Object.entries(PpcntGroup).map(([name, grp]) => [name.toLowerCase(), grp]),
);

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
  const inbox = Buffer.alloc(PPCNT_IO_BYTES);
  AccessRegisterIn.write(inbox, {
    opcode: Op.ACCESS_REG,
    op_mod: AccessRegOpMod.READ,
    register_id: RegisterId.PPCNT,
  });
  PpcntReg.write(inbox, { local_port: port, grp }, REGISTER_DATA_OFFSET);
  return inbox;
}

/**
 * decodePpcntCounters: counter name -> value (decimal string, 64 bits)
 * from the PPCNT register data, or undefined for a group prm declares no
 * layout for.
 */
export function decodePpcntCounters(reg: Buffer, grp: number): Record<string, string> | undefined {
  const layout = PPCNT_GROUP_LAYOUTS.get(grp);
  if (layout === undefined) return undefined;
  const counters = readGroupCounters(layout, reg, PpcntReg.byteOffset('counter_set'));
  return Object.fromEntries([...counters].map(([name, v]) => [name, v.toString()]));
}

/** ppcntGroupOf: the `grp` the register data names (firmware echoes the request). */
export function ppcntGroupOf(reg: Buffer): number {
  return PpcntReg.get(reg, 'grp');
}

/**
 * PpcntFields: the PPCNT (register 0x5008) counter groups the `reg`
 * command decodes (the read itself is register-table.ts's).
 *
 * Every structure is @auxctl/prm's: a group's counters are read with the group layouts of
 * `PPCNT_GROUP_LAYOUTS` (64-bit counters are `<name>_high` / `<name>_low`
 * pairs), the same declarations the simulator answers with. Group names
 * are prm's `PpcntGroup` names in lower case. It must never write a
 * register: reads only (op_mod READ).
 */
import { PPCNT_GROUP_LAYOUTS, PpcntGroup, PpcntReg, readGroupCounters } from '@auxctl/prm';
import { InvalidArgumentError } from 'commander';
import { parseUintText } from './cli-args.js';

/** PPCNT_GROUPS: `--group` names -> grp (Linux MLX5_*_COUNTERS_GROUP). */
export const PPCNT_GROUPS: ReadonlyMap<string, number> = new Map(
  Object.entries(PpcntGroup).map(([name, grp]) => [name.toLowerCase(), grp]),
);

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

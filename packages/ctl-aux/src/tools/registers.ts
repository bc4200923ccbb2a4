/**
 * Register access by name (mlx5ctlu `reg`): ACCESS_REG through a context,
 * with each register's layout from core so callers read and write fields
 * by name.
 *
 * A read is ACCESS_REG op_mod 1 (DEBUG_READ_ONLY scope), a write op_mod 0
 * (CONFIGURATION scope), as the scope table says. The inbox carries the
 * register's bytes after the 16-byte ACCESS_REG head; the reply's register
 * bytes come back decoded. `readPpcnt` adds the counter-group decoding of
 * PPCNT's `counter_set`.
 *
 * Owns: the register name table. Never: register semantics (firmware's).
 */

import { buildInbox, printable } from '@auxctl/core';
import {
  AccessRegisterIn,
  AccessRegisterOut,
  AccessRegOpMod,
  AuxError,
  CoreDumpReg,
  type CounterGroupLayout,
  type Decoded,
  type Fields,
  type Layout,
  MtrcCap,
  MtrcConf,
  MtrcCtrl,
  MtrcStdb,
  Op,
  PPCNT_GROUP_LAYOUTS,
  PpcntGroup,
  PpcntReg,
  REGISTER_DATA_OFFSET,
  RegisterId,
  ResourceDumpReg,
  readGroupCounters,
} from '@auxctl/prm';
import type { CtlChannel } from '../ctl-context.js';
import { encodeArgs, fwCall } from './fw-call.js';

/** REGISTERS: the registers reachable by name, with their ids and layouts. */
export const REGISTERS = {
  CORE_DUMP: { id: RegisterId.CORE_DUMP, layout: CoreDumpReg },
  PPCNT: { id: RegisterId.PPCNT, layout: PpcntReg },
  MTRC_CAP: { id: RegisterId.MTRC_CAP, layout: MtrcCap },
  MTRC_CONF: { id: RegisterId.MTRC_CONF, layout: MtrcConf },
  MTRC_STDB: { id: RegisterId.MTRC_STDB, layout: MtrcStdb },
  MTRC_CTRL: { id: RegisterId.MTRC_CTRL, layout: MtrcCtrl },
  RESOURCE_DUMP: { id: RegisterId.RESOURCE_DUMP, layout: ResourceDumpReg },
} as const;

/** RegisterName: a name of {@link REGISTERS}. */
export type RegisterName = keyof typeof REGISTERS;

/** RegisterValues: the decoded fields of register `N`. */
export type RegisterValues<N extends RegisterName> =
  (typeof REGISTERS)[N]['layout'] extends Layout<infer F> ? Decoded<F> : never;

/** RegisterAccessOptions: the ACCESS_REG argument and room for a variable reply tail. */
export interface RegisterAccessOptions {
  readonly argument?: number;
  /** Register bytes wanted in the reply; default the register's layout size. */
  readonly outBytes?: number;
}

/**
 * accessRegisterRaw: ACCESS_REG on register `id` (op_mod 0 write, 1 read)
 * with `data`; the register bytes of the reply (a view of the outbox).
 * Throws the firmware status's errno (REG_* syndromes in detail).
 */
export async function accessRegisterRaw(
  ch: CtlChannel,
  id: number,
  opMod: number,
  data: Buffer,
  opts: RegisterAccessOptions = {},
): Promise<Buffer> {
  const inbox = encodeArgs(() =>
    buildInbox(
      AccessRegisterIn,
      Op.ACCESS_REG,
      { op_mod: opMod, register_id: id, argument: opts.argument ?? 0 },
      data.length,
    ),
  );
  data.copy(inbox, REGISTER_DATA_OFFSET);
  const out = await fwCall(ch, inbox, AccessRegisterOut.bytes + (opts.outBytes ?? data.length));
  return out.subarray(REGISTER_DATA_OFFSET);
}

function registerOf(name: RegisterName): { id: number; layout: Layout<Fields> } {
  const r = (REGISTERS as Record<string, { id: number; layout: unknown }>)[name];
  if (!r) {
    throw new AuxError(
      'EINVAL',
      `unknown register '${printable(name)}'; known: ${Object.keys(REGISTERS).join(', ')}`,
    );
  }
  return r as { id: number; layout: Layout<Fields> };
}

async function access<N extends RegisterName>(
  ch: CtlChannel,
  name: N,
  opMod: number,
  values: Partial<RegisterValues<N>>,
  opts: RegisterAccessOptions,
): Promise<RegisterValues<N>> {
  const reg = registerOf(name);
  const data = encodeArgs(() => reg.layout.encode(values as never));
  const reply = await accessRegisterRaw(ch, reg.id, opMod, data, opts);
  return reg.layout.decode(reply) as RegisterValues<N>;
}

/** readRegister: read register `name` with the given request fields; the reply, decoded. */
export function readRegister<N extends RegisterName>(
  ch: CtlChannel,
  name: N,
  values: Partial<RegisterValues<N>> = {},
  opts: RegisterAccessOptions = {},
): Promise<RegisterValues<N>> {
  return access(ch, name, AccessRegOpMod.READ, values, opts);
}

/** writeRegister: write register `name` with `values`; the reply, decoded. */
export function writeRegister<N extends RegisterName>(
  ch: CtlChannel,
  name: N,
  values: Partial<RegisterValues<N>>,
  opts: RegisterAccessOptions = {},
): Promise<RegisterValues<N>> {
  return access(ch, name, AccessRegOpMod.WRITE, values, opts);
}

/** PPCNT_DECODERS: the PPCNT counter groups `readPpcnt` decodes. */
export const PPCNT_DECODERS: ReadonlyMap<number, CounterGroupLayout> = PPCNT_GROUP_LAYOUTS;

/** PpcntQuery: which counters `readPpcnt` reads. */
export interface PpcntQuery {
  /** Local port, 1-based; default 1. */
  readonly port?: number;
  /** Counter group (PpcntGroup); default IEEE 802.3. */
  readonly group?: number;
  /** Zero the group's counters after reading them. */
  readonly clear?: boolean;
}

/** readPpcnt: the counters of one PPCNT group of one port, by PRM name. EINVAL for a group it cannot decode. */
export async function readPpcnt(ch: CtlChannel, q: PpcntQuery = {}): Promise<Map<string, bigint>> {
  const group = q.group ?? PpcntGroup.IEEE_802_3;
  const layout = PPCNT_DECODERS.get(group);
  if (!layout) {
    throw new AuxError(
      'EINVAL',
      `PPCNT group 0x${group.toString(16)} has no decoder; use one of ${[...PPCNT_DECODERS.keys()].map((g) => `0x${g.toString(16)}`).join(', ')}`,
    );
  }
  const reply = await readRegister(ch, 'PPCNT', {
    local_port: q.port ?? 1,
    grp: group,
    clr: q.clear ? 1 : 0,
  });
  return readGroupCounters(layout, reply.counter_set);
}

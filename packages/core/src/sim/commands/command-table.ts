/**
 * COMMAND_TABLE: every command the simulated firmware implements, as data
 * (opcode -> CommandSpec), assembled from the command family files.
 *
 * Reading a row tells the whole contract of a command: minimum inbox and
 * outbox (its layouts' sizes), accepted op_mods, the HCA states it runs in,
 * and who may send it:
 *
 * | who                        | commands |
 * |----------------------------|----------|
 * | kernel (uid 0) only        | ENABLE/DISABLE/INIT/TEARDOWN_HCA, SET_ISSI, SET_HCA_CAP, QUERY/MANAGE_PAGES, CREATE/DESTROY_UCTX |
 * | any live uid               | NOP, QUERY_ADAPTER, QUERY_ISSI, QUERY_HCA_CAP, QUERY_UCTX, ACCESS_REG (register caps checked by the register file), ALLOC/DEALLOC_PD, CREATE/QUERY/DESTROY_UMEM, CREATE/QUERY/DESTROY_MKEY (PA mode: uid 0), QUERY_DIAGNOSTIC_PARAMS |
 * | uid 0 or TOOLS_RESOURCES   | SET_DIAGNOSTIC_PARAMS, QUERY_DIAGNOSTIC_COUNTERS |
 *
 * RAW_TX and INTERNAL_DEVICE_RESOURCES gate no command here: the first is
 * for raw-packet queues, the second for register-level access (resource
 * dump), which the register file enforces.
 *
 * Owns: the table. Never: dispatch (see firmware.ts).
 */
import { accessRegCommands } from './access-reg.js';
import { adapterCommands } from './adapter.js';
import { bootCommands } from './boot.js';
import { capsCommands } from './caps.js';
import type { CommandSpec } from './command.js';
import { diagCommands } from './diag.js';
import { mkeyCommands } from './mkey.js';
import { pdCommands } from './pd.js';
import { uctxCommands } from './uctx.js';
import { umemCommands } from './umem.js';

const rows: readonly CommandSpec[] = [
  ...bootCommands,
  ...capsCommands,
  ...adapterCommands,
  ...accessRegCommands,
  ...uctxCommands,
  ...umemCommands,
  ...pdCommands,
  ...mkeyCommands,
  ...diagCommands,
];

/** COMMAND_TABLE: see the module header. */
export const COMMAND_TABLE: ReadonlyMap<number, CommandSpec> = new Map(
  rows.map((r) => [r.opcode, r]),
);

if (COMMAND_TABLE.size !== rows.length) throw new Error('COMMAND_TABLE: an opcode is listed twice');

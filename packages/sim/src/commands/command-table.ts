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
 * | kernel (uid 0) only        | CREATE/DESTROY_EQ, MODIFY_VPORT_STATE, MODIFY_NIC_VPORT_CONTEXT |
 * | any live uid               | QUERY_EQ, CREATE/DESTROY/QUERY_CQ, CREATE/MODIFY/DESTROY/QUERY_RQ, CREATE/DESTROY_TIR/TIS, CREATE/DESTROY/QUERY_QP and its transitions, QUERY_VPORT_STATE, QUERY_NIC_VPORT_CONTEXT, QUERY_VPORT_COUNTER, MODIFY/DESTROY/QUERY_SQ |
 * | uid 0 or RAW_TX            | CREATE_SQ |
 * | any live uid               | QUERY_OTHER_HCA_CAP, QUERY_ESW_FUNCTIONS, QUERY_HCA_VPORT_CONTEXT (other functions: see esw-functions.ts) |
 * | any live uid               | CREATE/MODIFY/QUERY/DESTROY_GENERAL_OBJECT (VIRTIO_NET_Q, VIRTIO_Q_COUNTERS; see general-object.ts) |
 * | kernel (uid 0) only        | SUSPEND/RESUME_VHCA, QUERY_VHCA_MIGRATION_STATE, SAVE/LOAD_VHCA_STATE (a vhca_resource_manager, for a migratable VF; see vhca-migration.ts) |
 *
 * QUERY_EQ / CQ / QP / SQ / RQ / MKEY / UMEM from a uid with TOOLS_RESOURCES
 * may name the kernel's (uid 0) objects as well as its own (a tools
 * context dumps the kernel's, as mlx5ctl's `obj` does on a real device;
 * inferred from its sample); never another context's. Every other command,
 * and those from other uids, only the uid's own.
 *
 * RAW_TX gates CREATE_SQ (raw Ethernet frames); INTERNAL_DEVICE_RESOURCES
 * gates register-level access (resource dump), which the register file
 * enforces.
 *
 * Owns: the table. Never: dispatch (see firmware.ts).
 */
import { accessRegCommands } from './access-reg.js';
import { adapterCommands } from './adapter.js';
import { bootCommands } from './boot.js';
import { capsCommands } from './caps.js';
import type { CommandSpec } from './command.js';
import { diagCommands } from './diag.js';
import { eqCqCommands } from './eq-cq.js';
import { eswFunctionCommands } from './esw-functions.js';
import { generalObjectCommands } from './general-object.js';
import { mkeyCommands } from './mkey.js';
import { pdCommands } from './pd.js';
import { qpCommands } from './qp.js';
import { sqRqCommands } from './sq-rq.js';
import { tirTisCommands } from './tir-tis.js';
import { uctxCommands } from './uctx.js';
import { umemCommands } from './umem.js';
import { vhcaMigrationCommands } from './vhca-migration.js';
import { vportCommands } from './vport.js';

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
  ...eqCqCommands,
  ...sqRqCommands,
  ...tirTisCommands,
  ...qpCommands,
  ...vportCommands,
  ...eswFunctionCommands,
  ...generalObjectCommands,
  ...vhcaMigrationCommands,
];

/** COMMAND_TABLE: see the module header. */
export const COMMAND_TABLE: ReadonlyMap<number, CommandSpec> = new Map(
  rows.map((r) => [r.opcode, r]),
);

if (COMMAND_TABLE.size !== rows.length) throw new Error('COMMAND_TABLE: an opcode is listed twice');

/**
 * Firmware command builders: the core's toolbox for common commands.
 *
 * Each builder fills a command's inbox from its layout, runs it through a
 * `CommandExecutor` (the queue, or a driver's handle on it) and decodes the
 * answer. Drivers may use, extend or ignore them; core uses them for its
 * own boot and teardown. Nothing here keeps state.
 */

import {
  AccessRegisterIn,
  AccessRegisterOut,
  type CmdHcaCap,
  CmdOut,
  type Decoded,
  EnableHcaIn,
  type Fields,
  HCA_CAP_UNION_BYTES,
  hcaCapOpMod,
  InitHcaIn,
  type Layout,
  ManagePagesIn,
  ManagePagesOpMod,
  ManagePagesOut,
  NopIn,
  NopOut,
  Op,
  PAGE_ADDRESS_BYTES,
  QueryAdapterIn,
  QueryAdapterOut,
  QueryAdapterParamBlock,
  QueryHcaCapIn,
  QueryHcaCapOut,
  QueryIssiIn,
  QueryIssiOut,
  QueryPagesIn,
  QueryPagesOut,
  REGISTER_DATA_OFFSET,
  SetHcaCapIn,
  SetHcaCapOut,
  SetIssiIn,
  TeardownHcaIn,
  TeardownHcaOut,
  TeardownProfile,
} from '@auxctl/prm';
import type { CmdOptions } from '../cmdq/command-queue.js';

/** CommandExecutor: anything that runs a firmware command (a queue or a handle on one). */
export interface CommandExecutor {
  cmdExec(inbox: Buffer, outLen: number, opts?: CmdOptions): Promise<Buffer>;
}

/**
 * buildInbox: an inbox of `layout` with `opcode` and `values` set, plus
 * `extra` zero bytes of variable-length payload after the layout.
 */
export function buildInbox<F extends Fields>(
  layout: Layout<F>,
  opcode: number,
  values: Partial<Decoded<F>> = {},
  extra = 0,
): Buffer {
  const buf = Buffer.alloc(layout.bytes + extra);
  buf.writeUInt16BE(opcode, 0);
  layout.write(buf, values);
  return buf;
}

/** GeneralCaps: decoded general device capabilities (cmd_hca_cap). */
export type GeneralCaps = ReturnType<typeof CmdHcaCap.decode>;

/** enableHca: ENABLE_HCA for this function. */
export async function enableHca(cmd: CommandExecutor): Promise<void> {
  await cmd.cmdExec(buildInbox(EnableHcaIn, Op.ENABLE_HCA), CmdOut.bytes);
}

/** disableHca: DISABLE_HCA for this function. */
export async function disableHca(cmd: CommandExecutor): Promise<void> {
  await cmd.cmdExec(buildInbox(EnableHcaIn, Op.DISABLE_HCA), CmdOut.bytes);
}

/** queryIssi: the current ISSI and the supported-ISSI bit mask (first dword). */
export async function queryIssi(
  cmd: CommandExecutor,
): Promise<{ current: number; supported: number }> {
  const out = await cmd.cmdExec(buildInbox(QueryIssiIn, Op.QUERY_ISSI), QueryIssiOut.bytes);
  return {
    current: QueryIssiOut.get(out, 'current_issi'),
    supported: QueryIssiOut.get(out, 'supported_issi_dw0'),
  };
}

/** setIssi: SET_ISSI to `issi`. */
export async function setIssi(cmd: CommandExecutor, issi: number): Promise<void> {
  await cmd.cmdExec(buildInbox(SetIssiIn, Op.SET_ISSI, { current_issi: issi }), CmdOut.bytes);
}

/** queryPages: how many pages firmware wants for `stage` (1 boot, 2 init, 3 regular). */
export async function queryPages(cmd: CommandExecutor, stage: number): Promise<number> {
  const out = await cmd.cmdExec(
    buildInbox(QueryPagesIn, Op.QUERY_PAGES, { op_mod: stage }),
    QueryPagesOut.bytes,
  );
  return QueryPagesOut.get(out, 'num_pages') | 0;
}

/** givePages: MANAGE_PAGES handing `addrs` (host page bus addresses) to firmware. */
export async function givePages(cmd: CommandExecutor, addrs: readonly bigint[]): Promise<void> {
  const inbox = buildInbox(
    ManagePagesIn,
    Op.MANAGE_PAGES,
    { op_mod: ManagePagesOpMod.ALLOCATION_SUCCESS, input_num_entries: addrs.length },
    addrs.length * PAGE_ADDRESS_BYTES,
  );
  addrs.forEach((a, i) => {
    inbox.writeBigUInt64BE(a, ManagePagesIn.bytes + i * PAGE_ADDRESS_BYTES);
  });
  await cmd.cmdExec(inbox, ManagePagesOut.bytes);
}

/** reclaimPages: MANAGE_PAGES asking firmware to return up to `n` pages; the addresses returned. */
export async function reclaimPages(cmd: CommandExecutor, n: number): Promise<bigint[]> {
  const out = await cmd.cmdExec(
    buildInbox(ManagePagesIn, Op.MANAGE_PAGES, {
      op_mod: ManagePagesOpMod.HCA_RETURN_PAGES,
      input_num_entries: n,
    }),
    ManagePagesOut.bytes + n * PAGE_ADDRESS_BYTES,
  );
  const k = ManagePagesOut.get(out, 'output_num_entries');
  return Array.from({ length: k }, (_, i) =>
    out.readBigUInt64BE(ManagePagesOut.bytes + i * PAGE_ADDRESS_BYTES),
  );
}

/**
 * queryHcaCap: the raw capability block (4 KiB) of `capType`, current or
 * maximum values; of another function (`other_function`, e.g. VF n is
 * function n + 1) when `functionId` is given.
 */
export async function queryHcaCap(
  cmd: CommandExecutor,
  capType: number,
  current: boolean,
  functionId?: number,
): Promise<Buffer> {
  const out = await cmd.cmdExec(
    buildInbox(QueryHcaCapIn, Op.QUERY_HCA_CAP, {
      op_mod: hcaCapOpMod(capType, current),
      ...(functionId !== undefined && { other_function: 1, function_id: functionId }),
    }),
    QueryHcaCapOut.bytes,
  );
  return Buffer.from(QueryHcaCapOut.view(out, 'capability'));
}

/** setHcaCap: SET_HCA_CAP with the capability block `cap` for `capType`. */
export async function setHcaCap(cmd: CommandExecutor, capType: number, cap: Buffer): Promise<void> {
  const inbox = buildInbox(SetHcaCapIn, Op.SET_HCA_CAP, { op_mod: capType << 1 });
  cap.copy(SetHcaCapIn.view(inbox, 'capability'), 0, 0, HCA_CAP_UNION_BYTES);
  await cmd.cmdExec(inbox, SetHcaCapOut.bytes);
}

/** initHca: INIT_HCA. */
export async function initHca(cmd: CommandExecutor): Promise<void> {
  await cmd.cmdExec(buildInbox(InitHcaIn, Op.INIT_HCA), CmdOut.bytes);
}

/** teardownHca: TEARDOWN_HCA with the graceful-close profile. */
export async function teardownHca(cmd: CommandExecutor, force = false): Promise<void> {
  const profile = force ? TeardownProfile.FORCE_CLOSE : TeardownProfile.GRACEFUL_CLOSE;
  await cmd.cmdExec(buildInbox(TeardownHcaIn, Op.TEARDOWN_HCA, { profile }), TeardownHcaOut.bytes);
}

/** nop: NOP, the cheapest round trip through firmware. */
export async function nop(cmd: CommandExecutor): Promise<void> {
  await cmd.cmdExec(buildInbox(NopIn, Op.NOP), NopOut.bytes);
}

/** AdapterInfo: what QUERY_ADAPTER tells about the board. */
export interface AdapterInfo {
  readonly ieeeVendorId: number;
  readonly vsdVendorId: number;
  readonly psid: string;
}

/** queryAdapter: QUERY_ADAPTER, decoded. */
export async function queryAdapter(cmd: CommandExecutor): Promise<AdapterInfo> {
  const out = await cmd.cmdExec(
    buildInbox(QueryAdapterIn, Op.QUERY_ADAPTER),
    QueryAdapterOut.bytes,
  );
  const block = QueryAdapterOut.view(out, 'query_adapter_struct');
  const d = QueryAdapterParamBlock.decode(block);
  return {
    ieeeVendorId: d.ieee_vendor_id,
    vsdVendorId: d.vsd_vendor_id,
    psid: d.vsd_contd_psid.toString('latin1').replace(/\0+$/, ''),
  };
}

/**
 * accessRegister: ACCESS_REG on register `registerId` (`opMod` 0 write, 1
 * read) with `data` as the register's bytes; returns the register's bytes
 * from the outbox (`outBytes` long, default the length of `data`).
 */
export async function accessRegister(
  cmd: CommandExecutor,
  registerId: number,
  opMod: number,
  data: Buffer,
  opts: { argument?: number; outBytes?: number; uid?: number } = {},
): Promise<Buffer> {
  const inbox = buildInbox(
    AccessRegisterIn,
    Op.ACCESS_REG,
    { register_id: registerId, op_mod: opMod, argument: opts.argument ?? 0, uid: opts.uid ?? 0 },
    data.length,
  );
  data.copy(inbox, REGISTER_DATA_OFFSET);
  const out = await cmd.cmdExec(inbox, AccessRegisterOut.bytes + (opts.outBytes ?? data.length));
  return out.subarray(REGISTER_DATA_OFFSET);
}

/**
 * Boot and shutdown commands: ENABLE_HCA, QUERY_ISSI / SET_ISSI, QUERY_PAGES
 * / MANAGE_PAGES, INIT_HCA, TEARDOWN_HCA, DISABLE_HCA.
 *
 * The order mlx5 follows, and the states the table enforces:
 *   disabled --ENABLE_HCA--> enabled (ISSI, pages, caps, registers)
 *   enabled --INIT_HCA--> initialized --TEARDOWN_HCA--> enabled
 *   enabled --DISABLE_HCA--> disabled
 * All of these belong to the kernel driver (uid 0). Only this function is
 * modelled: a non-zero function_id or embedded_cpu_function is BAD_PARAM.
 *
 * Owns: the handlers. Never: state outside FwContext.
 */
import {
  CmdOut,
  CmdStatus,
  EnableHcaIn,
  EnableHcaOut,
  InitHcaIn,
  ManagePagesIn,
  ManagePagesOpMod,
  ManagePagesOut,
  Op,
  PAGE_ADDRESS_BYTES,
  QueryIssiIn,
  QueryIssiOut,
  QueryPagesIn,
  QueryPagesOut,
  SetIssiIn,
  Syndrome,
  TeardownHcaIn,
  TeardownHcaOut,
  TeardownProfile,
} from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import {
  BEFORE_INIT,
  type CommandCall,
  type CommandSpec,
  ENABLED,
  type FwContext,
  INITIALIZED,
} from './command.js';

/** SUPPORTED_ISSI: ISSI 0 and 1 (bit n = ISSI n). */
export const SUPPORTED_ISSI = 0x3;

const badField = (msg: string) => new FwError(CmdStatus.BAD_PARAM, Syndrome.BAD_FIELD, msg);

function ownFunction(inbox: Buffer): void {
  // enable_hca_in, disable_hca_in, query_pages_in and manage_pages_in share these offsets.
  if (EnableHcaIn.get(inbox, 'embedded_cpu_function') || EnableHcaIn.get(inbox, 'function_id')) {
    throw badField('only this function (function_id 0, embedded_cpu_function 0) is modelled');
  }
}

function managePages(fw: FwContext, { inbox, outbox, opMod }: CommandCall): void {
  ownFunction(inbox);
  const n = ManagePagesIn.get(inbox, 'input_num_entries');
  if (opMod === ManagePagesOpMod.ALLOCATION_SUCCESS) {
    if (inbox.length < ManagePagesIn.bytes + n * PAGE_ADDRESS_BYTES) {
      throw new FwError(
        CmdStatus.BAD_INP_LEN,
        Syndrome.SHORT_INBOX,
        `inbox too short for ${n} page addresses`,
      );
    }
    const addrs = Array.from({ length: n }, (_, i) =>
      inbox.readBigUInt64BE(ManagePagesIn.bytes + i * PAGE_ADDRESS_BYTES),
    );
    fw.pages.give(addrs);
  } else if (opMod === ManagePagesOpMod.HCA_RETURN_PAGES) {
    const room = Math.floor((outbox.length - ManagePagesOut.bytes) / PAGE_ADDRESS_BYTES);
    const back = fw.pages.take(Math.min(n, room));
    ManagePagesOut.set(outbox, 'output_num_entries', back.length);
    back.forEach((a, i) => {
      outbox.writeBigUInt64BE(a, ManagePagesOut.bytes + i * PAGE_ADDRESS_BYTES);
    });
  }
  // ALLOCATION_FAIL: the driver could not provide pages; nothing to record.
}

/** bootCommands: see the module header. */
export const bootCommands: readonly CommandSpec[] = [
  {
    opcode: Op.ENABLE_HCA,
    in: EnableHcaIn,
    out: EnableHcaOut,
    opMods: [0],
    states: ['disabled'],
    access: 'kernel',
    run: (fw, { inbox }) => {
      ownFunction(inbox);
      fw.hca.state = 'enabled';
    },
  },
  {
    opcode: Op.DISABLE_HCA,
    in: EnableHcaIn,
    out: EnableHcaOut,
    opMods: [0],
    states: BEFORE_INIT,
    access: 'kernel',
    run: (fw, { inbox }) => {
      ownFunction(inbox);
      fw.teardown();
      fw.caps.reset();
      fw.pages.clear();
      fw.hca.issi = 0;
      fw.hca.state = 'disabled';
    },
  },
  {
    opcode: Op.QUERY_ISSI,
    in: QueryIssiIn,
    out: QueryIssiOut,
    opMods: [0],
    states: ENABLED,
    access: 'any',
    run: (fw, { outbox }) => {
      QueryIssiOut.set(outbox, 'current_issi', fw.hca.issi);
      QueryIssiOut.set(outbox, 'supported_issi_dw0', SUPPORTED_ISSI);
    },
  },
  {
    opcode: Op.SET_ISSI,
    in: SetIssiIn,
    out: CmdOut,
    opMods: [0],
    states: BEFORE_INIT,
    access: 'kernel',
    run: (fw, { inbox }) => {
      const issi = SetIssiIn.get(inbox, 'current_issi');
      if (issi > 31 || ((SUPPORTED_ISSI >>> issi) & 1) === 0) {
        throw badField(`ISSI ${issi} not supported (mask 0x${SUPPORTED_ISSI.toString(16)})`);
      }
      fw.hca.issi = issi;
    },
  },
  {
    opcode: Op.QUERY_PAGES,
    in: QueryPagesIn,
    out: QueryPagesOut,
    opMods: [1, 2, 3],
    states: ENABLED,
    access: 'kernel',
    run: (fw, { inbox, outbox, opMod }) => {
      ownFunction(inbox);
      QueryPagesOut.set(outbox, 'num_pages', fw.pages.needed(opMod));
    },
  },
  {
    opcode: Op.MANAGE_PAGES,
    in: ManagePagesIn,
    out: ManagePagesOut,
    opMods: [0, 1, 2],
    states: ENABLED,
    access: 'kernel',
    run: managePages,
  },
  {
    opcode: Op.INIT_HCA,
    in: InitHcaIn,
    out: CmdOut,
    opMods: [0],
    states: BEFORE_INIT,
    access: 'kernel',
    run: (fw) => {
      fw.hca.state = 'initialized';
    },
  },
  {
    opcode: Op.TEARDOWN_HCA,
    in: TeardownHcaIn,
    out: TeardownHcaOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'kernel',
    run: (fw, { inbox, outbox }) => {
      const profile = TeardownHcaIn.get(inbox, 'profile');
      const fast =
        profile === TeardownProfile.PREPARE_FAST_TEARDOWN && fw.caps.get('fast_teardown');
      if (profile > TeardownProfile.FORCE_CLOSE && !fast) {
        throw badField(`teardown profile ${profile} not supported`);
      }
      fw.teardown();
      fw.hca.state = 'enabled';
      TeardownHcaOut.set(outbox, 'state', 0);
    },
  },
];

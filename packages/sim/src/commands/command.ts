/**
 * Command specs: how each firmware command is described to the dispatcher.
 *
 * A command family file (boot.ts, caps.ts, uctx.ts, ...) exports an array of
 * `CommandSpec`: the opcode, the inbox/outbox layouts whose sizes are the
 * minimum lengths, the op_mods it accepts, the HCA states it runs in, which
 * uids may send it, and the handler. The dispatcher checks all of that before
 * the handler runs, so a handler sees a well-formed call and fails only by
 * throwing FwError.
 *
 * Owns: the types shared by handlers and the dispatcher. Never: state.
 */
import type { DeviceIdentity, DmaSpace } from '@auxctl/prm';
import type { Datapath } from '../datapath/datapath.js';
import type { DiagCounters } from '../diag-counters.js';
import type { HcaCaps } from '../hca-caps.js';
import type { ObjectTable } from '../object-table.js';
import type { PageLedger } from '../page-ledger.js';
import type { SubFunctions } from '../sub-functions.js';
import type { VirtualFunctions } from '../virtual-functions.js';

/**
 * HcaState: the function's lifecycle. `disabled` until ENABLE_HCA,
 * `enabled` while the driver negotiates ISSI, pages and capabilities,
 * `initialized` after INIT_HCA (TEARDOWN_HCA returns to `enabled`,
 * DISABLE_HCA to `disabled`).
 */
export type HcaState = 'disabled' | 'enabled' | 'initialized';

/** State sets the command table uses. */
export const ALWAYS: readonly HcaState[] = ['disabled', 'enabled', 'initialized'];
export const ENABLED: readonly HcaState[] = ['enabled', 'initialized'];
export const BEFORE_INIT: readonly HcaState[] = ['enabled'];
export const INITIALIZED: readonly HcaState[] = ['initialized'];

/**
 * UidAccess: who may send a command. `kernel`: uid 0 only; `any`: any live
 * uid; `{ cap }`: uid 0, or a uid whose uctx has capability bit(s) `cap`.
 */
export type UidAccess = 'kernel' | 'any' | { readonly cap: number };

/** CommandCall: one decoded call; `outbox` is exactly the caller's outLen bytes. */
export interface CommandCall {
  readonly inbox: Buffer;
  readonly outbox: Buffer;
  readonly uid: number;
  readonly opMod: number;
}

/** FwContext: what handlers may read and change. */
export interface FwContext {
  readonly identity: DeviceIdentity;
  readonly dma: DmaSpace;
  readonly caps: HcaCaps;
  readonly objects: ObjectTable;
  readonly pages: PageLedger;
  readonly diag: DiagCounters;
  readonly hca: { state: HcaState; issi: number };
  /** Commands dispatched since firmware start (drives diagnostic counters). */
  readonly commands: number;
  now(): number;
  /** accessRegister: ACCESS_REG through the register file; throws FwError. */
  accessRegister(uid: number, inbox: Buffer, outbox: Buffer): void;
  /** teardown: free every object and stop diagnostic sampling (TEARDOWN_HCA). */
  teardown(): void;
  /** datapath: queues, ports and the vport. */
  readonly datapath: Datapath;
  /** functions: (optional) the sub-functions this function hosts. */
  readonly functions?: SubFunctions;
  /** vfs: (optional) the SR-IOV virtual functions this function hosts. */
  readonly vfs?: VirtualFunctions;
}

/** CommandSpec: one row of the dispatch table. */
export interface CommandSpec {
  readonly opcode: number;
  /** Inbox / outbox layouts: their sizes are the minimum lengths. */
  readonly in: { readonly name: string; readonly bytes: number };
  readonly out: { readonly name: string; readonly bytes: number };
  readonly opMods: readonly number[];
  readonly states: readonly HcaState[];
  readonly access: UidAccess;
  /**
   * A read-only query of one object: a uid with TOOLS_RESOURCES may name
   * the kernel's (uid 0) objects as well as its own (the tools context
   * mlx5ctl's `obj` dumps kernel objects with); never another context's.
   */
  readonly toolsQuery?: true;
  readonly run: (fw: FwContext, call: CommandCall) => void;
}

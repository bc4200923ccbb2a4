/**
 * The VHCA migration commands as the PF sends them for one of its VFs
 * (mlx5_vfio_pci's cmd.c): each builds its inbox from the prm layout,
 * aims it at the VF's `vhca_id`, runs it on the PF's command interface
 * and decodes the answer. Firmware failures come back as core's
 * errno-coded errors (cmdExec).
 *
 * Owns: nothing; stateless.
 */
import { buildInbox, type CommandExecutor } from '@auxctl/core';
import {
  LoadVhcaStateIn,
  Op,
  QueryVhcaMigrationStateIn,
  QueryVhcaMigrationStateOut,
  SaveVhcaStateIn,
  SaveVhcaStateOut,
  VhcaIn,
  VhcaOut,
} from '@auxctl/prm';

/** VhcaImageTarget: where an image goes or comes from: `size` bytes at bus address `va`, through `mkey`. */
export interface VhcaImageTarget {
  readonly va: bigint;
  readonly mkey: number;
  readonly size: number;
}

/** suspendVhca: SUSPEND_VHCA of `vhcaId` (op_mod INITIATOR or RESPONDER). */
export function suspendVhca(cmd: CommandExecutor, vhcaId: number, opMod: number): Promise<void> {
  return vhcaCommand(cmd, Op.SUSPEND_VHCA, vhcaId, opMod);
}

/** resumeVhca: RESUME_VHCA of `vhcaId` (op_mod RESPONDER or INITIATOR, numbered the other way). */
export function resumeVhca(cmd: CommandExecutor, vhcaId: number, opMod: number): Promise<void> {
  return vhcaCommand(cmd, Op.RESUME_VHCA, vhcaId, opMod);
}

async function vhcaCommand(
  cmd: CommandExecutor,
  opcode: number,
  vhcaId: number,
  opMod: number,
): Promise<void> {
  await cmd.cmdExec(buildInbox(VhcaIn, opcode, { op_mod: opMod, vhca_id: vhcaId }), VhcaOut.bytes);
}

/** MigrationStateSize: QUERY_VHCA_MIGRATION_STATE's answer. */
export interface MigrationStateSize {
  /** Bytes the next SAVE needs. */
  readonly required: number;
  /** What is left to save in all (chunk mode). */
  readonly remaining: bigint;
}

/** queryVhcaMigrationState: the size of the next (full or `incremental`) image of `vhcaId`. */
export async function queryVhcaMigrationState(
  cmd: CommandExecutor,
  vhcaId: number,
  incremental: boolean,
): Promise<MigrationStateSize> {
  const out = await cmd.cmdExec(
    buildInbox(QueryVhcaMigrationStateIn, Op.QUERY_VHCA_MIGRATION_STATE, {
      vhca_id: vhcaId,
      incremental: incremental ? 1 : 0,
    }),
    QueryVhcaMigrationStateOut.bytes,
  );
  return {
    required: QueryVhcaMigrationStateOut.get(out, 'required_umem_size'),
    remaining: QueryVhcaMigrationStateOut.get64(out, 'remaining_total_size'),
  };
}

/** saveVhcaState: SAVE_VHCA_STATE of `vhcaId` into `to`; the image's actual size. */
export async function saveVhcaState(
  cmd: CommandExecutor,
  vhcaId: number,
  to: VhcaImageTarget,
  opts: { readonly incremental?: boolean; readonly track?: boolean } = {},
): Promise<number> {
  const out = await cmd.cmdExec(
    buildInbox(SaveVhcaStateIn, Op.SAVE_VHCA_STATE, {
      vhca_id: vhcaId,
      incremental: opts.incremental ? 1 : 0,
      set_track: opts.track ? 1 : 0,
      va: to.va,
      mkey: to.mkey,
      size: to.size,
    }),
    SaveVhcaStateOut.bytes,
  );
  return SaveVhcaStateOut.get(out, 'actual_image_size');
}

/** loadVhcaState: LOAD_VHCA_STATE of the image at `from` into `vhcaId`. */
export async function loadVhcaState(
  cmd: CommandExecutor,
  vhcaId: number,
  from: VhcaImageTarget,
): Promise<void> {
  await cmd.cmdExec(
    buildInbox(LoadVhcaStateIn, Op.LOAD_VHCA_STATE, {
      vhca_id: vhcaId,
      va: from.va,
      mkey: from.mkey,
      size: from.size,
    }),
    VhcaOut.bytes,
  );
}

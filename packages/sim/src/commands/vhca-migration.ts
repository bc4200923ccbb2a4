/**
 * VHCA migration commands, sent by a PF's driver (mlx5_vfio_pci) for one
 * of its VFs named by `vhca_id` (VF n: n + 1): SUSPEND_VHCA (0x115),
 * RESUME_VHCA (0x116), QUERY_VHCA_MIGRATION_STATE (0x117),
 * SAVE_VHCA_STATE (0x118), LOAD_VHCA_STATE (0x119).
 *
 * Every one is for uid 0 of an initialized function, and checks, in order:
 *   the sender is a vhca_resource_manager   BAD_PARAM MIG_NOT_MANAGER
 *   vhca_id names an enabled VF             BAD_PARAM MIG_VHCA_UNKNOWN
 *   the VF is migratable                    BAD_PARAM MIG_NOT_MIGRATABLE
 * then the VF's VhcaMigration rules (migration/vhca-migration.ts).
 *
 * SAVE writes the image into `size` bytes at `va` through `mkey`, a key
 * of the PF (its MTT or PA translation, as the device writes any host
 * memory; the key needs local write): BAD_PARAM MIG_BUF_TOO_SMALL when
 * the image is larger than `size` (nothing written, the stream
 * unchanged). It answers `actual_image_size` and, while tracking,
 * `next_required_umem_size` (what an incremental SAVE would need now).
 * QUERY answers `required_umem_size` for a full image (or an incremental
 * one with `incremental`) and `remaining_total_size` the same: the model
 * saves in one chunk. LOAD reads `size` bytes the same way and loads them
 * (the image must be exactly `size` bytes).
 *
 * Owns: the handlers. Never: the migration state (the VF's VhcaMigration).
 */
import {
  CmdStatus,
  LoadVhcaStateIn,
  Op,
  QueryVhcaMigrationStateIn,
  QueryVhcaMigrationStateOut,
  ResumeVhcaOpMod,
  SaveVhcaStateIn,
  SaveVhcaStateOut,
  SuspendVhcaOpMod,
  Syndrome,
  VhcaIn,
  VhcaOut,
} from '@auxctl/prm';
import { gather } from '../datapath/key-access.js';
import type { Firmware } from '../firmware.js';
import { FwError } from '../fw-error.js';
import { lookupMkey, mkeyViews, scatter } from '../memory-translation.js';
import { type CommandSpec, type FwContext, INITIALIZED } from './command.js';

/** migratableVf: the VF `vhca_id` names, after the checks of the module header. */
function migratableVf(fw: FwContext, inbox: Buffer): Firmware {
  if (fw.caps.get('vhca_resource_manager') !== 1) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.MIG_NOT_MANAGER,
      'only a vhca_resource_manager (a PF hosting VFs) migrates functions',
    );
  }
  // vhca_id sits at the same offset in every inbox of the family.
  const vhcaId = VhcaIn.get(inbox, 'vhca_id');
  const vf = fw.vfs?.get(vhcaId)?.firmware;
  if (!vf) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.MIG_VHCA_UNKNOWN,
      `vhca_id ${vhcaId} is not an enabled VF of this function`,
    );
  }
  if (vf.capability2('migratable') !== 1) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.MIG_NOT_MIGRATABLE,
      `VF vhca_id ${vhcaId} is not migratable; set its port function migratable first`,
    );
  }
  return vf;
}

/** bufferViews: `size` bytes at `va` through the PF's `mkey` (a SAVE's writes are logged). */
function bufferViews(
  fw: FwContext,
  uid: number,
  f: { mkey: number; va: bigint; size: number },
  write: boolean,
): Buffer[] {
  const { mkey, va, size } = f;
  const key = lookupMkey(fw.objects, mkey, uid).data;
  const offset = va - key.startAddr;
  if (offset < 0n || offset > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.MEM_OUT_OF_RANGE,
      `va 0x${va.toString(16)} outside the mkey`,
    );
  }
  return mkeyViews(fw.dma, key, Number(offset), size, write ? fw.datapath.host.dirty : undefined);
}

const vhcaRow = (
  opcode: number,
  opMods: readonly number[],
  run: CommandSpec['run'],
): CommandSpec => ({
  opcode,
  in: VhcaIn,
  out: VhcaOut,
  opMods,
  states: INITIALIZED,
  access: 'kernel',
  run,
});

/** vhcaMigrationCommands: see the module header. */
export const vhcaMigrationCommands: readonly CommandSpec[] = [
  vhcaRow(Op.SUSPEND_VHCA, [SuspendVhcaOpMod.INITIATOR, SuspendVhcaOpMod.RESPONDER], (fw, c) => {
    const vf = migratableVf(fw, c.inbox);
    vf.migration.suspend(vf.migrationParts, c.opMod);
  }),
  vhcaRow(Op.RESUME_VHCA, [ResumeVhcaOpMod.RESPONDER, ResumeVhcaOpMod.INITIATOR], (fw, c) => {
    const vf = migratableVf(fw, c.inbox);
    vf.migration.resume(vf.migrationParts, c.opMod);
  }),
  {
    opcode: Op.QUERY_VHCA_MIGRATION_STATE,
    in: QueryVhcaMigrationStateIn,
    out: QueryVhcaMigrationStateOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'kernel',
    run: (fw, { inbox, outbox }) => {
      const vf = migratableVf(fw, inbox);
      const incremental = QueryVhcaMigrationStateIn.get(inbox, 'incremental') === 1;
      const { image } = vf.migration.plan(vf.migrationParts, { incremental, track: true });
      QueryVhcaMigrationStateOut.set(outbox, 'required_umem_size', image.length);
      QueryVhcaMigrationStateOut.set64(outbox, 'remaining_total_size', BigInt(image.length));
    },
  },
  {
    opcode: Op.SAVE_VHCA_STATE,
    in: SaveVhcaStateIn,
    out: SaveVhcaStateOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'kernel',
    run: (fw, { inbox, outbox, uid }) => {
      const vf = migratableVf(fw, inbox);
      const f = SaveVhcaStateIn.decode(inbox);
      const plan = vf.migration.plan(vf.migrationParts, {
        incremental: f.incremental === 1,
        track: f.set_track === 1,
      });
      if (plan.image.length > f.size) {
        throw new FwError(
          CmdStatus.BAD_PARAM,
          Syndrome.MIG_BUF_TOO_SMALL,
          `the image is ${plan.image.length} bytes; the buffer has ${f.size}`,
        );
      }
      scatter(bufferViews(fw, uid, { ...f, size: plan.image.length }, true), plan.image);
      plan.commit();
      SaveVhcaStateOut.set(outbox, 'actual_image_size', plan.image.length);
      const next = vf.migration.tracks
        ? vf.migration.plan(vf.migrationParts, { incremental: true, track: true }).image.length
        : 0;
      SaveVhcaStateOut.set(outbox, 'next_required_umem_size', next);
    },
  },
  {
    opcode: Op.LOAD_VHCA_STATE,
    in: LoadVhcaStateIn,
    out: VhcaOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'kernel',
    run: (fw, { inbox, uid }) => {
      const vf = migratableVf(fw, inbox);
      const f = LoadVhcaStateIn.decode(inbox);
      const bytes = Buffer.alloc(f.size);
      gather(bufferViews(fw, uid, f, false), bytes, 0);
      vf.migration.load(vf.migrationParts, bytes);
    },
  },
];

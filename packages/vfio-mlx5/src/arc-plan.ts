/**
 * What mlx5's variant driver does on each arc of the migration state
 * machine (mlx5_vfio_pci's step function), as data: the firmware commands
 * the PF sends for the VF's vhca_id, in order, with their op_mods and
 * flags, and what the arc does to the data stream.
 *
 *   RUNNING -> RUNNING_P2P, PRE_COPY -> PRE_COPY_P2P   SUSPEND_VHCA (INITIATOR)
 *   RUNNING_P2P -> STOP                                SUSPEND_VHCA (RESPONDER)
 *   STOP -> RUNNING_P2P                                RESUME_VHCA (RESPONDER)
 *   RUNNING_P2P -> RUNNING, PRE_COPY_P2P -> PRE_COPY   RESUME_VHCA (INITIATOR)
 *   STOP -> STOP_COPY                                  QUERY + SAVE; opens the save stream
 *   RUNNING -> PRE_COPY, RUNNING_P2P -> PRE_COPY_P2P   QUERY + SAVE (set_track); opens it
 *   PRE_COPY_P2P -> STOP_COPY                          SUSPEND (RESPONDER), then
 *                                                      QUERY + SAVE (incremental); keeps it
 *   PRE_COPY -> RUNNING, PRE_COPY_P2P -> RUNNING_P2P   QUERY + SAVE (incremental, the
 *                                                      pre-copy's last); closes it
 *   STOP_COPY -> STOP                                  closes the save stream
 *   STOP -> RESUMING                                   opens the resume stream
 *   RESUMING -> STOP                                   LOAD_VHCA_STATE of what was
 *                                                      written; closes it
 *   PRE_COPY <-> PRE_COPY_P2P keep the stream open (the P2P step only).
 * Any other arc is EINVAL (mlx5 warns): the driver advertises STOP_COPY,
 * P2P and PRE_COPY, so vfio core never asks for one.
 *
 * Owns: the table. Never: sending (the driver's), or the order of arcs
 * (vfio's `migPath`).
 */
import { AuxError, Op, ResumeVhcaOpMod, SuspendVhcaOpMod } from '@auxctl/prm';
import { ALL_MIG_FLAGS, type MigArc, MigState, migStateName } from '@auxctl/vfio';

/** FwStep: one firmware command of an arc. */
export interface FwStep {
  readonly opcode: number;
  readonly opMod: number;
  /** QUERY / SAVE of what changed since the last save (pre-copy). */
  readonly incremental?: true;
  /** SAVE that starts dirty tracking (the first pre-copy image). */
  readonly track?: true;
}

/** StreamEffect: what the arc does to the migration data stream. */
export type StreamEffect = 'open-save' | 'open-resume' | 'keep' | 'close' | 'none';

/** ArcPlan: an arc's firmware commands and stream effect. */
export interface ArcPlan {
  readonly steps: readonly FwStep[];
  readonly stream: StreamEffect;
}

/** MLX5_MIG_FLAGS: what mlx5_vfio_pci advertises (STOP_COPY | P2P | PRE_COPY). */
export const MLX5_MIG_FLAGS = ALL_MIG_FLAGS;

const suspend = (opMod: number): FwStep => ({ opcode: Op.SUSPEND_VHCA, opMod });
const resume = (opMod: number): FwStep => ({ opcode: Op.RESUME_VHCA, opMod });
const query = (incremental = false): FwStep => ({
  opcode: Op.QUERY_VHCA_MIGRATION_STATE,
  opMod: 0,
  ...(incremental && { incremental: true as const }),
});
const save = (o: { incremental?: true; track?: true } = {}): FwStep => ({
  opcode: Op.SAVE_VHCA_STATE,
  opMod: 0,
  ...o,
});
const LOAD: FwStep = { opcode: Op.LOAD_VHCA_STATE, opMod: 0 };

const { STOP, RUNNING, STOP_COPY, RESUMING, RUNNING_P2P, PRE_COPY, PRE_COPY_P2P } = MigState;
const key = (from: number, to: number) => `${from}>${to}`;

const PLANS: ReadonlyMap<string, ArcPlan> = new Map<string, ArcPlan>([
  [key(RUNNING, RUNNING_P2P), { steps: [suspend(SuspendVhcaOpMod.INITIATOR)], stream: 'none' }],
  [key(PRE_COPY, PRE_COPY_P2P), { steps: [suspend(SuspendVhcaOpMod.INITIATOR)], stream: 'keep' }],
  [key(RUNNING_P2P, STOP), { steps: [suspend(SuspendVhcaOpMod.RESPONDER)], stream: 'none' }],
  [key(STOP, RUNNING_P2P), { steps: [resume(ResumeVhcaOpMod.RESPONDER)], stream: 'none' }],
  [key(RUNNING_P2P, RUNNING), { steps: [resume(ResumeVhcaOpMod.INITIATOR)], stream: 'none' }],
  [key(PRE_COPY_P2P, PRE_COPY), { steps: [resume(ResumeVhcaOpMod.INITIATOR)], stream: 'keep' }],
  [key(STOP, STOP_COPY), { steps: [query(), save()], stream: 'open-save' }],
  [key(RUNNING, PRE_COPY), { steps: [query(), save({ track: true })], stream: 'open-save' }],
  [
    key(RUNNING_P2P, PRE_COPY_P2P),
    { steps: [query(), save({ track: true })], stream: 'open-save' },
  ],
  [
    key(PRE_COPY_P2P, STOP_COPY),
    {
      steps: [suspend(SuspendVhcaOpMod.RESPONDER), query(true), save({ incremental: true })],
      stream: 'keep',
    },
  ],
  [key(PRE_COPY, RUNNING), { steps: [query(true), save({ incremental: true })], stream: 'close' }],
  [
    key(PRE_COPY_P2P, RUNNING_P2P),
    { steps: [query(true), save({ incremental: true })], stream: 'close' },
  ],
  [key(STOP_COPY, STOP), { steps: [], stream: 'close' }],
  [key(STOP, RESUMING), { steps: [], stream: 'open-resume' }],
  [key(RESUMING, STOP), { steps: [LOAD], stream: 'close' }],
]);

/** arcPlan: mlx5's plan for `arc`; EINVAL for an arc it does not implement. */
export function arcPlan(arc: MigArc): ArcPlan {
  const plan = PLANS.get(key(arc.from, arc.to));
  if (!plan) {
    throw new AuxError(
      'EINVAL',
      `mlx5 implements no arc ${migStateName(arc.from)} -> ${migStateName(arc.to)}`,
    );
  }
  return plan;
}

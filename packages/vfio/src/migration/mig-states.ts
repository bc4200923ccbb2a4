/**
 * The vfio migration v2 device states and migration flags (uapi
 * `enum vfio_device_mig_state`, `VFIO_MIGRATION_*`), and which flags a
 * device must advertise for each state to exist on it.
 *
 *   state          value  needs
 *   ERROR            0    (never requested; only entered on failure)
 *   STOP             1    STOP_COPY
 *   RUNNING          2    STOP_COPY
 *   STOP_COPY        3    STOP_COPY
 *   RESUMING         4    STOP_COPY
 *   RUNNING_P2P      5    STOP_COPY | P2P
 *   PRE_COPY         6    STOP_COPY | PRE_COPY
 *   PRE_COPY_P2P     7    STOP_COPY | P2P | PRE_COPY
 *
 * Owns: the numbering and the per-state requirement. Never: arcs (mig-fsm.ts).
 */

/** MigState: `enum vfio_device_mig_state`. */
export const MigState = {
  ERROR: 0,
  STOP: 1,
  RUNNING: 2,
  STOP_COPY: 3,
  RESUMING: 4,
  RUNNING_P2P: 5,
  PRE_COPY: 6,
  PRE_COPY_P2P: 7,
} as const;

/** MigStateValue: one of MigState's values. */
export type MigStateValue = (typeof MigState)[keyof typeof MigState];

/** MIG_STATES: every state, by value. */
export const MIG_STATES: readonly MigStateValue[] = [0, 1, 2, 3, 4, 5, 6, 7];

/** MigFlag: `VFIO_MIGRATION_*` (struct vfio_device_feature_migration flags). */
export const MigFlag = { STOP_COPY: 1, P2P: 2, PRE_COPY: 4 } as const;

/** ALL_MIG_FLAGS: every flag (what mlx5_vfio_pci advertises). */
export const ALL_MIG_FLAGS = MigFlag.STOP_COPY | MigFlag.P2P | MigFlag.PRE_COPY;

const NAMES = Object.fromEntries(Object.entries(MigState).map(([k, v]) => [v, k])) as Record<
  MigStateValue,
  keyof typeof MigState
>;

/** migStateName: `RUNNING_P2P` for 5; `state <n>` for a value outside the enum. */
export function migStateName(state: number): string {
  return NAMES[state as MigStateValue] ?? `state ${state}`;
}

/** isMigState: whether `v` is one of the eight states. */
export function isMigState(v: unknown): v is MigStateValue {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 7;
}

const NEEDS: Readonly<Record<MigStateValue, number>> = {
  [MigState.ERROR]: 0xffff_ffff,
  [MigState.STOP]: MigFlag.STOP_COPY,
  [MigState.RUNNING]: MigFlag.STOP_COPY,
  [MigState.STOP_COPY]: MigFlag.STOP_COPY,
  [MigState.RESUMING]: MigFlag.STOP_COPY,
  [MigState.RUNNING_P2P]: MigFlag.STOP_COPY | MigFlag.P2P,
  [MigState.PRE_COPY]: MigFlag.STOP_COPY | MigFlag.PRE_COPY,
  [MigState.PRE_COPY_P2P]: MigFlag.STOP_COPY | MigFlag.P2P | MigFlag.PRE_COPY,
};

/** stateSupported: whether a device advertising `flags` has `state` (ERROR: never requestable). */
export function stateSupported(state: MigStateValue, flags: number): boolean {
  const need = NEEDS[state];
  return (need & flags) === need;
}

/**
 * The vfio migration v2 state machine as data: vfio core's next-hop table
 * (`vfio_from_fsm_table`) and the step a device driver takes towards a
 * requested state (`vfio_mig_get_next_state`).
 *
 * TABLE[cur][target] is the next state on the way from `cur` to `target`
 * when the device has every optional state. A device without some of them
 * skips the unsupported hops: the next state is looked up again from the
 * hop towards the same target, until a supported one (or ERROR) comes up.
 * Examples with every flag: RUNNING -> STOP_COPY goes RUNNING_P2P, STOP,
 * STOP_COPY; STOP_COPY -> RUNNING goes STOP, RUNNING_P2P, RUNNING;
 * PRE_COPY -> STOP_COPY goes PRE_COPY_P2P, STOP_COPY. Without P2P,
 * RUNNING -> STOP is one arc.
 *
 * Refused (EINVAL, as the kernel): a current or target state the device's
 * flags do not support (ERROR is never supported, so never a target), and
 * a way that leads to ERROR (STOP_COPY -> PRE_COPY*).
 *
 * `requiredArcs(flags)` lists the single arcs a driver advertising `flags`
 * must implement; every path `migPath` returns is made of them.
 *
 * Owns: the table and the stepping rule. Never: what an arc does on a
 * device (a variant driver's step function).
 */
import { AuxError } from '@auxctl/prm';
import {
  MIG_STATES,
  MigFlag,
  MigState,
  type MigStateValue,
  migStateName,
  stateSupported,
} from './mig-states.js';

const {
  ERROR: ER,
  STOP: ST,
  RUNNING: RU,
  STOP_COPY: SC,
  RESUMING: RE,
  RUNNING_P2P: RP,
  PRE_COPY: PC,
  PRE_COPY_P2P: PP,
} = MigState;

/** TABLE[cur][target]: the next hop; columns in state order ERROR..PRE_COPY_P2P. */
const TABLE: readonly (readonly MigStateValue[])[] = [
  /* from ERROR        */ [ER, ER, ER, ER, ER, ER, ER, ER],
  /* from STOP         */ [ER, ST, RP, SC, RE, RP, RP, RP],
  /* from RUNNING      */ [ER, RP, RU, RP, RP, RP, PC, RP],
  /* from STOP_COPY    */ [ER, ST, ST, SC, ST, ST, ER, ER],
  /* from RESUMING     */ [ER, ST, ST, ST, RE, ST, ST, ST],
  /* from RUNNING_P2P  */ [ER, ST, RU, ST, ST, RP, RU, PP],
  /* from PRE_COPY     */ [ER, RU, RU, PP, RU, RU, PC, PP],
  /* from PRE_COPY_P2P */ [ER, RP, RP, SC, RP, RP, PC, PP],
];

/** MigArc: one step of the device. */
export interface MigArc {
  readonly from: MigStateValue;
  readonly to: MigStateValue;
}

/**
 * nextMigState: the state a device advertising `flags` moves to first on
 * its way from `cur` to `target` (`cur` itself when they are equal);
 * EINVAL when either is unsupported or the way leads to ERROR.
 */
export function nextMigState(
  cur: MigStateValue,
  target: MigStateValue,
  flags: number,
): MigStateValue {
  if (!stateSupported(cur, flags)) {
    throw new AuxError(
      'EINVAL',
      `the device is in ${migStateName(cur)}, which its flags do not have`,
    );
  }
  if (!stateSupported(target, flags)) {
    throw new AuxError('EINVAL', `${migStateName(target)} is not a state this device supports`);
  }
  let next = TABLE[cur]![target]!;
  while (!stateSupported(next, flags)) {
    if (next === ER) break;
    next = TABLE[next]![target]!;
  }
  if (next === ER) {
    throw new AuxError('EINVAL', `no way from ${migStateName(cur)} to ${migStateName(target)}`);
  }
  return next;
}

/** migPath: the arcs from `cur` to `target` (none when equal); EINVAL as nextMigState. */
export function migPath(cur: MigStateValue, target: MigStateValue, flags: number): MigArc[] {
  // Staying put is checked too: ERROR (or a state the device lacks) is never requestable.
  if (cur === target) nextMigState(cur, target, flags);
  const arcs: MigArc[] = [];
  for (let at = cur; at !== target; ) {
    const next = nextMigState(at, target, flags);
    arcs.push({ from: at, to: next });
    at = next;
    if (arcs.length > MIG_STATES.length) throw new Error('the migration table loops');
  }
  return arcs;
}

const arc = (from: MigStateValue, to: MigStateValue): MigArc => ({ from, to });

/** requiredArcs: the arcs a driver advertising `flags` implements (vfio_mig_get_next_state's list). */
export function requiredArcs(flags: number): MigArc[] {
  const p2p = (flags & MigFlag.P2P) !== 0;
  const pre = (flags & MigFlag.PRE_COPY) !== 0;
  const arcs = [arc(RE, ST), arc(ST, RE), arc(ST, SC), arc(SC, ST)];
  if (p2p) arcs.push(arc(RU, RP), arc(RP, RU), arc(RP, ST), arc(ST, RP));
  if (pre && !p2p) arcs.push(arc(RU, PC), arc(PC, RU), arc(PC, SC));
  if (pre && p2p) {
    arcs.push(arc(PC, RU), arc(PC, PP), arc(PP, PC), arc(PP, RP), arc(PP, SC), arc(RU, PC));
    arcs.push(arc(RP, PP));
  }
  // Without P2P, RUNNING and STOP meet directly (the kernel's list says so for
  // "without P2P and precopy"; its table needs the same arcs with precopy too).
  if (!p2p) arcs.push(arc(RU, ST), arc(ST, RU));
  return arcs;
}

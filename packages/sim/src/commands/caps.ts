/**
 * Capability commands: QUERY_HCA_CAP (0x100) and SET_HCA_CAP (0x109).
 *
 * QUERY_HCA_CAP op_mod = cap_type << 1 | (1 = current, 0 = max); a cap_type
 * the device does not report is BAD_PARAM / BAD_OP_MOD. Any uid may query.
 * SET_HCA_CAP belongs to the kernel driver before INIT_HCA and sets general
 * capabilities only (op_mod 0); see `HcaCaps` for what it may change. Other
 * functions (`other_function`) are not modelled.
 *
 * Owns: the handlers only.
 */
import {
  CapType,
  CmdStatus,
  HCA_CAP_UNION_BYTES,
  Op,
  QueryHcaCapIn,
  QueryHcaCapOut,
  SetHcaCapIn,
  SetHcaCapOut,
  Syndrome,
} from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import { BEFORE_INIT, type CommandSpec, ENABLED } from './command.js';

const CAP_TYPES = [
  CapType.GENERAL,
  CapType.ROCE,
  CapType.QOS,
  CapType.DEBUG,
  CapType.VDPA_EMULATION,
];

function ownFunction(inbox: Buffer): void {
  // query_hca_cap_in and set_hca_cap_in share these offsets.
  if (QueryHcaCapIn.get(inbox, 'other_function') || QueryHcaCapIn.get(inbox, 'ec_vf_function')) {
    throw new FwError(CmdStatus.BAD_PARAM, Syndrome.BAD_FIELD, 'other functions are not modelled');
  }
}

/** capsCommands: see the module header. */
export const capsCommands: readonly CommandSpec[] = [
  {
    opcode: Op.QUERY_HCA_CAP,
    in: QueryHcaCapIn,
    out: QueryHcaCapOut,
    opMods: CAP_TYPES.flatMap((t) => [t << 1, (t << 1) | 1]),
    states: ENABLED,
    access: 'any',
    run: (fw, { inbox, outbox, opMod }) => {
      ownFunction(inbox);
      const cap = fw.caps.query(opMod >> 1, (opMod & 1) === 1);
      if (!cap) {
        throw new FwError(
          CmdStatus.BAD_PARAM,
          Syndrome.BAD_OP_MOD,
          `capability type 0x${(opMod >> 1).toString(16)} not reported by this device`,
        );
      }
      cap.copy(QueryHcaCapOut.view(outbox, 'capability'), 0, 0, HCA_CAP_UNION_BYTES);
    },
  },
  {
    opcode: Op.SET_HCA_CAP,
    in: SetHcaCapIn,
    out: SetHcaCapOut,
    opMods: [CapType.GENERAL << 1],
    states: BEFORE_INIT,
    access: 'kernel',
    run: (fw, { inbox }) => {
      ownFunction(inbox);
      fw.caps.setGeneral(SetHcaCapIn.view(inbox, 'capability'));
    },
  },
];

/**
 * Capability commands: QUERY_HCA_CAP (0x100) and SET_HCA_CAP (0x109).
 *
 * QUERY_HCA_CAP op_mod = cap_type << 1 | (1 = current, 0 = max); a cap_type
 * the device does not report is BAD_PARAM / BAD_OP_MOD. Any uid may query.
 * SET_HCA_CAP belongs to the kernel driver before INIT_HCA and sets general
 * capabilities only (op_mod 0); see `HcaCaps` for what it may change.
 *
 * QUERY_HCA_CAP with `other_function` = 1 answers for `function_id`, which
 * must name an enabled SF or VF this function hosts (VF n is function n + 1;
 * else BAD_PARAM / FUNCTION_UNKNOWN): how mlx5_vfio_pci reads a VF's
 * `vhca_id` and GENERAL_2 `migratable` on the PF. `ec_vf_function` and
 * SET_HCA_CAP of another function are not modelled (BAD_PARAM / BAD_FIELD).
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
import { BEFORE_INIT, type CommandSpec, ENABLED, type FwContext } from './command.js';
import { hostedFirmware } from './esw-functions.js';

const CAP_TYPES = [
  CapType.GENERAL,
  CapType.GENERAL_2,
  CapType.ROCE,
  CapType.QOS,
  CapType.DEBUG,
  CapType.VDPA_EMULATION,
];

/** capsOf: the function whose capabilities the command names (this one, or one it hosts). */
function capsOf(
  fw: FwContext,
  inbox: Buffer,
): (capType: number, cur: boolean) => Buffer | undefined {
  if (QueryHcaCapIn.get(inbox, 'ec_vf_function')) ownFunction(inbox);
  if (!QueryHcaCapIn.get(inbox, 'other_function')) return (t, cur) => fw.caps.query(t, cur);
  const id = QueryHcaCapIn.get(inbox, 'function_id');
  const other = hostedFirmware(fw, id);
  if (!other) {
    throw new FwError(
      CmdStatus.BAD_PARAM,
      Syndrome.FUNCTION_UNKNOWN,
      `function_id ${id} is neither an enabled SF nor an enabled VF of this function`,
    );
  }
  return (t, cur) => other.queryCap(t, cur);
}

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
      const cap = capsOf(fw, inbox)(opMod >> 1, (opMod & 1) === 1);
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

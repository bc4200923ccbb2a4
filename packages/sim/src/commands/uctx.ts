/**
 * User contexts: CREATE_UCTX (0xa04), QUERY_UCTX (0xa05), DESTROY_UCTX (0xa06).
 *
 * Rules:
 * - only the kernel driver (uid 0) creates and destroys uctxs; a uid other
 *   than 0 gets BAD_PARAM / UID_NOT_ALLOWED (the dispatcher checks it);
 * - a uctx may ask only for capabilities in the device's current `uctx_cap`;
 *   more is BAD_PARAM / UID_LACKS_CAP;
 * - the new uid is the UCTX object's id; the UCTX object itself is owned by
 *   uid 0 (its creator), the objects created under the new uid by that uid;
 * - DESTROY_UCTX frees everything the uid owns, newest first, then the uctx;
 *   when another uid's object still references one of them nothing is freed
 *   (RES_BUSY / OBJ_BUSY);
 * - QUERY_UCTX: a uid may query its own uctx, uid 0 any.
 *
 * Owns: the handlers only.
 */

import {
  CmdOut,
  CmdStatus,
  CreateUctxIn,
  CreateUctxOut,
  DestroyUctxIn,
  Op,
  QueryUctxIn,
  QueryUctxOut,
  Syndrome,
  Uctx,
} from '@auxctl/prm';
import { FwError } from '../fw-error.js';
import { type CommandSpec, INITIALIZED } from './command.js';

/** uctxCommands: see the module header. */
export const uctxCommands: readonly CommandSpec[] = [
  {
    opcode: Op.CREATE_UCTX,
    in: CreateUctxIn,
    out: CreateUctxOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'kernel',
    run: (fw, { inbox, outbox }) => {
      const cap = Uctx.get(inbox, 'cap', CreateUctxIn.byteOffset('uctx'));
      const dev = fw.caps.get('uctx_cap');
      const extra = (cap & ~dev) >>> 0;
      if (extra !== 0) {
        throw new FwError(
          CmdStatus.BAD_PARAM,
          Syndrome.UID_LACKS_CAP,
          `uctx capabilities 0x${extra.toString(16)} are not in the device's uctx_cap 0x${dev.toString(16)}`,
        );
      }
      const obj = fw.objects.create('UCTX', 0, { cap });
      CreateUctxOut.set(outbox, 'uid', obj.id);
    },
  },
  {
    opcode: Op.QUERY_UCTX,
    in: QueryUctxIn,
    out: QueryUctxOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, outbox, uid }) => {
      const target = QueryUctxIn.get(inbox, 'uctx_uid');
      if (uid !== 0 && uid !== target) {
        throw new FwError(
          CmdStatus.BAD_RES,
          Syndrome.OBJ_OTHER_UID,
          `uid ${uid} may query only its own uctx, not uid ${target}`,
        );
      }
      const obj = fw.objects.lookup('UCTX', target, 0);
      Uctx.set(outbox, 'cap', Number(obj.context.cap), QueryUctxOut.byteOffset('uctx'));
    },
  },
  {
    opcode: Op.DESTROY_UCTX,
    in: DestroyUctxIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'kernel',
    run: (fw, { inbox }) => {
      const target = DestroyUctxIn.get(inbox, 'uid');
      fw.objects.lookup('UCTX', target, 0);
      fw.objects.destroyOwnedBy(target);
      fw.objects.destroy('UCTX', target, 0);
    },
  },
];

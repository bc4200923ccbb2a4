/**
 * Protection domains: ALLOC_PD (0x800) and DEALLOC_PD (0x801).
 *
 * Any live uid may allocate a PD, which it then owns; a PD still referenced
 * by an MKEY cannot be freed (RES_BUSY / OBJ_BUSY).
 *
 * Owns: the handlers only.
 */
import { AllocPdIn, AllocPdOut, CmdOut, DeallocPdIn, Op } from '@auxctl/prm';
import { type CommandSpec, INITIALIZED } from './command.js';

/** pdCommands: see the module header. */
export const pdCommands: readonly CommandSpec[] = [
  {
    opcode: Op.ALLOC_PD,
    in: AllocPdIn,
    out: AllocPdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { outbox, uid }) => {
      const pd = fw.objects.create('PD', uid, {});
      AllocPdOut.set(outbox, 'pd', pd.id);
    },
  },
  {
    opcode: Op.DEALLOC_PD,
    in: DeallocPdIn,
    out: CmdOut,
    opMods: [0],
    states: INITIALIZED,
    access: 'any',
    run: (fw, { inbox, uid }) => {
      fw.objects.destroy('PD', DeallocPdIn.get(inbox, 'pd'), uid);
    },
  },
];

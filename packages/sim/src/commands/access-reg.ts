/**
 * ACCESS_REG (0x805): hands the command to the register file.
 *
 * Valid from ENABLE_HCA on (mlx5 writes HOST_ENDIANNESS before INIT_HCA).
 * The firmware checks only that the uid exists; the register file checks
 * op_mod, register id, access direction, register-level capabilities and
 * lengths itself (sim/registers/register-file.ts).
 *
 * Owns: the table row only.
 */
import { AccessRegisterIn, AccessRegisterOut, AccessRegOpMod, Op } from '@auxctl/prm';
import { type CommandSpec, ENABLED } from './command.js';

/** accessRegCommands: see the module header. */
export const accessRegCommands: readonly CommandSpec[] = [
  {
    opcode: Op.ACCESS_REG,
    in: AccessRegisterIn,
    out: AccessRegisterOut,
    opMods: [AccessRegOpMod.WRITE, AccessRegOpMod.READ],
    states: ENABLED,
    access: 'any',
    run: (fw, { inbox, outbox, uid }) => fw.accessRegister(uid, inbox, outbox),
  },
];

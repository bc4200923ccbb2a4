/**
 * abortedOutbox: what a command "returns" while the device is in internal error.
 *
 * Once health declares the device dead nothing reaches firmware. Teardown
 * must still finish, so commands that release a resource (`destroy` in
 * ifc/opcodes.ts) succeed with a zeroed outbox; every other command gets
 * the driver-made status ABORTED (0xfe) and syndrome DRIVER_SYNDROME
 * (0xbadd00de), as Linux `mlx5_internal_err_ret_value` answers them.
 *
 * Owns: the synthesized outbox. Never: touches the queue or the device.
 */
import { CmdHdrOut, CmdStatus, DRIVER_SYNDROME, opcodeInfo } from '@auxctl/prm';

/** abortedOutbox: a new `outLen`-byte outbox for `opcode` under internal error. */
export function abortedOutbox(opcode: number, outLen: number): Buffer {
  const out = Buffer.alloc(outLen);
  if (opcodeInfo(opcode)?.destroy !== true) {
    CmdHdrOut.set(out, 'status', CmdStatus.ABORTED);
    CmdHdrOut.set(out, 'syndrome', DRIVER_SYNDROME);
  }
  return out;
}
